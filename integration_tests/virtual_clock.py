"""A clock the test controls: the connector's waits cost no wall time, and what they wait for still happens.

A read under faults waits for seconds at a time: retry backoff (2^n s plus jitter, plus the CDK's
extra second), a 429's reset time, the Mentionlab API budget's window. In production those waits
are the behaviour; in a test they are minutes of nothing. `VirtualClock` stands in for
`time.sleep`, `time.time` and `time.monotonic` (and the copies pyrate-limiter, which runs the CDK's
API budget, took of them at import):

- a sleep of `SKIPPED_FROM_S` or more returns at once and moves the clock forward by its length,
  so a rate-limit window, a reset time or a token lifetime measured on this clock has passed when
  the sleeper wakes, as it would have for real. The waits of several threads add up (each returns
  before the next begins), so the clock may run ahead of real time: a reset time read by one
  request can be past once another's wait is skipped, which the tests about reset times allow for
  or avoid (`real_clock`);
- a shorter sleep (a worker polling its queue, a budget a fraction of a second away) still sleeps
  for real: skipped, a polling loop would spin and push the clock ahead without bound.

The sandbox's network stand-ins (latency, slow answers, the stream's keep-alive marks) keep the real
clock: they took `time.sleep` and `time.monotonic` at import, before any test replaced them.
"""

from __future__ import annotations

import threading
import time
from typing import List

import pyrate_limiter.clocks

SKIPPED_FROM_S = 0.5


class VirtualClock:
    """Real time plus every wait that was skipped; `waits` lists those waits, in order."""

    def __init__(self) -> None:
        self._real_sleep, self._real_time, self._real_monotonic = time.sleep, time.time, time.monotonic
        self._lock = threading.Lock()
        self.ahead_s = 0.0
        self.waits: List[float] = []

    def sleep(self, seconds: float) -> None:
        if seconds < SKIPPED_FROM_S:
            self._real_sleep(max(seconds, 0.0))
            return
        with self._lock:
            self.ahead_s += seconds
            self.waits.append(seconds)
        self._real_sleep(0)  # let the other threads run, as a real wait would

    def advance(self, seconds: float) -> None:
        """Move the clock forward as if `seconds` had passed (a deadline the test wants reached now)."""
        with self._lock:
            self.ahead_s += seconds

    def time(self) -> float:
        return self._real_time() + self.ahead_s

    def monotonic(self) -> float:
        return self._real_monotonic() + self.ahead_s

    def install(self, monkeypatch) -> "VirtualClock":  # type: ignore[no-untyped-def]
        """Replace the process's clock for one test (pytest's monkeypatch puts the real one back)."""
        monkeypatch.setattr(time, "sleep", self.sleep)
        monkeypatch.setattr(time, "time", self.time)
        monkeypatch.setattr(time, "monotonic", self.monotonic)
        monkeypatch.setattr(pyrate_limiter.clocks, "time", self.time)
        monkeypatch.setattr(pyrate_limiter.clocks, "monotonic", self.monotonic)
        return self
