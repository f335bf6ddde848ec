"""Record extractors for answers the manifest's DpathExtractor and RecordExpander cannot read as they are."""

from __future__ import annotations

import logging
from dataclasses import InitVar, dataclass, field
from datetime import date
from typing import Any, Dict, Iterable, List, Mapping, MutableMapping, Optional, Set

import pendulum
import requests

from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.decoders import Decoder, JsonDecoder
from airbyte_cdk.sources.declarative.extractors import DpathExtractor
from airbyte_cdk.sources.declarative.extractors.record_extractor import RecordExtractor
from airbyte_cdk.sources.types import Config
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from .cdk_adapter import extractor_field_path

logger = logging.getLogger("airbyte")

TONE_NAMES = {"-1": "negative", "0": "neutral", "1": "positive"}  # Mention's tone codes
_ABSENT = object()


class KeyPathExtractor(DpathExtractor):
    """A DpathExtractor whose path has no `*`, looked up key by key (the factory converts those).

    dpath 2.2's `get` walks every node of the answer before returning the one it matched: on
    pages of 1000 mentions that walk was over half of a sync's CPU time (profile in
    benchmarks/results.md). A direct lookup finds the same value: a key of a mapping, or an index
    of a list given as digits; what it does not find is no records, as with dpath's default.
    """

    def extract_records(self, response: requests.Response) -> Iterable[MutableMapping[Any, Any]]:
        path = [str(part.eval(self.config)) for part in extractor_field_path(self)]
        for body in self.decoder.decode(response):
            extracted = _at_path(body, path)
            records = extracted if isinstance(extracted, list) else [extracted] if extracted else []
            if self.record_expander is None:
                yield from records
            else:
                for record in records:
                    yield from self.record_expander.expand_record(record)


def _at_path(node: Any, path: List[str]) -> Any:
    """The value at `path` (keys, or list indices as digits), or [] where the path leads nowhere."""
    for key in path:
        if isinstance(node, Mapping):
            node = node.get(key, _ABSENT)
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return []
        if node is _ABSENT:
            return []
    return node


@dataclass
class StatsPerIntervalExtractor(RecordExtractor):
    """One row per alert and interval from Mention's stats answer (`stats.<alert>.mentions_per_interval.data`).

    The counts are a map keyed by interval start; RecordExpander expands arrays only, so no manifest
    component turns a map's keys into rows. Keys are read with pendulum (a date, or an ISO date-time
    whose calendar date is taken); a key that does not parse is logged at WARN with its count and
    skipped. Tones, sources and languages exist only as totals of the requested period: each row
    carries them as `period_*` fields. Every alert of the answer is emitted; the manifest keeps the
    requested one.
    """

    config: Config
    parameters: InitVar[Mapping[str, Any]]
    decoder: Decoder = field(default_factory=lambda: JsonDecoder(parameters={}))

    def extract_records(self, response: requests.Response) -> Iterable[MutableMapping[str, Any]]:
        for body in self.decoder.decode(response):
            answer = as_map(body, "the answer")
            for alert_id, entry in as_map(answer.get("stats"), "stats").items():
                yield from self._rows(str(alert_id), as_map(entry, f"stats.{alert_id}"), answer)

    def _rows(self, alert_id: str, entry: Mapping[str, Any], body: Mapping[str, Any]) -> Iterable[Dict[str, Any]]:
        per_interval = entry.get("mentions_per_interval") or {}
        incomplete = self._incomplete_dates(alert_id, entry.get("incomplete_datapoints") or [])
        totals = {
            "period_from": body.get("from"),
            "period_to": body.get("to"),
            "period_mentions": per_interval.get("total"),
            "period_tones": tones(entry.get("tones_total")),
            "period_sources": counts(entry.get("sources_total"), "sources_total"),
            "period_languages": counts(entry.get("languages_total"), "languages_total"),
        }
        for key, count in as_map(per_interval.get("data"), "mentions_per_interval.data").items():
            day = calendar_date(key)
            if day is None:
                logger.warning(
                    f"statistics: alert {alert_id}: interval key {key!r} is not a date or an ISO date-time; "
                    f"its count ({count}) is not emitted"
                )
                continue
            yield {"alert_id": alert_id, "date": day.isoformat(), "mentions": count, "incomplete": day in incomplete, **totals}

    @staticmethod
    def _incomplete_dates(alert_id: str, datapoints: Iterable[Any]) -> Set[date]:
        dates = set()
        for datapoint in datapoints:
            day = calendar_date(str(datapoint))
            if day is None:
                logger.warning(f"statistics: alert {alert_id}: incomplete datapoint {datapoint!r} is not a date; no row is marked by it")
            else:
                dates.add(day)
        return dates


def calendar_date(text: str) -> Optional[date]:
    """The calendar date a key names: `2026-11-21`, `2026-11-21T00:00:00.0+01:00`, `2026-W47`, `2026-11`; else None."""
    try:
        parsed = pendulum.parse(text, exact=True)
    except ValueError:  # pendulum's ParserError is a ValueError
        return None
    if isinstance(parsed, pendulum.DateTime):
        return parsed.date()
    return parsed if isinstance(parsed, pendulum.Date) else None


def as_map(value: Any, what: str) -> Mapping[str, Any]:
    """A JSON object as a mapping; `[]` (how PHP encodes an empty map) as an empty one; anything else is reported."""
    if isinstance(value, Mapping):
        return value
    if value is not None and value != []:
        logger.warning(f"statistics: {what} is {type(value).__name__}, not an object; it is read as empty: {value!r:.200}")
    return {}


def tones(block: Any) -> Optional[Dict[str, Any]]:
    if not isinstance(block, Mapping):
        return None
    data = as_map(block.get("data"), "tones_total.data")
    return {**{name: data.get(code) for code, name in TONE_NAMES.items()}, "total": block.get("total")}


def counts(block: Any, what: str) -> Optional[Dict[str, Any]]:
    return dict(as_map(block.get("data"), f"{what}.data")) if isinstance(block, Mapping) else None


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


@dataclass
class BareOrDataListExtractor(RecordExtractor):
    """The items of a bare JSON array, or of the `data` list of a `{"data": [...]}` envelope.

    A DpathExtractor follows one path; the CDK's ways of trying two (CombinedExtractor,
    RecordExpander with emit_parent) emit an empty envelope as a record of its own. Any other
    answer fails with its keys named, so a changed contract is not read as "no records".
    """

    parameters: InitVar[Mapping[str, Any]]
    field_name: str = "data"

    def extract_records(self, response: requests.Response) -> Iterable[Mapping[str, Any]]:
        body = response.json()
        if isinstance(body, Mapping) and isinstance(body.get(self.field_name), list):
            body = body[self.field_name]
        if not isinstance(body, list):
            keys = sorted(body) if isinstance(body, Mapping) else type(body).__name__
            raise AirbyteTracedException(
                message=f"The API answered {response.request.method} {response.request.path_url} with neither a list nor a `{self.field_name}` list.",
                internal_message=f"answer keys or type: {keys}",
                failure_type=FailureType.system_error,
            )
        yield from body
