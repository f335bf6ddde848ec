"""Pagination strategies the manifest's CursorPagination cannot express."""

from __future__ import annotations

import logging
from dataclasses import InitVar, dataclass, field
from typing import Any, Dict, Mapping, Optional

import requests

from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.decoders import Decoder, JsonDecoder, PaginationDecoderDecorator
from airbyte_cdk.sources.declarative.requesters.paginators.strategies.pagination_strategy import PaginationStrategy
from airbyte_cdk.sources.types import Config, Record, StreamSlice
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from .incremental import KeysetPageCursor

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
