import pytest


@pytest.fixture(autouse=True)
def no_real_sleep(monkeypatch):
    """Retries wait for real in production; here the waits are recorded instead of slept."""
    waits = []
    monkeypatch.setattr("time.sleep", lambda seconds: waits.append(seconds))
    return waits
