"""Custom components: only what the 7.39 manifest language cannot declare."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from dataclasses import InitVar, dataclass
from datetime import datetime
from typing import Any, Dict, Iterable, Iterator, List, Mapping, MutableMapping, Optional, Union
from zoneinfo import ZoneInfo

import requests

from airbyte_cdk.sources.connector_state_manager import ConnectorStateManager
from airbyte_cdk.sources.declarative.models.declarative_component_schema import (
    DeclarativeStream as DeclarativeStreamModel,
)
from airbyte_cdk.sources.declarative.extractors import RecordFilter, RecordSelector
from airbyte_cdk.sources.declarative.interpolation import InterpolatedString
from airbyte_cdk.sources.declarative.parsers.model_to_component_factory import ModelToComponentFactory
from airbyte_cdk.sources.declarative.requesters import HttpRequester
from airbyte_cdk.sources.declarative.retrievers import Retriever
from airbyte_cdk.sources.declarative.transformations import RecordTransformation
from airbyte_cdk.sources.declarative.validators.validation_strategy import ValidationStrategy
from airbyte_cdk.sources.message import MessageRepository
from airbyte_cdk.sources.streams.call_rate import HttpAPIBudget
from airbyte_cdk.sources.streams.concurrent.cursor import Cursor, CursorField
from airbyte_cdk.sources.streams.concurrent.partitions.partition import Partition
from airbyte_cdk.sources.streams.concurrent.partitions.stream_slicer import StreamSlicer
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.types import Config, Record, StreamSlice, StreamState
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

SINCE_ID_PARAMETER = "since_id_cursor"
STREAM_SINCE_ID_PARAMETER = "stream_since_id_cursor"
DEFAULT_READ_TIMEOUT_S = 60.0
logger = logging.getLogger("airbyte")


class _PartitionStateCursor(Cursor):
    """What both since_id cursors share: the stream's name, a lock, and emitting their `state`."""

    def __init__(self, stream_name: str, cursor_field: str, connector_state_manager: ConnectorStateManager, message_repository: MessageRepository) -> None:
        self._stream_name = stream_name
        self.cursor_field = CursorField(cursor_field)
        self._connector_state_manager = connector_state_manager
        self._message_repository = message_repository
        self._lock = threading.Lock()

    def should_be_synced(self, record: Record) -> bool:
        return True

    def _emit_state(self) -> None:
        self._connector_state_manager.update_state_for_stream(self._stream_name, None, self.state)
        self._message_repository.emit_message(self._connector_state_manager.create_state_message(self._stream_name, None))


