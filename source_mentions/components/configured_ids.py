"""Ids a user typed into the config, verified against what the provider lists."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from itertools import islice
from typing import Any, Iterator, List, Mapping, Set

from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.concurrent.abstract_stream import AbstractStream
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

logger = logging.getLogger("airbyte")


@dataclass(frozen=True)
class ConfiguredIds:
    """One config list of ids (under `provider`) and the manifest stream that lists the ids that exist.

    A stream reads what the config names and nothing else: an id that matches nothing reads as an
    empty, successful sync (the CDK's CheckStream passes on zero records too). `verify` names those ids.
    """

    provider: str  # as the user knows it, e.g. "Mention"
    field: str  # the config list under `provider`, e.g. "alert_ids"
    title: str  # its title in the spec, e.g. "Alert IDs"
    noun: str  # what one id names, e.g. "alert"
    listing: str  # the stream listing what exists: a path under `definitions`, e.g. "mention/streams/alerts"
    # False where the listing's shape is documented but never seen answering: an answer of another
    # shape lists nothing, which proves nothing about the ids (a WARN says they were not verified).
    empty_listing_proves_unknown: bool = True
    max_listed: int = 10_000  # a listing that runs on without an end is not read past this

    def wanted(self, config: Mapping[str, Any]) -> List[str]:
        provider = config.get("provider")
        values = provider.get(self.field) if isinstance(provider, Mapping) else None
        return [str(value) for value in values or []]

    def needs_listing(self, config: Mapping[str, Any]) -> bool:
        return bool(self.wanted(config))

    def verify(self, listing: AbstractStream, config: Mapping[str, Any]) -> None:
        """Read the listing until every configured id is found; a config_error names those it does not hold."""
        wanted = self.wanted(config)
        if not wanted:
            return
        found: Set[str] = set()
        listed = 0
        for listed, value in enumerate(islice(listed_ids(listing), self.max_listed), start=1):
            found.add(value)
            if found.issuperset(wanted):
                return
        unknown = [value for value in wanted if value not in found]
        if not unknown:
            return  # nothing configured
        if not listed and not self.empty_listing_proves_unknown:
            logger.warning(
                f"{self.title} {', '.join(unknown)} could not be verified: {self.provider} listed no {self.noun}s "
                f"(its {self.noun} list is documented but not confirmed); reading them anyway."
            )
            return
        these = "this id" if len(unknown) == 1 else "these ids"
        bound = f" among the first {listed} it lists" if listed >= self.max_listed else ""
        raise AirbyteTracedException(
            message=(
                f"Unknown {self.title}: {', '.join(unknown)}. {self.provider} lists no {self.noun} with {these}{bound}; "
                f"correct or remove {'it' if len(unknown) == 1 else 'them'} in the source's {self.title}."
            ),
            internal_message=f"configured {self.field} not listed by {self.listing}: {unknown}",
            failure_type=FailureType.config_error,
        )


def listed_ids(listing: AbstractStream) -> Iterator[str]:
    """The `id` of every record the listing stream reads, as text."""
    for partition in listing.generate_partitions():
        for record in partition.read():
            yield str(record.data.get("id"))
