"""Mention's retrievers: the per-alert read that starts with the alert's head, and the endless NDJSON stream endpoint."""

from __future__ import annotations

import json
import logging
import socket
import time
from dataclasses import InitVar, dataclass, field
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Union

import requests
import urllib3

from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.interpolation import InterpolatedString
from airbyte_cdk.sources.declarative.requesters import HttpRequester
from airbyte_cdk.sources.declarative.retrievers import Retriever, SimpleRetriever
from airbyte_cdk.sources.streams.concurrent.cursor import Cursor
from airbyte_cdk.sources.types import Config, StreamSlice
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from .cursors import RereadWindow, SinceIdCursor, StreamSinceIdCursor
from .progress import SyncProgress
from .normalization import KeptAsSent, SchemaTypes
from .record_selection import RequiredFields, SkippedRecords

logger = logging.getLogger("airbyte")

READ_CHUNK_BYTES = 65536  # at most this much is read, and the deadline checked, at a time


HEAD_PAGE_TOKEN = {"next_page_token": {"limit": "1"}}  # the manifest sends a page token's dict as the query


class HeadFirstRetriever(SimpleRetriever):
    """Reads an alert's head (its highest mention id now) inside the alert's partition, where a read needs it.

    A back-fill (no saved since_id) reads the head first: it bounds the back-fill and becomes the
    state. An incremental read asks for its since_id pages at once, and reads the head only when
    they bring nothing, to report a saved since_id beyond the alert's newest mention: an alert with
    new mentions costs one request fewer, and the pages no longer wait for the head. A re-read
    window's slice (RereadWindow) needs no head. The manifest has no step that runs before or after
    a partition's pages; inside the partition they run on the CDK's worker pool, num_workers at a
    time. The head read is the stream's own request (its URL, auth and error handler) with the page
    token {'limit': 1}; an answer the error handler skipped (404: the alert is gone) skips the alert.
    """

    since_id_cursor: SinceIdCursor  # set by the factory, which converts the CDK's SimpleRetriever

    def read_records(self, records_schema: Mapping[str, Any], stream_slice: Optional[StreamSlice] = None) -> Iterable[Any]:
        slice_ = stream_slice or StreamSlice(partition={}, cursor_slice={})
        if RereadWindow.holds(slice_):
            yield from super().read_records(records_schema, slice_)
            return
        if slice_.get("since_id"):
            found = False
            for item in super().read_records(records_schema, slice_):
                found = True
                yield item
            if not found:  # nothing new, or a saved since_id beyond the alert's newest mention: the head tells
                response = self.requester.send_request(stream_slice=slice_, next_page_token=HEAD_PAGE_TOKEN)
                if response is not None:
                    self.since_id_cursor.slice_to_read(slice_, _pull_since_id(response))
            return
        response = self.requester.send_request(stream_slice=slice_, next_page_token=HEAD_PAGE_TOKEN)
        if response is None:
            return
        to_read = self.since_id_cursor.slice_to_read(slice_, _pull_since_id(response))
        if to_read is not None:
            yield from super().read_records(records_schema, to_read)


def _pull_since_id(response: requests.Response) -> Optional[Any]:
    """`_links.pull.params.since_id` of a mentions page: the highest id the alert has; None if the page has none."""
    try:
        body = response.json()
    except ValueError:
        return None
    links = body.get("_links") if isinstance(body, Mapping) else None
    pull = links.get("pull") if isinstance(links, Mapping) else None
    params = pull.get("params") if isinstance(pull, Mapping) else None
    return params.get("since_id") if isinstance(params, Mapping) else None


class StreamDropped(Exception):
    """The stream connection ended before the sync's deadline: (reason, whether it delivered lines)."""