class SinceIdCursor(_PartitionStateCursor):
    """Per-partition highest id (compared as numbers), handed to the API as `since_id`.

    The manifest schema offers a datetime cursor, or an integer cursor without partitions; Mention
    needs an integer cursor per alert. A partition's state moves only once all of its records
    were emitted, so a sync stopped half-way re-reads that alert instead of skipping mentions.

    Each partition may carry the alert's current highest id (`head_field` in its extra fields).
    A back-fill (no state yet) reads up to that head and then stores the head itself: mentions
    found before the sync but published before start_date are thereby behind the state, not in
    the next sync. A partition whose head is not above its state has nothing new and is skipped.
    """

    def __init__(
        self,
        stream_name: str,
        partition_router: StreamSlicer,
        partition_field: str,
        cursor_field: str,
        head_field: Optional[str],
        stream_state: Optional[Mapping[str, Any]],
        connector_state_manager: ConnectorStateManager,
        message_repository: MessageRepository,
    ) -> None:
        super().__init__(stream_name, cursor_field, connector_state_manager, message_repository)
        self._partition_router = partition_router
        self._partition_field = partition_field
        self._head_field = head_field
        self._committed: Dict[str, int] = {
            str(entry["partition"][partition_field]): int(entry["cursor"][cursor_field])
            for entry in (stream_state or {}).get("states", [])
        }
        self._pending: Dict[str, int] = {}

    @property
    def state(self) -> MutableMapping[str, Any]:
        return {
            "states": [
                {"partition": {self._partition_field: key}, "cursor": {self.cursor_field.cursor_field_key: str(value)}}
                for key, value in sorted(self._committed.items())
            ]
        }

    def stream_slices(self) -> Iterable[StreamSlice]:
        for partition in self._partition_router.stream_slices():
            since_id = self._committed.get(self._key(partition))
            head = self._head(partition)
            if since_id is not None and head is not None and head <= since_id:
                continue
            yield StreamSlice(
                partition=partition.partition,
                cursor_slice={"since_id": str(since_id)} if since_id is not None else {},
                extra_fields=partition.extra_fields,
            )

    def observe(self, record: Record) -> None:
        key = self._key(record.associated_slice)
        value = int(self.cursor_field.extract_value(record))
        with self._lock:
            if value > self._pending.get(key, -1):
                self._pending[key] = value

    def close_partition(self, partition: Partition) -> None:
        stream_slice = partition.to_slice()
        key = self._key(stream_slice)
        head = self._head(stream_slice)
        backfill = not (stream_slice or {}).get("since_id")
        with self._lock:
            seen = self._pending.pop(key, None)
            reached = head if backfill and head is not None else seen
            if reached is None or reached <= self._committed.get(key, -1):
                return
            self._committed[key] = reached
            self._emit_state()

    def ensure_at_least_one_state_emitted(self) -> None:
        with self._lock:
            self._emit_state()

    def _key(self, stream_slice: Optional[Mapping[str, Any]]) -> str:
        partition = stream_slice.partition if isinstance(stream_slice, StreamSlice) else (stream_slice or {})
        return str(partition[self._partition_field])

    def _head(self, stream_slice: Optional[Mapping[str, Any]]) -> Optional[int]:
        extra = stream_slice.extra_fields if isinstance(stream_slice, StreamSlice) else {}
        head = (extra or {}).get(self._head_field) if self._head_field else None
        return int(head) if head not in (None, "") else None


@dataclass
class UpToHeadRecordFilter(RecordFilter):
    """In a back-fill (a slice without since_id), keeps the mentions whose id is at most the alert's head.

    Mentions found after the head was read come with the next since_id sync. The same rule as a
    Jinja `condition` is evaluated per record and cost about a fifth of a sync's throughput
    (measured with benchmarks/harness.py: 3,100 vs 3,700 records/s).
    """

    head_field: str = "head_id"

    def filter_records(
        self,
        records: Iterable[Mapping[str, Any]],
        stream_state: StreamState,
        stream_slice: Optional[StreamSlice] = None,
        next_page_token: Optional[Mapping[str, Any]] = None,
    ) -> Iterable[Mapping[str, Any]]:
        head = (stream_slice.extra_fields or {}).get(self.head_field) if isinstance(stream_slice, StreamSlice) else None
        if not head or (stream_slice or {}).get("since_id"):
            yield from records
            return
        limit = int(head)
        for record in records:
            if int(record["id"]) <= limit:
                yield record


