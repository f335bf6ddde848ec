"""Record extractors for answers whose shape the manifest's DpathExtractor cannot rely on."""

from __future__ import annotations

import logging
from dataclasses import InitVar, dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, MutableMapping, Set

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.extractors.record_extractor import RecordExtractor
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

logger = logging.getLogger("airbyte")


@dataclass
class NumericTotalsExtractor(RecordExtractor):
    """One record per answer, `{field_name: {"<name>": number}}`, holding every number of a JSON object answer.

    For an endpoint whose answer shape is not published (Mentionlytics' /aggregation: "total
    number of mentions, likes, shares and other metrics"), a fixed field path would find nothing
    in a differently shaped answer and emit an empty period silently. Assumed instead: one JSON
    object whose numbers, at any depth, are the period's totals (nested names joined with ".").
    Values that are not numbers are named once in a WARN; an answer with no number at all (or
    not an object) fails the sync naming what it had.
    """

    parameters: InitVar[Mapping[str, Any]]
    field_name: str = "totals"
    endpoint: str = "the API"
    _warned: Set[str] = field(default_factory=set, init=False, repr=False)

    def extract_records(self, response: requests.Response) -> Iterable[MutableMapping[Any, Any]]:
        body = response.json()
        totals: Dict[str, float] = {}
        skipped: List[str] = []
        if isinstance(body, Mapping):
            _collect_numbers(body, "", totals, skipped)
        if not totals:
            described = f"an object with keys {sorted(body)}" if isinstance(body, Mapping) else f"a JSON {type(body).__name__}"
            raise AirbyteTracedException(
                message=f"{self.endpoint} answered {described} without any number; the connector assumes one object of totals (its shape is not published).",
                internal_message=f"{self.endpoint}: unexpected answer {str(body)[:500]}",
                failure_type=FailureType.system_error,
            )
        new = sorted(set(skipped) - self._warned)
        if new:
            self._warned.update(new)
            logger.warning(f"{self.endpoint}: left out values that are not numbers: {', '.join(new)}")
        yield {self.field_name: totals}


def _collect_numbers(value: Mapping[str, Any], prefix: str, totals: Dict[str, float], skipped: List[str]) -> None:
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, Mapping):
            _collect_numbers(item, f"{name}.", totals, skipped)
        elif isinstance(item, (int, float)) and not isinstance(item, bool):
            totals[name] = item
        elif item is not None:
            skipped.append(name)