@dataclass
class SinceIdStreamRetriever(Retriever):
    """Reads Mention's endless NDJSON stream endpoint as a sync that ends on its own.

    No declarative retriever can: the CDK reads a response to its end. This one reads the bytes as
    they arrive, line by line (a line longer than `max_line_bytes` drops the connection, so memory
    stays bounded), and stops at `duration_seconds`, even inside a line that never ends, or when a
    keep-alive mark arrives after a whole mark interval without mentions; it checkpoints on marks
    and reconnects a dropped connection from the state. Opening the connection goes through the
    manifest's requester, so auth, 401/403 messages, 429 waits and 5xx retries are the CDK's. A mention without its alert
    or a whole-number id is skipped with a WARN (counted in `skipped_records`; the factory sets it and `progress` from its source).
    """

    requester: HttpRequester
    config: Config
    parameters: InitVar[Mapping[str, Any]]
    cursor: Optional[Cursor] = None
    duration_seconds: Union[InterpolatedString, str, float] = 60
    keepalive_timeout_seconds: float = 75
    max_reconnects: int = 5
    max_line_bytes: int = 1_048_576
    name: str = ""
    skipped_records: SkippedRecords = field(default_factory=SkippedRecords)
    progress: SyncProgress = field(default_factory=SyncProgress)
    kept_as_sent: Optional[KeptAsSent] = None  # set by the factory: then mentions are converted to the schema's types

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self.requester.stream_response = True  # the CDK would otherwise read the whole (endless) body
        self._duration = InterpolatedString.create(str(self.duration_seconds), parameters=parameters)
        if not isinstance(self.cursor, StreamSinceIdCursor):
            raise ValueError(f"{self.name}: SinceIdStreamRetriever needs a StreamSinceIdCursor as the stream's `source_mentions_cursor`")
        self._since = self.cursor
        needed = self._since.required_fields()
        self._required = RequiredFields(stream=self.name, key_paths=tuple((name,) for name in needed), whole_numbers=(self._since.cursor_field.cursor_field_key,))

    def read_records(self, records_schema: Mapping[str, Any], stream_slice: Optional[StreamSlice] = None) -> Iterable[Mapping[str, Any]]:
        slice_ = stream_slice or StreamSlice(partition={}, cursor_slice={})
        alert_ids: List[str] = list((slice_.extra_fields or {}).get("alert_ids") or [])
        if not alert_ids:
            return
        self._types = SchemaTypes(records_schema) if self.kept_as_sent is not None else None
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
                    mention = message.get("mention")
                    if not isinstance(mention, Mapping):
                        logger.warning(f"{self.name}: skipped a mention message without a mention object: {json.dumps(message)[:120]}")
                        continue
                    if self.skipped_records.skip(self._required, mention):
                        continue
                    if self._types is not None and self.kept_as_sent is not None and isinstance(mention, dict):
                        self._types.normalize(mention, self.name, self.kept_as_sent)
                    progress["mentions"] += 1
                    mentions_since_mark = None if mentions_since_mark is None else mentions_since_mark + 1
                    yield mention
                    self.progress.add(self.name, slice_, records=1, pages=0)
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
        """The stream's JSON messages until the deadline; StreamDropped if the connection ends first or a line passes the cap.

        Bytes are read as they arrive, at most READ_CHUNK_BYTES at a time, and split into lines here:
        `iter_lines` would hold an unfinished line whole, so a line that never ends would hide the
        deadline and grow without bound.
        """
        sock = _socket_of(response)
        pending = bytearray()  # the unfinished line: never more than max_line_bytes
        try:
            while (remaining := deadline - time.monotonic()) > 0:
                if sock is not None:  # wake up at the deadline, or when even keep-alives stop coming
                    sock.settimeout(min(remaining, self.keepalive_timeout_seconds))
                chunk = response.raw.read1(READ_CHUNK_BYTES, decode_content=True)
                if not chunk:
                    raise StreamDropped("the server closed the stream", False)
                *lines, rest = chunk.split(b"\n")
                if lines:
                    lines[0], pending = bytes(pending) + lines[0], bytearray()
                pending += rest
                for line in lines:
                    if len(line) > self.max_line_bytes:
                        raise self._too_long(line)
                    message = self._parsed(line)
                    if message is not None:
                        yield message
                if len(pending) > self.max_line_bytes:
                    raise self._too_long(pending)
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as error:
            if time.monotonic() < deadline:
                raise StreamDropped(type(error).__name__, False) from error

    def _too_long(self, line: Union[bytes, bytearray]) -> StreamDropped:
        return StreamDropped(f"a line passed {self.max_line_bytes} bytes without ending; it began {bytes(line[:120])!r}", False)

    def _parsed(self, line: bytes) -> Optional[Dict[str, Any]]:
        """The line's JSON object; None for a blank line, and None with a WARN naming the line for anything else."""
        if not line.strip():
            return None
        try:
            message = json.loads(line)
        except ValueError:
            logger.warning(f"{self.name}: skipped a stream line that is not valid JSON: {line[:120]!r}")
            return None
        if not isinstance(message, dict):
            logger.warning(f"{self.name}: skipped a stream line that is not a JSON object: {line[:120]!r}")
            return None
        return message


def _socket_of(response: requests.Response) -> Optional[socket.socket]:
    """The socket under a streamed response (urllib3 2), to bound each read by the time left."""
    connection = getattr(response.raw, "connection", None)
    sock = getattr(connection, "sock", None)
    return sock if isinstance(sock, socket.socket) else None