class StreamSinceIdCursor(_PartitionStateCursor):
    """Highest mention id per alert for the stream endpoint, checkpointed while the stream is open.

    A stream partition (one connection per account) lasts the whole sync, and the CDK's cursors
    emit state only when a partition closes. This one also emits after every `checkpoint_every`
    records and whenever SinceIdStreamRetriever passes a keep-alive mark, so a killed sync resumes
    close to where it stopped. The CDK observes a record only after queueing it for output, so a
    state emitted here never covers a record that was not emitted before it.
    """

    def __init__(
        self,
        stream_name: str,
        partition_router: StreamSlicer,
        partition_field: str,
        group_field: str,
        cursor_field: str,
        checkpoint_every: int,
        stream_state: Optional[Mapping[str, Any]],
        connector_state_manager: ConnectorStateManager,
        message_repository: MessageRepository,
    ) -> None:
        super().__init__(stream_name, cursor_field, connector_state_manager, message_repository)
        self._partition_router = partition_router
        self._partition_field = partition_field
        self._group_field = group_field
        self._checkpoint_every = checkpoint_every
        self._since_id: Dict[str, int] = {key: int(value) for key, value in ((stream_state or {}).get("since_id") or {}).items()}
        self._unsaved = 0
        self._changed = False

    @property
    def state(self) -> MutableMapping[str, Any]:
        return {"since_id": {key: str(value) for key, value in sorted(self._since_id.items())}}

    def stream_slices(self) -> Iterable[StreamSlice]:
        """One slice per account, listing its alerts: the API allows one open stream per account."""
        alerts_by_account: Dict[str, List[str]] = {}
        for partition in self._partition_router.stream_slices():
            account = str(partition.partition["parent_slice"][self._group_field])
            alerts_by_account.setdefault(account, []).append(str(partition.partition[self._partition_field]))
        for account, alert_ids in alerts_by_account.items():
            yield StreamSlice(partition={self._group_field: account}, cursor_slice={}, extra_fields={"alert_ids": alert_ids})

    def since_ids(self, alert_ids: Iterable[str]) -> Dict[str, str]:
        """`since_id` per alert for the next connection: the state, or 0 (the history) for a new alert."""
        with self._lock:
            return {alert: str(self._since_id.get(alert, 0)) for alert in alert_ids}

    def observe(self, record: Record) -> None:
        alert = str(record.data["alert_id"])
        value = int(self.cursor_field.extract_value(record))
        with self._lock:
            if value > self._since_id.get(alert, -1):
                self._since_id[alert] = value
                self._changed = True
            self._unsaved += 1
            if self._unsaved >= self._checkpoint_every:
                self._emit_state()

    def checkpoint(self) -> None:
        """Emit the state if it moved since the last one (called on keep-alive marks)."""
        with self._lock:
            if self._changed:
                self._emit_state()

    def close_partition(self, partition: Partition) -> None:
        self.checkpoint()

    def ensure_at_least_one_state_emitted(self) -> None:
        with self._lock:
            self._emit_state()

    def _emit_state(self) -> None:
        self._unsaved, self._changed = 0, False
        super()._emit_state()


class StreamDropped(Exception):
    """The stream connection ended before the sync's deadline: (reason, whether it delivered lines)."""


