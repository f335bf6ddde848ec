"""A paginator decorator that bounds every paging loop of the manifest."""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Set, Tuple, Union

import requests

from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.requesters.paginators import DefaultPaginator, Paginator
from airbyte_cdk.sources.declarative.requesters.paginators.paginator import page_size_override_kwargs, stream_slice_kwargs
from airbyte_cdk.sources.declarative.requesters.paginators.strategies.pagination_strategy import PaginationStrategy
from airbyte_cdk.sources.types import Record, StreamSlice, StreamState
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from .bodies import release_parsed_body


@dataclass
class RepeatedPageGuard(Paginator):
    """Stops a partition whose API hands back a next-page token, or a whole page, already seen in that partition.

    No manifest paginator can: a DefaultPaginator forgets each token once it is sent, so an API that
    repeats its `_links.more` cursor, its page envelope or its keyset position, or that ignores the
    page number and answers the same full page, is read forever. The component factory wraps every
    DefaultPaginator in one. A stream's paginator is shared by the partitions its workers read at
    once, so what was seen is kept per thread and forgotten where SimpleRetriever starts reading a
    partition's pages (`get_initial_token`); a partition's pages are read by one thread.
    """

    decorated: DefaultPaginator
    stream_name: str = ""  # set by the factory once the retriever is built
    _seen: threading.local = field(default_factory=threading.local, init=False, repr=False)

    @property
    def pagination_strategy(self) -> PaginationStrategy:
        """The decorated paginator's strategy (components connected to a stream's strategy look for it here)."""
        return self.decorated.pagination_strategy

    def get_initial_token(self) -> Optional[Any]:
        token = self.decorated.get_initial_token()
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
        following = self.decorated.next_page_token(
            response,
            last_page_size,
            last_record,
            last_page_token_value,
            **page_size_override_kwargs(page_size_override),
            **stream_slice_kwargs(self.decorated.next_page_token, stream_slice),
        )
        release_parsed_body(response)  # the page is read: its records are queued, its token computed
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

    def get_page_size(self) -> Optional[int]:
        return self.decorated.get_page_size()

    def path(
        self,
        next_page_token: Optional[Mapping[str, Any]],
        stream_state: Optional[Mapping[str, Any]] = None,
        stream_slice: Optional[StreamSlice] = None,
    ) -> Optional[str]:
        return self.decorated.path(next_page_token=next_page_token, stream_state=stream_state, stream_slice=stream_slice)

    def get_request_params(
        self,
        *,
        stream_state: Optional[StreamState] = None,
        stream_slice: Optional[StreamSlice] = None,
        next_page_token: Optional[Mapping[str, Any]] = None,
        page_size_override: Optional[int] = None,
    ) -> Mapping[str, Any]:
        return self.decorated.get_request_params(
            stream_state=stream_state, stream_slice=stream_slice, next_page_token=next_page_token, **page_size_override_kwargs(page_size_override)
        )

    def get_request_headers(
        self,
        *,
        stream_state: Optional[StreamState] = None,
        stream_slice: Optional[StreamSlice] = None,
        next_page_token: Optional[Mapping[str, Any]] = None,
        page_size_override: Optional[int] = None,
    ) -> Mapping[str, str]:
        return self.decorated.get_request_headers(
            stream_state=stream_state, stream_slice=stream_slice, next_page_token=next_page_token, **page_size_override_kwargs(page_size_override)
        )

    def get_request_body_data(
        self,
        *,
        stream_state: Optional[StreamState] = None,
        stream_slice: Optional[StreamSlice] = None,
        next_page_token: Optional[Mapping[str, Any]] = None,
        page_size_override: Optional[int] = None,
    ) -> Union[Mapping[str, Any], str]:
        return self.decorated.get_request_body_data(
            stream_state=stream_state, stream_slice=stream_slice, next_page_token=next_page_token, **page_size_override_kwargs(page_size_override)
        )

    def get_request_body_json(
        self,
        *,
        stream_state: Optional[StreamState] = None,
        stream_slice: Optional[StreamSlice] = None,
        next_page_token: Optional[Mapping[str, Any]] = None,
        page_size_override: Optional[int] = None,
    ) -> Mapping[str, Any]:
        return self.decorated.get_request_body_json(
            stream_state=stream_state, stream_slice=stream_slice, next_page_token=next_page_token, **page_size_override_kwargs(page_size_override)
        )


def _fingerprint(token: Any) -> str:
    return json.dumps(token, sort_keys=True, default=str)


def _shown(fingerprint: str) -> str:
    return fingerprint if len(fingerprint) <= 200 else fingerprint[:200] + "..."
