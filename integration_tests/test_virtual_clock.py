"""The tests' virtual clock (virtual_clock.py): waits cost nothing, what they wait for still passes, the network keeps real time."""

import time

import pyrate_limiter.clocks
import requests

from .virtual_clock import SKIPPED_FROM_S

REAL_MONOTONIC = time.perf_counter  # not replaced by the virtual clock


def test_a_retry_wait_returns_at_once_and_moves_the_clock_forward_by_its_length(virtual_clock):
    started, clock_before = REAL_MONOTONIC(), time.time()
    time.sleep(30)
    assert REAL_MONOTONIC() - started < 0.5
    assert 30 <= time.time() - clock_before < 30.5 and virtual_clock.waits == [30]


def test_the_api_budgets_clock_moves_with_it(virtual_clock):
    before = pyrate_limiter.clocks.TimeClock().now()
    time.sleep(62)
    assert pyrate_limiter.clocks.TimeClock().now() - before >= 62_000


def test_a_short_poll_still_sleeps_for_real_so_a_polling_loop_cannot_run_the_clock_ahead(virtual_clock):
    started = REAL_MONOTONIC()
    time.sleep(SKIPPED_FROM_S / 5)
    assert REAL_MONOTONIC() - started >= SKIPPED_FROM_S / 5 and virtual_clock.waits == []


def test_a_rate_limit_reset_on_the_sandbox_passes_when_the_client_waits_for_it(start_sandbox, virtual_clock):
    sandbox = start_sandbox(rate_limit_every=1, rate_limit_window_s=20.0)
    config = sandbox.config()["provider"]
    limited = requests.get(f"{config['api_url']}/accounts/me", headers={"Authorization": f"Bearer {config['access_token']}"}, timeout=10)
    reset = int(limited.headers["X-Rate-Limit-Reset"])
    assert limited.status_code == 429 and reset - time.time() > 15
    time.sleep(reset - time.time())
    assert time.time() >= reset


def test_the_sandboxs_latency_is_the_networks_and_stays_real(start_sandbox, virtual_clock):
    sandbox = start_sandbox(latency_ms=600)
    started = REAL_MONOTONIC()
    requests.get(f"{sandbox.url}/api/accounts/me", timeout=10)
    assert REAL_MONOTONIC() - started >= 0.6 and virtual_clock.waits == []