@dataclass
class SinceIdStreamRetriever(Retriever):
    """Reads Mention's endless NDJSON stream endpoint as a sync that ends on its own.

    No declarative retriever can: the CDK reads a response to its end. This one reads line by
    line (bounded memory) and stops at `duration_seconds` or when a keep-alive mark arrives after
    a whole mark interval without mentions; it checkpoints on marks and reconnects a dropped
    connection from the state. Opening the connection goes through the manifest's requester, so
    auth, 401/403 messages, 429 waits and 5xx retries are the CDK's.
    """

    requester: HttpRequester
    config: Config
    parameters: InitVar[Mapping[str, Any]]
    cursor: Optional[Cursor] = None
    duration_seconds: Union[InterpolatedString, str, float] = 60
    keepalive_timeout_seconds: float = 75
    max_reconnects: int = 5
    name: str = ""

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self.requester.stream_response = True  # the CDK would otherwise read the whole (endless) body
        self._duration = InterpolatedString.create(str(self.duration_seconds), parameters=parameters)
        if not isinstance(self.cursor, StreamSinceIdCursor):
            raise ValueError(f"{self.name}: SinceIdStreamRetriever needs `{STREAM_SINCE_ID_PARAMETER}` in the stream's $parameters")
        self._since = self.cursor

    def read_records(self, records_schema: Mapping[str, Any], stream_slice: Optional[StreamSlice] = None) -> Iterable[Mapping[str, Any]]:
        slice_ = stream_slice or StreamSlice(partition={}, cursor_slice={})
        alert_ids: List[str] = list((slice_.extra_fields or {}).get("alert_ids") or [])
        if not alert_ids:
            return
        started = time.monotonic()
        deadline = started + float(self._duration.eval(self.config))
        progress = {"mentions": 0, "connections": 0}
        failures, ended_by = 0, "the time limit"
        while time.monotonic() < deadline:
            since = self._since.since_ids(alert_ids)
            response = self.requester.send_request(
                stream_slice=slice_, request_params={"alerts[]": alert_ids, **{f"since_id[{alert}]": value for alert, value in since.items()}}
            )
            progress["connections"] += 1
            if response is None or response.status_code != 200:  # an answer the error handler chose to ignore
                ended_by = f"HTTP {getattr(response, 'status_code', 'no answer')}"
                break
            logger.info(f"{self.name}: stream connection {progress['connections']} for account {slice_.partition}, since_id {since}")
            try:
                ended_by = yield from self._read_connection(response, deadline, progress, slice_)
                break
            except StreamDropped as error:
                failures = 0 if error.args[1] else failures + 1  # a connection that delivered lines resets the count
                if failures > self.max_reconnects:
                    raise AirbyteTracedException(
                        message=f"Mention's stream connection failed {failures} times in a row; the mentions emitted so far are saved in the state.",
                        internal_message=str(error.args[0]),
                        failure_type=FailureType.transient_error,
                    ) from error
                wait = min(2.0 ** (failures - 1), 30.0, max(deadline - time.monotonic(), 0.0)) if failures else 0.0
                logger.warning(f"{self.name}: stream connection lost ({error.args[0]}); reconnecting in {wait:.0f} s from the saved since_id")
                time.sleep(wait)
            finally:
                response.close()
        logger.info(
            f"{self.name}: {progress['mentions']} mentions from account {slice_.partition} in {time.monotonic() - started:.1f} s"
            f" over {progress['connections']} connection(s); ended by {ended_by}"
        )

    def _read_connection(
        self, response: requests.Response, deadline: float, progress: Dict[str, int], slice_: StreamSlice
    ) -> Iterator[Mapping[str, Any]]:
        """Yield the mentions of one connection; return why reading ended (StreamDropped if the connection did)."""
        mentions_since_mark: Optional[int] = None  # None until the connection's first mark
        delivered = False
        try:
            for message in self._messages(response, deadline):
                delivered = True
                kind = message.get("type")
                if kind == "mention":
                    progress["mentions"] += 1
                    mentions_since_mark = None if mentions_since_mark is None else mentions_since_mark + 1
                    yield message["mention"]
                    PROGRESS.add(self.name, slice_, records=1, pages=0)
                elif kind == "mark":
                    self._since.checkpoint()
                    if mentions_since_mark == 0:
                        return "a keep-alive interval without new mentions"
                    mentions_since_mark = 0
                elif kind == "warning":
                    logger.warning(
                        f"{self.name}: Mention says: {message.get('message')!r}. The stream sends at most 1000 older "
                        "mentions per alert; sync the `mentions` stream for the rest of their history."
                    )
                else:
                    logger.warning(f"{self.name}: skipped a stream message of unknown type {kind!r}")
        except StreamDropped as error:
            raise StreamDropped(error.args[0], delivered) from error
        return "the time limit"

    def _messages(self, response: requests.Response, deadline: float) -> Iterator[Dict[str, Any]]:
        """The stream's JSON messages until the deadline; StreamDropped if the connection ends first."""
        sock = _socket_of(response)
        try:
            for line in response.iter_lines(chunk_size=65536):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                if sock is not None:  # wake up at the deadline, or when even keep-alives stop coming
                    sock.settimeout(min(remaining, self.keepalive_timeout_seconds))
                if not line.strip():
                    continue
                try:
                    message = json.loads(line)
                except ValueError:
                    logger.warning(f"{self.name}: skipped a stream line that is not valid JSON: {line[:120]!r}")
                    continue
                if isinstance(message, dict):
                    yield message
                else:
                    logger.warning(f"{self.name}: skipped a stream line that is not a JSON object: {line[:120]!r}")
        except (requests.RequestException, OSError) as error:
            if time.monotonic() >= deadline:
                return
            raise StreamDropped(type(error).__name__, False) from error
        if time.monotonic() < deadline:
            raise StreamDropped("the server closed the stream", False)


