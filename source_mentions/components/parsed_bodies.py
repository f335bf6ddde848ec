"""A page's JSON body parsed once, for the unreadable-body check, its records and its next-page token.

The CDK parses a page three times: the manifest's `unreadable_body_filter` predicate is evaluated
on `response.json()` (the stdlib parser, the slowest), then the record extractor and the paginator
each parse it with orjson. On pages of 1000 mentions those parses were the largest share of a
sync's CPU after the network (benchmarks/results.md); parsed once, 200,000 mentions took ~17.5 s
instead of ~28 s.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any, Generator, Mapping, MutableMapping, Optional, Union

import orjson
import requests

from airbyte_cdk.sources.declarative.decoders import JsonDecoder
from airbyte_cdk.sources.declarative.requesters.error_handlers import HttpResponseFilter
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution

UNREADABLE_BODY_PARAMETER = "unreadable_body_filter"  # `$parameters` key of the manifest's filter
_NOT_PARSED = object()


class ParsedBodies:
    """The pages of one stream parsed by its UnreadableBodyFilter, each kept until the page is read.

    Owned by the stream's retriever (the factory hands the same object to its filter, its decoders
    and its paginator): nothing is kept on the response or shared with another stream. A page that
    is never read (an error answer, retried) is dropped with its response.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bodies: "weakref.WeakKeyDictionary[requests.Response, Any]" = weakref.WeakKeyDictionary()

    def keep(self, response: requests.Response, body: Any) -> None:
        with self._lock:
            self._bodies[response] = body

    def get(self, response: requests.Response) -> Any:
        """The parsed body of `response`, or `_NOT_PARSED`."""
        with self._lock:
            return self._bodies.get(response, _NOT_PARSED)

    def release(self, response: requests.Response) -> None:
        """Drop a page's body once its records and next-page token are read (it would otherwise live until the next page)."""
        with self._lock:
            self._bodies.pop(response, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._bodies)


class UnreadableBodyFilter(HttpResponseFilter):
    """The manifest's unreadable-body filter, which parses the body with orjson once and leaves it for the page's records.

    A body orjson reads as anything but `{}` cannot match the predicate, so the filter answers
    "no match" without evaluating it; any other body goes to the predicate as the manifest
    declares it. Built by the component factory from a filter with `$parameters.unreadable_body_filter`.
    """

    parsed_bodies: Optional[ParsedBodies] = None  # set by the factory: the stream's ParsedBodies

    def matches(self, response_or_exception: Optional[Union[requests.Response, Exception]]) -> Optional[ErrorResolution]:
        if isinstance(response_or_exception, requests.Response):
            try:
                body = orjson.loads(response_or_exception.content)
            except orjson.JSONDecodeError:
                pass
            else:
                if not (isinstance(body, Mapping) and not body):
                    if self.parsed_bodies is not None:
                        self.parsed_bodies.keep(response_or_exception, body)
                    return None
        return super().matches(response_or_exception)


class ParsedBodyDecoder(JsonDecoder):
    """A JsonDecoder that reads the body the stream's UnreadableBodyFilter parsed, where there is one (the factory
    makes a stream's record and pagination decoders this class).

    The paginator reads the page after its records were transformed (in place): the manifest's
    pagination expressions read only the envelope (`_links`, `page`, `totalPages`, whether `data` is empty).
    """

    parsed_bodies: Optional[ParsedBodies] = None  # set by the factory: the stream's ParsedBodies

    def decode(self, response: requests.Response) -> Generator[MutableMapping[str, Any], None, None]:
        body = self.parsed_bodies.get(response) if self.parsed_bodies is not None else _NOT_PARSED
        if body is _NOT_PARSED:
            yield from super().decode(response)
            return
        # as JsonDecoder: a list yields its items, an empty list one {}; `null` (no records either way) one {}
        items = body if isinstance(body, list) else [body] if body is not None else []
        yield from items or [{}]
