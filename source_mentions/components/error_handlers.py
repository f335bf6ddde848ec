"""Error handling the manifest cannot declare: retry waits told apart by cause, within a budget, and skipped answers at WARN.

A budget is how long one request may keep trying: `check` answers within seconds, a read keeps
trying for minutes (`RetryBudget.for_check` / `for_read`; the factory picks one per component).
"""

from __future__ import annotations

import http.client
import logging
import socket
import ssl
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any, List, Mapping, Optional, Tuple, Union
from urllib.parse import urlsplit, urlunsplit

import requests
import urllib3.exceptions
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.requesters.error_handlers import DefaultErrorHandler
from airbyte_cdk.sources.declarative.requesters.error_handlers.backoff_strategies import (
    WaitTimeFromHeaderBackoffStrategy,
    WaitUntilTimeFromHeaderBackoffStrategy,
)
from airbyte_cdk.sources.streams.http.error_handlers import BackoffStrategy
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from .relisting import Relisting, Relistings, still_listed_message
from .sync_stop import SyncStop

logger = logging.getLogger("airbyte")

DEFAULT_READ_TIMEOUT_S = 60.0
READ_CONNECT_TIMEOUT_S = 30.0
# check: one retry at most, no second wait for a silent server, no wait for a far rate-limit reset;
# worst case about 10 s of network time (a silent server) plus the process start.
CHECK_TIMEOUT_S = 10.0
CHECK_MAX_RETRIES = 1
CHECK_MAX_WAIT_S = 10.0

# A host that cannot be reached at all (its name does not exist, connection refused, its certificate refused) is not
# a busy server: a read tries it 3 more times (the manifest's waits, 2-10 s, at most 20 s each: about 20-30 s in all),
# then the whole sync stops on it. A DNS server that answers "try again" or a TLS connection cut short keeps the long budget.
UNREACHABLE_MAX_RETRIES = 3
UNREACHABLE_MAX_WAIT_S = 20.0

# The CDK's HttpClient sleeps one second more than a strategy answers (rate_limiting.user_defined_backoff_handler).
CDK_EXTRA_SLEEP_S = 1.0
# Its own line for that sleep calls every wait "Rate limit exceeded", a refused connection or an HTTP 503 too.
CDK_RETRY_LINE_PREFIX = "UserDefinedBackoffException: Rate limit exceeded"

ResponseOrException = Optional[Union[requests.Response, BaseException]]
HEADER_STRATEGIES = (WaitTimeFromHeaderBackoffStrategy, WaitUntilTimeFromHeaderBackoffStrategy)  # a wait the API asked for


@dataclass(frozen=True)
class RetryBudget:
    """How long one request may keep trying, and what ends it early."""

    name: str
    connect_timeout_s: float
    read_timeout_s: float
    max_retries: Optional[int] = None  # None: the manifest's max_retries
    max_wait_s: Optional[float] = None  # a longer wait (a far rate-limit reset) ends the request
    retry_timeouts: bool = True

    @classmethod
    def for_read(cls, config: Mapping[str, Any]) -> "RetryBudget":
        """The manifest's retries (8, over up to ten minutes), the config's read timeout (default 60 s)."""
        read_timeout = float(config.get("read_timeout_seconds") or DEFAULT_READ_TIMEOUT_S)
        return cls("read", connect_timeout_s=READ_CONNECT_TIMEOUT_S, read_timeout_s=read_timeout)

    @classmethod
    def for_check(cls, config: Mapping[str, Any]) -> "RetryBudget":
        """`check` answers FAILED within seconds: one retry, no second wait for a silent server or a far reset."""
        read_timeout = min(float(config.get("read_timeout_seconds") or DEFAULT_READ_TIMEOUT_S), CHECK_TIMEOUT_S)
        return cls(
            "check", connect_timeout_s=CHECK_TIMEOUT_S, read_timeout_s=read_timeout,
            max_retries=CHECK_MAX_RETRIES, max_wait_s=CHECK_MAX_WAIT_S, retry_timeouts=False,
        )  # fmt: skip