def _socket_of(response: requests.Response) -> Optional[socket.socket]:
    """The socket under a streamed response (urllib3 2), to bound each read by the time left."""
    connection = getattr(response.raw, "connection", None)
    sock = getattr(connection, "sock", None)
    return sock if isinstance(sock, socket.socket) else None


class SyncProgress:
    """Records and pages read so far per stream, logged every `interval_s` seconds during a sync.

    The CDK logs a stream's total only when it ends; a sync of millions of mentions would be
    silent for an hour. Fed by ProgressRecordSelector (every page of every stream) and by
    SinceIdStreamRetriever; the thread that crosses the interval writes the lines.
    """

    def __init__(self, interval_s: float = 10.0) -> None:
        self.interval_s = interval_s
        self._lock = threading.Lock()
        self._streams: Dict[str, Dict[str, Any]] = {}
        self._last_log = time.monotonic()

    def reset(self) -> None:
        """Start counting from zero (a new sync)."""
        with self._lock:
            self._streams.clear()
            self._last_log = time.monotonic()

    def add(self, stream: str, partition: Optional[Mapping[str, Any]], records: int, pages: int = 1) -> None:
        with self._lock:
            entry = self._streams.setdefault(stream, {"records": 0, "pages": 0, "partition": None})
            entry["records"] += records
            entry["pages"] += pages
            entry["partition"] = partition
            now = time.monotonic()
            if now - self._last_log < self.interval_s:
                return
            self._last_log = now
            lines = [
                f"progress: {name}: {entry['records']:,} records, {entry['pages']:,} pages so far; last partition {_describe(entry['partition'])}"
                for name, entry in sorted(self._streams.items())
            ]
        for line in lines:
            logger.info(line)


def _describe(partition: Optional[Mapping[str, Any]]) -> str:
    values = dict(getattr(partition, "partition", None) or partition or {})
    values.pop("parent_slice", None)
    window = getattr(partition, "cursor_slice", None) or {}
    return ", ".join(f"{key}={value}" for key, value in {**values, **window}.items()) or "(whole stream)"


PROGRESS = SyncProgress()


class ProgressRecordSelector(RecordSelector):
    """A RecordSelector that reports each page and its record count to PROGRESS (no manifest hook exists for this)."""

    def select_records(
        self,
        response: requests.Response,
        stream_state: StreamState,
        records_schema: Mapping[str, Any],
        stream_slice: Optional[StreamSlice] = None,
        next_page_token: Optional[Mapping[str, Any]] = None,
    ) -> Iterable[Record]:
        count = 0
        for record in super().select_records(response, stream_state, records_schema, stream_slice, next_page_token):
            count += 1
            yield record
        PROGRESS.add(self.name, stream_slice, count)


class ExplainedAPIBudget(HttpAPIBudget):
    """The CDK's API budget, plus an INFO line whenever it holds a request back (the CDK logs that at DEBUG only)."""

    def acquire_call(self, request: Any, block: bool = True, timeout: Optional[float] = None) -> None:
        started = time.monotonic()
        super().acquire_call(request, block=block, timeout=timeout)
        waited = time.monotonic() - started
        if waited >= 0.5:
            path = getattr(request, "path_url", None) or getattr(request, "url", "")
            logger.info(f"rate limit: waited {waited:.1f} s before {path} to stay within the provider's published request rate (API budget)")


