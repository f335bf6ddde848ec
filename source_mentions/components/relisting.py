"""A 404 on an item's data is a deleted item only if the item's listing no longer shows it.

An alert, project or query listed at the start of a sync that answers 404 may have been deleted
since, or the address may be wrong: a proxy or an API version that serves the listings but not the
data, a path that moved (Mentionlab documents a legacy and a `/api/v1/` generation of several
paths), a plan without the feature. The manifest's IGNORE cannot tell them apart; the error handler
(WarnWhenSkippedErrorHandler with a `relisting`) asks the listing again, once per listing per sync.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable, Dict, FrozenSet, Mapping, Optional
from urllib.parse import parse_qs, unquote, urlsplit

import requests
from airbyte_cdk.sources.types import Config
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from .configured_ids import listed_ids


@dataclass(frozen=True)
class Relisting:
    """Where a request names its item, and the manifest stream that lists the items (a path under `definitions`).

    Declared on an error handler as `relisting: {listing: ..., noun: ..., path_after | header | query: ..., check: ...}`.
    """

    provider: str  # as the user knows it, e.g. "Mention"
    listing: str  # e.g. "mention/streams/alerts"
    noun: str  # what one item is, e.g. "alert"
    check: str  # what the user should check when a listed item answers 404
    header: Optional[str] = None  # the item is this request header (`x-project-id`) ...
    query: Optional[str] = None  # ... or this query parameter (`alerts[]`) ...
    path_after: Optional[str] = None  # ... or the path segment after this one (`/alerts/<id>/mentions`)

    @classmethod
    def of(cls, declared: Mapping[str, Any]) -> "Relisting":
        fields = {key: declared[key] for key in cls.__dataclass_fields__ if key in declared}
        return cls(**fields)

    def item_of(self, request: Optional[requests.PreparedRequest]) -> Optional[str]:
        """The id of the item the request asks about (the header, the query parameter, then the path), or None."""
        if request is None or not request.url:
            return None
        parts = urlsplit(request.url)
        if self.header and (request.headers or {}).get(self.header):
            return str(request.headers[self.header])
        values = parse_qs(parts.query).get(self.query) if self.query else None
        if values:
            return values[0]
        if self.path_after:
            segments = [unquote(segment) for segment in parts.path.split("/")]
            for before, segment in zip(segments, segments[1:]):
                if before == self.path_after and segment:
                    return segment
        return None


class Relistings:
    """The items each listing shows when asked again during this sync: each listing is read at most once per source.

    One per source (its factory's); the error handlers of every stream share it, so twenty alerts
    answering 404 cost one more read of the alert list, not twenty.
    """

    def __init__(self, read_listing: Callable[[str, Config], FrozenSet[str]]) -> None:
        self._read_listing = read_listing
        self._lock = threading.Lock()
        self._locks: Dict[str, threading.Lock] = {}
        self._listed: Dict[str, FrozenSet[str]] = {}
        self._failed: Dict[str, AirbyteTracedException] = {}

    def still_listed(self, relisting: Relisting, item: str, config: Config) -> bool:
        """Whether the listing, read again once for this sync, shows the item.

        An item deleted after that one re-reading and answering 404 later in the same sync is taken as
        still listed (a config_error for its partition; the next sync no longer lists it). A listing that
        cannot be read proves nothing: its error is raised for every 404 that needed it, read only once.
        """
        with self._lock:
            lock = self._locks.setdefault(relisting.listing, threading.Lock())
        with lock:  # the partitions that answer 404 at once wait for the one re-listing
            if relisting.listing in self._failed:
                failed = self._failed[relisting.listing]
                raise AirbyteTracedException(message=failed.message, internal_message=failed.internal_message, failure_type=failed.failure_type)
            if relisting.listing not in self._listed:
                try:
                    self._listed[relisting.listing] = self._read_listing(relisting.listing, config)
                except AirbyteTracedException as error:
                    self._failed[relisting.listing] = error
                    raise
            return item in self._listed[relisting.listing]

    @classmethod
    def from_definitions(cls, definitions: Mapping[str, Any], factory: Any) -> "Relistings":
        """Listings built from the manifest's stream definitions by the source's factory (with its retry budget and stop)."""

        def read_listing(path: str, config: Config) -> FrozenSet[str]:
            definition: Any = definitions
            for part in path.split("/"):
                definition = definition[part]
            return frozenset(listed_ids(factory.create_stream(definition, config)))

        return cls(read_listing)


def still_listed_message(relisting: Relisting, url: str, item: str) -> str:
    """What a user reads when an item answers 404 while its listing still shows it."""
    return (
        f"{relisting.provider} answered 404 (not found) for {url}, but {relisting.noun} {item} is still listed: not a deleted "
        f"{relisting.noun} but a wrong address, an API path that moved, or a plan without this data. Check {relisting.check}."
    )