@dataclass
class RetryWait(BackoffStrategy):
    """The manifest's backoff strategies in their order (the first that answers wins, as in the CDK), plus:

    - one INFO line per wait naming its real cause (connection refused, HTTP 503, rate limited until ...)
      where the CDK logs every wait as "Rate limit exceeded" (that line is dropped: RetryLineFilter);
    - the last attempt (`max_retries`, the CDK's count) ends with an error naming the cause, not a traceback;
    - the budget: under `check`, a timeout or a wait longer than `max_wait_s` ends the request at once;
    - a host that cannot be reached gets about 20-30 s, then stops the whole sync (`sync_stop`, the source's) with one
      error naming it: every other request of the sync ends at once instead of starting its own round of retries.
    The manifest cannot add any of this to the CDK's strategies.
    """

    strategies: List[BackoffStrategy]
    max_retries: int
    budget: RetryBudget
    sleep_padding_s: float = CDK_EXTRA_SLEEP_S  # what the caller sleeps on top of the answer
    sync_stop: Optional[SyncStop] = None

    def backoff_time(self, response_or_exception: ResponseOrException, attempt_count: int) -> Optional[float]:
        if self.sync_stop is not None and self.sync_stop.error is not None:
            raise self.sync_stop.stopped()  # a request in flight when the sync stopped does not try again
        cause = describe_failure(response_or_exception, self.budget.read_timeout_s)
        if isinstance(response_or_exception, requests.Response) and response_or_exception.status_code == 401 and attempt_count <= self.max_retries:
            # the manifest retries a 401 only after refreshing the token (REFRESH_TOKEN_THEN_RETRY): the new token
            # is tried at once; a second 401 with it is the CDK's error
            logger.info(f"{cause}: retrying at once with the current token, after the refresh this answer called for (attempt {attempt_count} of {self.max_retries + 1}).")
            return -self.sleep_padding_s  # the caller sleeps this plus its extra second: not at all
        unreachable = is_unreachable(response_or_exception)
        if isinstance(response_or_exception, requests.Timeout) and not self.budget.retry_timeouts:
            raise self._gave_up(cause, attempt_count, f"{self.budget.name} does not try again after a timeout")
        if unreachable and attempt_count > min(self.max_retries, UNREACHABLE_MAX_RETRIES):
            raise self._host_unreachable(response_or_exception, cause, attempt_count)
        if attempt_count > self.max_retries:
            raise self._gave_up(cause, attempt_count)
        wait, from_header = self._first_answer(response_or_exception, attempt_count)
        if not wait:
            return wait
        if unreachable:
            wait = min(wait, UNREACHABLE_MAX_WAIT_S)
        sleep = wait + self.sleep_padding_s
        until = (datetime.now(timezone.utc) + timedelta(seconds=wait)).strftime("%Y-%m-%dT%H:%M:%SZ")
        if from_header:
            cause = f"{cause} until {until}"
        if self.budget.max_wait_s is not None and wait > self.budget.max_wait_s:
            raise self._gave_up(cause, attempt_count, f"{self.budget.name} does not wait {sleep:.0f} s; try again after {until}")
        logger.info(f"{cause}; retrying in {sleep:.1f} s (attempt {attempt_count} of {self.max_retries + 1}).")
        return wait

    def _first_answer(self, response_or_exception: ResponseOrException, attempt_count: int) -> Tuple[Optional[float], bool]:
        for strategy in self.strategies:
            wait = strategy.backoff_time(response_or_exception=response_or_exception, attempt_count=attempt_count)  # type: ignore[arg-type]
            if wait:
                return wait, isinstance(strategy, HEADER_STRATEGIES)
        return None, False

    def _host_unreachable(self, error: ResponseOrException, cause: str, attempts: int) -> AirbyteTracedException:
        """The error that ends the sync on a host it cannot reach; raised as SyncStopped when the sync has a stop."""
        url = getattr(getattr(error, "request", None), "url", None) or ""
        parts = urlsplit(url)
        host = parts.netloc.rsplit("@", 1)[-1] or "the API host"
        dns = "host name not found" in cause
        problem = AirbyteTracedException(
            message=(
                f"Cannot reach {host}: {cause}; gave up after {attempts} attempt{'s' if attempts > 1 else ''}. "
                + ("Check the API URL in the source's settings (the host name does not exist for this machine's DNS)."
                   if dns else "Check the API URL in the source's settings and that this machine can reach that host (proxy, firewall, VPN).")
                + " The sync stopped here; no other stream tries it again."
            ),
            internal_message=f"host unreachable: {cause}",
            failure_type=FailureType.config_error if dns else FailureType.transient_error,
        )  # fmt: skip
        if self.sync_stop is None:
            return problem
        self.sync_stop.stop(problem)
        return self.sync_stop.stopped()

    def _gave_up(self, cause: str, attempts: int, why: str = "") -> AirbyteTracedException:
        tried = f"gave up after {attempts} attempt{'s' if attempts > 1 else ''}"
        return AirbyteTracedException(
            message=f"{cause}; {tried}{': ' + why if why else ''}.",
            internal_message=f"retry budget '{self.budget.name}' spent: {cause}",
            failure_type=FailureType.transient_error,
        )


