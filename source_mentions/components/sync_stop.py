"""Ending a whole sync at the first failure that no stream can get past (a rejected refresh token)."""

from __future__ import annotations

import threading
from typing import Any, Optional

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.requesters import HttpRequester
from airbyte_cdk.utils.traced_exception import AirbyteTracedException


class SyncStopped(AirbyteTracedException):
    """Raised to every caller once the sync was stopped; StoppingHttpRequester turns it into no answer.

    A config_error: the CDK's HTTP client re-raises those from a refresh and would swallow others
    (then retry the request with the old token).
    """


class SyncStop:
    """The first failure that ends the sync, shared by every stream of one source.

    The CDK reads each partition on its own and reports each failure: a refresh token the
    provider rejected, which every stream shares, came out as one identical error trace per
    partition, each with a traceback in the log (123 traces for three Mentionlytics streams over
    two months). The authenticator records the rejection here; no partition fails on its own
    (StoppingHttpRequester answers nothing), and SourceMentions.read and .check end with this one error.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._error: Optional[AirbyteTracedException] = None

    @property
    def error(self) -> Optional[AirbyteTracedException]:
        return self._error

    def stop(self, error: AirbyteTracedException) -> None:
        """Stop the sync with this error (the first one wins)."""
        with self._lock:
            if self._error is None:
                self._error = error

    def raise_if_stopped(self) -> None:
        if self._error is not None:
            raise self.stopped()

    def stopped(self) -> SyncStopped:
        """What every request raises once the sync was stopped."""
        assert self._error is not None
        return SyncStopped(message=self._error.message, internal_message=f"the sync was stopped: {self._error.internal_message}", failure_type=FailureType.config_error)

    def final_error(self) -> AirbyteTracedException:
        """The error that ends the sync, as a new exception (raising one object twice would stack its tracebacks)."""
        assert self._error is not None
        return AirbyteTracedException(
            message=self._error.message, internal_message=self._error.internal_message, failure_type=self._error.failure_type or FailureType.config_error
        )


class StoppingHttpRequester(HttpRequester):
    """An HttpRequester that sends nothing once the sync was stopped (no manifest hook exists for this).

    No answer is what the CDK gets for an ignored error: the partition ends without an error trace
    of its own. SourceMentions.read then drops every message but logs and ends with the stop's
    error, and SourceMentions.check answers FAILED with it.
    """

    sync_stop: Optional[SyncStop] = None

    def send_request(self, *args: Any, **kwargs: Any) -> Optional[requests.Response]:
        if self.sync_stop is not None and self.sync_stop.error is not None:
            return None
        try:
            return super().send_request(*args, **kwargs)
        except SyncStopped:
            return None
