"""Paging the manifest's paginators cannot do: Mentionlab's keyset position, and a guard against endless paging.

Both signatures of `next_page_token` below are the CDK's (PaginationStrategy, Paginator): they repeat it by necessity.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from dataclasses import InitVar, dataclass, field
from typing import Any, Dict, Mapping, Optional, Set, Tuple

import requests

from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.decoders import Decoder, JsonDecoder, PaginationDecoderDecorator
from airbyte_cdk.sources.declarative.requesters.paginators import DefaultPaginator
from airbyte_cdk.sources.declarative.requesters.paginators.strategies.pagination_strategy import PaginationStrategy
from airbyte_cdk.sources.types import Config, Record, StreamSlice
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from .cursors import KeysetPageCursor
from .parsed_bodies import ParsedBodies

logger = logging.getLogger("airbyte")


@dataclass
class KeysetPagination(PaginationStrategy):
    """Mentionlab's list-cursor paging: the answer's `cursor` {lastId, lastUpdatedAt} goes back in the next body.

    It stops on an empty `results` or when `cursor.count < cursor.limit`. Each page's position is
    also handed to the stream's KeysetPageCursor (connected by the component factory): rows carry
    no updatedAt, so only the answer says where a page ends, and only a pagination strategy sees
    the answer together with its slice. SimpleRetriever asks for the next token after every record
    of the page went to the output queue, so the position never covers a record not yet emitted.
    """

    config: Config
    parameters: InitVar[Mapping[str, Any]]
    decoder: Decoder = field(default_factory=lambda: PaginationDecoderDecorator(decoder=JsonDecoder(parameters={})))
    checkpoints: Optional[KeysetPageCursor] = None

    @property
    def initial_token(self) -> Optional[Any]:
        return None

    def next_page_token(
        self,
        response: requests.Response,
        last_page_size: int,
        last_record: Optional[Record],
        last_page_token_value: Optional[Any] = None,
        page_size_override: Optional[int] = None,
        stream_slice: Optional[StreamSlice] = None,
    ) -> Optional[Dict[str, str]]:
        answer = next(iter(self.decoder.decode(response)), {})
        page = answer.get("cursor") or {}
        if not answer.get("results"):
            return None
        position = {"lastUpdatedAt": page.get("lastUpdatedAt"), "lastId": page.get("lastId")}
        if not (position["lastUpdatedAt"] and position["lastId"]):
            raise AirbyteTracedException(
                message="Mentionlab answered a page of result analyses without cursor.lastId and cursor.lastUpdatedAt: the next page cannot be asked for.",
                internal_message=f"cursor of the answer: {page}",
                failure_type=FailureType.system_error,
            )
        if self.checkpoints is not None and stream_slice is not None:
            self.checkpoints.page_emitted(stream_slice, position)
        count, limit = page.get("count"), page.get("limit")
        if _is_number(count) and _is_number(limit) and count < limit:
            return None
        return position

    def get_page_size(self) -> Optional[int]:
        return None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class RepeatedPageGuard(DefaultPaginator):
    """A DefaultPaginator that stops a partition whose API hands back a next-page token, or a whole page, already seen in it.

    No manifest paginator can: a DefaultPaginator forgets each token once it is sent, so an API that
    repeats its `_links.more` cursor, its page envelope or its keyset position, or that ignores the
    page number and answers the same full page, is read forever. The component factory makes every
    DefaultPaginator one (`guard`). A stream's paginator is shared by the partitions its workers read at
    once, so what was seen is kept per thread and forgotten where SimpleRetriever starts reading a
    partition's pages (`get_initial_token`); a partition's pages are read by one thread.
    """

    stream_name = ""
    parsed_bodies: Optional[ParsedBodies] = None  # the stream's parsed pages, released once a page is read

    def guard(self, stream_name: str, parsed_bodies: Optional[ParsedBodies]) -> "RepeatedPageGuard":
        """Starts guarding the pages of `stream_name` (called by the factory on the paginator it built)."""
        self.stream_name, self.parsed_bodies, self._seen = stream_name, parsed_bodies, threading.local()
        return self

    def get_initial_token(self) -> Optional[Any]:
        token = super().get_initial_token()
        self._seen.tokens = {_fingerprint(token)} if token is not None else set()
        self._seen.pages = set()
        return token

    def next_page_token(
        self,
        response: requests.Response,
        last_page_size: int,
        last_record: Optional[Record],
        last_page_token_value: Optional[Any] = None,
        page_size_override: Optional[int] = None,
        stream_slice: Optional[StreamSlice] = None,
    ) -> Optional[Mapping[str, Any]]:
        following = super().next_page_token(response, last_page_size, last_record, last_page_token_value, page_size_override, stream_slice)
        if self.parsed_bodies is not None:
            self.parsed_bodies.release(response)  # the page is read: its records are queued, its token computed
        if not following:
            return following
        tokens, pages = self._seen_in_partition()
        token = _fingerprint(following.get("next_page_token"))
        if token in tokens:
            raise self._looping(stream_slice, f"repeated its cursor: it handed back the next-page token {_shown(token)} a second time")
        page = hashlib.blake2b(response.content or b"", digest_size=16).hexdigest()
        if page in pages:
            raise self._looping(stream_slice, f"answered the same page again for the next-page token {_shown(_fingerprint(last_page_token_value))} (it ignores the token)")
        tokens.add(token)
        pages.add(page)
        return following

    def _seen_in_partition(self) -> Tuple[Set[str], Set[str]]:
        """(next-page tokens, page digests) of the partition this thread reads."""
        if not hasattr(self._seen, "tokens"):
            self._seen.tokens, self._seen.pages = set(), set()
        return self._seen.tokens, self._seen.pages

    def _looping(self, stream_slice: Optional[StreamSlice], what: str) -> AirbyteTracedException:
        partition = {key: value for key, value in (stream_slice.partition if stream_slice is not None else {}).items() if key != "parent_slice"}
        where = f"partition {partition}" if partition else "its only partition"
        if stream_slice is not None and stream_slice.cursor_slice:
            where += f", interval {dict(stream_slice.cursor_slice)}"
        return AirbyteTracedException(
            message=(
                f"Stream {self.stream_name}, {where}: the API {what}. Reading it would never end, so this partition "
                "stops here with an error; the records read before were emitted."
            ),
            internal_message=f"{self.stream_name}: pagination loop",
            failure_type=FailureType.system_error,
        )


def _fingerprint(token: Any) -> str:
    return json.dumps(token, sort_keys=True, default=str)


def _shown(fingerprint: str) -> str:
    return fingerprint if len(fingerprint) <= 200 else fingerprint[:200] + "..."