class RetryLineFilter(logging.Filter):
    """Drops the CDK's retry line ("Rate limit exceeded" for every cause); RetryWait logs the real one."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(CDK_RETRY_LINE_PREFIX)



@dataclass
class WarnWhenSkippedErrorHandler(DefaultErrorHandler):
    """A DefaultErrorHandler that logs every answer it skips (IGNORE) at WARN, and skips a 404 only for an item no longer listed.

    The CDK logs an ignored answer at INFO, among routine lines; a skipped answer is a partition
    whose records this sync does not read (an alert deleted mid-sync), so the user must see it.
    With a `relisting` (components.relisting), a 404 for an item its listing still shows is a
    config_error naming the URL, the item and what to check; the manifest cannot ask a listing again.
    """

    relisting: Optional[Mapping[str, Any]] = None
    relistings: Optional[Relistings] = None  # the source's, set by the factory

    def interpret_response(self, response_or_exception: Optional[Union[requests.Response, Exception]] = None) -> ErrorResolution:
        resolution = super().interpret_response(response_or_exception)
        if resolution.response_action != ResponseAction.IGNORE:
            return resolution
        if isinstance(response_or_exception, requests.Response) and response_or_exception.status_code == 404 and self.relisting and self.relistings:
            relisting = Relisting.of(self.relisting)
            item = relisting.item_of(response_or_exception.request)
            if item is not None and self.relistings.still_listed(relisting, item, self.config):
                url = _where(response_or_exception.request, response_or_exception.url).split(" ", 1)[-1]
                return ErrorResolution(
                    response_action=ResponseAction.FAIL, failure_type=FailureType.config_error, error_message=still_listed_message(relisting, url, item)
                )
        logger.warning(resolution.error_message or f"Skipped an answer: {response_or_exception}")
        return replace(resolution, error_message=None)  # the CDK's own INFO line then names the request, not this text again


def is_unreachable(response_or_exception: ResponseOrException) -> bool:
    """A failure to reach the host at all: its name does not exist, connection refused, its certificate refused.

    Not a timeout, nor a temporary DNS failure (EAI_AGAIN), nor a TLS connection cut short: those may pass.
    """
    if not isinstance(response_or_exception, BaseException) or isinstance(response_or_exception, requests.Timeout):
        return False
    chain = _causes(response_or_exception)
    return any(
        isinstance(e, (ConnectionRefusedError, ssl.SSLCertVerificationError)) or (isinstance(e, socket.gaierror) and e.errno in _NAME_NOT_FOUND)
        for e in chain
    )


_NAME_NOT_FOUND = {socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)}


def describe_failure(response_or_exception: ResponseOrException, read_timeout_s: Optional[float] = None) -> str:
    """`GET https://host/path: <cause>` in a user's words (no query string: it may carry ids or keys)."""
    if isinstance(response_or_exception, requests.Response):
        response = response_or_exception
        where = _where(response.request, response.url)
        if response.status_code == 429:
            return f"{where}: rate limited (HTTP 429)"
        if response.ok:
            return f"{where}: an empty or unreadable answer (HTTP {response.status_code})"
        return f"{where}: HTTP {response.status_code}{' ' + response.reason if response.reason else ''}"
    if response_or_exception is None:
        return "no answer"
    error = response_or_exception
    where = _where(getattr(error, "request", None), None)
    return f"{where}: {_network_cause(error, read_timeout_s)}" if where else _network_cause(error, read_timeout_s)


def _network_cause(error: BaseException, read_timeout_s: Optional[float]) -> str:
    if isinstance(error, requests.ConnectTimeout):
        return "no connection within the connect timeout"
    if isinstance(error, requests.ReadTimeout):
        return f"no answer within {read_timeout_s:g} s (read timeout)" if read_timeout_s else "no answer (read timeout)"
    chain = _causes(error)
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return "connection refused"
    if any(isinstance(e, (socket.gaierror, urllib3.exceptions.NameResolutionError)) for e in chain):
        return "host name not found"
    if any(isinstance(e, (ssl.SSLError, requests.exceptions.SSLError)) for e in chain):
        return "TLS handshake failed (certificate or protocol)"
    if any(isinstance(e, (http.client.RemoteDisconnected, ConnectionResetError, ConnectionAbortedError)) for e in chain):
        return "connection closed without an answer"
    if any(isinstance(e, (requests.exceptions.ChunkedEncodingError, http.client.IncompleteRead, urllib3.exceptions.ProtocolError)) for e in chain):
        return "connection dropped before the whole answer arrived"
    return f"{type(error).__name__}: {error}"


def _causes(error: BaseException) -> List[BaseException]:
    """The error and what it wraps (requests -> urllib3 -> socket errors), by args, `reason`, cause and context."""
    seen: List[BaseException] = []
    todo: List[Any] = [error]
    while todo and len(seen) < 20:
        item = todo.pop()
        if not isinstance(item, BaseException) or any(item is known for known in seen):
            continue
        seen.append(item)
        todo.extend([*item.args, getattr(item, "reason", None), item.__cause__, item.__context__])
    return seen


def _where(request: Any, url: Optional[str]) -> str:
    url = getattr(request, "url", None) or url
    if not url:
        return ""
    parts = urlsplit(url)
    method = getattr(request, "method", None)
    address = urlunsplit((parts.scheme, parts.netloc.rsplit("@", 1)[-1], parts.path, "", ""))
    return f"{method} {address}" if method else address
