import time

import pytest


@pytest.fixture(autouse=True)
def no_real_sleep(monkeypatch):
    """Retries wait for real in production; here the waits are recorded instead of slept."""
    waits = []
    monkeypatch.setattr("time.sleep", lambda seconds: waits.append(seconds))
    return waits


@pytest.fixture
def fixed_clock(monkeypatch):
    """`time.time` held at one whole second for the test: a wait computed from an absolute reset time is exact."""
    now = float(int(time.time()))
    monkeypatch.setattr("time.time", lambda: now)
    return now