@dataclass
class ReplaceWithFields(RecordTransformation):
    """Replaces the record by the declared fields, copied or computed from it (`unified_mentions`).

    AddFields can add fields but not drop the provider's own, and its typed values turn a null
    into the text "None"; a unified record must carry exactly the shared columns, typed. Each
    field is `{copy: [path], type: ...}` (the value as is, then cast) or `{value: "{{ jinja }}"}`.
    """

    fields: Mapping[str, Mapping[str, Any]]
    config: Config
    parameters: InitVar[Mapping[str, Any]]

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self._plan = [
            (
                name,
                list(spec["copy"]) if "copy" in spec else None,
                InterpolatedString.create(str(spec["value"]), parameters=parameters) if "value" in spec else None,
                _CASTS[spec.get("type", "any")],
            )
            for name, spec in self.fields.items()
        ]

    def transform(
        self,
        record: Dict[str, Any],
        config: Optional[Config] = None,
        stream_state: Optional[StreamState] = None,
        stream_slice: Optional[StreamSlice] = None,
    ) -> None:
        computed: Dict[str, Any] = {}
        for name, path, expression, cast in self._plan:
            if path is not None:
                value: Any = record
                for key in path:
                    value = value.get(key) if isinstance(value, Mapping) else None
            else:
                value = expression.eval(config or self.config, record=record, stream_slice=stream_slice) if expression else None
            computed[name] = None if value is None or value == "" else cast(value)
        record.clear()
        record.update(computed)


_CASTS: Dict[str, Any] = {"string": str, "integer": int, "number": float, "any": lambda value: value}


class RefreshRejectionHint:
    """Puts the provider's own advice in front of the CDK's message for a rejected refresh token.

    The CDK's text ("re-authenticate this source's credentials") cannot be set from the
    manifest; a user of a provider without OAuth consent screens needs to know where new tokens
    come from. Mixed into the authenticator's class by SourceMentionsComponentFactory.
    """

    refresh_rejected_hint: str = ""

    def refresh_access_token(self) -> Any:
        try:
            return super().refresh_access_token()  # type: ignore[misc]
        except AirbyteTracedException as error:
            if error.failure_type == FailureType.config_error and self.refresh_rejected_hint:
                error.message = f"{self.refresh_rejected_hint} ({error.message})"
            raise


