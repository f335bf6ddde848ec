"""A page's JSON body parsed once for the unreadable-body check and its records, where the CDK parsed it twice.

Every answer goes through the manifest's `unreadable_body_filter`, whose predicate the CDK
evaluates on `response.json()` (the stdlib parser, the slowest); the record extractor then parses
the same body again with orjson (and the paginator a third time). On pages of 1000 mentions those
parses were the largest share of a sync's CPU after the network (benchmarks/results.md).
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional, Union

import orjson
import requests

from airbyte_cdk.sources.declarative.decoders import Decoder, JsonDecoder
from airbyte_cdk.sources.declarative.requesters.error_handlers import HttpResponseFilter
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution

UNREADABLE_BODY_PARAMETER = "unreadable_body_filter"  # `$parameters` key of the manifest's filter
_PARSED_BODY = "source_mentions_parsed_body"  # the parsed body, kept on the response until its records are read
_NOT_PARSED = object()


class UnreadableBodyFilter(HttpResponseFilter):
    """The manifest's unreadable-body filter, which parses the body with orjson once and leaves it for the page's records.

    A body orjson reads as anything but `{}` cannot match the predicate, so the filter answers
    "no match" without evaluating it; any other body goes to the predicate as the manifest
    declares it. Built by the component factory from a filter with `$parameters.unreadable_body_filter`.
    """

    def matches(self, response_or_exception: Optional[Union[requests.Response, Exception]]) -> Optional[ErrorResolution]:
        if isinstance(response_or_exception, requests.Response):
            try:
                body = orjson.loads(response_or_exception.content)
            except orjson.JSONDecodeError:
                pass
            else:
                if not (isinstance(body, Mapping) and not body):
                    setattr(response_or_exception, _PARSED_BODY, body)
                    return None
        return super().matches(response_or_exception)


def decoded_bodies(response: requests.Response, decoder: Decoder) -> Iterable[Any]:
    """What `decoder.decode(response)` yields; for a JsonDecoder, from the body the filter parsed, taken (once) off the response."""
    body = response.__dict__.pop(_PARSED_BODY, _NOT_PARSED) if type(decoder) is JsonDecoder else _NOT_PARSED
    if body is _NOT_PARSED:
        yield from decoder.decode(response)
        return
    # as JsonDecoder: a list yields its items, `null` or an empty list one {}
    items = body if isinstance(body, list) else [body] if body is not None else []
    yield from items or [{}]