class SourceMentionsComponentFactory(ModelToComponentFactory):
    """The two behaviours the 7.39 manifest schema cannot declare, keyed by `$parameters`.

    - `since_id_cursor` on a stream: its cursor is a SinceIdCursor (custom incremental_sync
      components are rejected by the schema); `stream_since_id_cursor`: a StreamSinceIdCursor.
    - `refresh_rejected_hint` on an OAuthAuthenticator: the hint leads a rejected-refresh error.
    - every RecordSelector reports its pages and records to PROGRESS; the API budget logs its waits.
    - every requester gets `read_timeout_seconds` from the config (default 60 s).
    Everything else is built by the CDK as usual.
    """

    @classmethod
    def adopt(cls, factory: ModelToComponentFactory) -> None:
        """Turn the factory the CDK built inside the source's __init__ (no way to pass one in) into this one."""
        factory.__class__ = cls
        factory._init_mappings()  # its model-to-constructor table holds bound methods of the old class

    def create_oauth_authenticator(self, model: Any, config: Config, **kwargs: Any) -> Any:
        authenticator = super().create_oauth_authenticator(model, config, **kwargs)
        hint = (model.parameters or {}).get("refresh_rejected_hint")
        if hint:
            base = type(authenticator)
            authenticator.__class__ = type(f"Hinted{base.__name__}", (RefreshRejectionHint, base), {})
            authenticator.refresh_rejected_hint = hint
        return authenticator

    def create_http_requester(
        self,
        model: Any,
        config: Config,
        decoder: Any = None,
        query_properties_key: Optional[str] = None,
        use_cache: Optional[bool] = None,
        *,
        name: str,
    ) -> HttpRequester:
        """Every requester gets the config's read timeout (a manifest number cannot come from the config)."""
        if model.read_timeout_in_seconds is None:
            timeout = float(config.get("read_timeout_seconds") or DEFAULT_READ_TIMEOUT_S)
            model = model.copy(update={"read_timeout_in_seconds": timeout, "connect_timeout_in_seconds": model.connect_timeout_in_seconds or 30.0})
        extra = {"decoder": decoder} if decoder is not None else {}
        return super().create_http_requester(model, config, query_properties_key=query_properties_key, use_cache=use_cache, name=name, **extra)

    def create_http_api_budget(self, model: Any, config: Config, **kwargs: Any) -> Any:
        budget = super().create_http_api_budget(model, config, **kwargs)
        if type(budget) is HttpAPIBudget:
            budget.__class__ = ExplainedAPIBudget  # same state; acquire_call also logs the waits
        return budget

    def create_record_selector(self, model: Any, config: Config, **kwargs: Any) -> Any:
        selector = super().create_record_selector(model, config, **kwargs)
        if type(selector) is RecordSelector:
            selector.__class__ = ProgressRecordSelector  # same fields; select_records also reports progress
        return selector

    def _build_concurrent_cursor(
        self, model: DeclarativeStreamModel, stream_slicer: Optional[Any], config: Config
    ) -> Cursor:
        name = model.name or ""
        stream_options = (model.parameters or {}).get(STREAM_SINCE_ID_PARAMETER)
        if stream_options and stream_slicer is not None:
            return StreamSinceIdCursor(
                stream_name=name,
                partition_router=stream_slicer,
                partition_field=stream_options["partition_field"],
                group_field=stream_options["group_field"],
                cursor_field=stream_options["cursor_field"],
                checkpoint_every=int(stream_options["checkpoint_every"]),
                stream_state=self._connector_state_manager.get_stream_state(name, None),
                connector_state_manager=self._connector_state_manager,
                message_repository=self._message_repository,
            )
        options = (model.parameters or {}).get(SINCE_ID_PARAMETER)
        if not options or stream_slicer is None:
            return super()._build_concurrent_cursor(model, stream_slicer, config)
        return SinceIdCursor(
            stream_name=name,
            partition_router=stream_slicer,
            partition_field=options["partition_field"],
            cursor_field=options["cursor_field"],
            head_field=options.get("head_field"),
            stream_state=self._connector_state_manager.get_stream_state(name, None),
            connector_state_manager=self._connector_state_manager,
            message_repository=self._message_repository,
        )



@dataclass
class StartDateNotInTheFuture(ValidationStrategy):
    """Rejects a start_date after now: the JSON schema can check its format but not compare it with today."""

    def validate(self, value: Any) -> None:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise AirbyteTracedException(
                message=f"Start Date {value} is not a valid date and time: use YYYY-MM-DDTHH:MM:SSZ, e.g. 2026-01-01T00:00:00Z.",
                internal_message="start_date does not parse",
                failure_type=FailureType.config_error,
            ) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo("UTC"))
        if moment > datetime.now(ZoneInfo("UTC")):
            raise AirbyteTracedException(
                message=f"Start Date {value} is in the future: set it to a date in the past (or leave it empty for 30 days ago).",
                internal_message="start_date in the future",
                failure_type=FailureType.config_error,
            )


@dataclass
class AddLocalBucketDate(RecordTransformation):
    """Adds `bucket_date`, the bucket's calendar date in the configured timezone.

    Mentionlab reports a bucket as the UTC instant it starts (a Europe/Brussels day starts at
    23:00Z) but takes `startDate` as a local date; the manifest's Jinja cannot convert timezones.
    """

    config: Config
    parameters: InitVar[Mapping[str, Any]]

    def transform(
        self,
        record: Dict[str, Any],
        config: Optional[Config] = None,
        stream_state: Optional[StreamState] = None,
        stream_slice: Optional[StreamSlice] = None,
    ) -> None:
        zone = ZoneInfo((self.config.get("provider") or {}).get("timezone") or "UTC")
        start = datetime.fromisoformat(record["bucket"].replace("Z", "+00:00"))
        record["bucket_date"] = start.astimezone(zone).strftime("%Y-%m-%d")
