"""Record transformations the manifest's AddFields cannot express."""

from __future__ import annotations

import logging
from dataclasses import InitVar, dataclass
from datetime import date, datetime
from typing import Any, Dict, List, Mapping, Optional, Sequence
from zoneinfo import ZoneInfo

import pendulum
from airbyte_cdk.sources.declarative.interpolation import InterpolatedString
from airbyte_cdk.sources.declarative.transformations import RecordTransformation
from airbyte_cdk.sources.types import Config, StreamSlice, StreamState

from .urls import canonical_url

logger = logging.getLogger("airbyte")


class InPlaceTransformation(RecordTransformation):
    """The CDK's `transform` signature, written once: each transformation below implements `apply`."""

    def transform(
        self,
        record: Dict[str, Any],
        config: Optional[Config] = None,
        stream_state: Optional[StreamState] = None,
        stream_slice: Optional[StreamSlice] = None,
    ) -> None:
        self.apply(record, config, stream_slice)

    def apply(self, record: Dict[str, Any], config: Optional[Config], stream_slice: Optional[StreamSlice]) -> None:
        raise NotImplementedError


@dataclass
class ReplaceWithFields(InPlaceTransformation):
    """Replaces the record by the declared fields, copied or computed from it (`unified_mentions`).

    AddFields can add fields but not drop the provider's own, and its typed values turn a null
    into the text "None"; a unified record must carry exactly the shared columns, typed. Each
    field is `{copy: [path], type: ...}` (the value as is, then cast; `url_key`: the URL's canonical
    form, components.urls) or `{value: "{{ jinja }}"}`.
    `copy` may also list alternative paths, `[[path], [other, path]]`: the first non-empty value wins
    (Mention's Twitter authors have `realname` and no `name`).
    """

    fields: Mapping[str, Mapping[str, Any]]
    config: Config
    parameters: InitVar[Mapping[str, Any]]

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self._plan = [
            (
                name,
                _alternative_paths(spec["copy"]) if "copy" in spec else None,
                InterpolatedString.create(str(spec["value"]), parameters=parameters) if "value" in spec else None,
                _CASTS[spec.get("type", "any")],
            )
            for name, spec in self.fields.items()
        ]

    def apply(self, record: Dict[str, Any], config: Optional[Config], stream_slice: Optional[StreamSlice]) -> None:
        computed: Dict[str, Any] = {}
        for name, paths, expression, cast in self._plan:
            if paths is not None:
                value: Any = next((found for found in (_dig(record, path) for path in paths) if found not in (None, "")), None)
            else:
                value = expression.eval(config or self.config, record=record, stream_slice=stream_slice) if expression else None
            computed[name] = None if value is None or value == "" else cast(value)
        record.clear()
        record.update(computed)


def _alternative_paths(copy: Sequence[Any]) -> List[List[str]]:
    """`copy: [a, b]` is one path; `copy: [[a, b], [a, c]]` lists alternatives, tried in order."""
    if copy and all(isinstance(path, (list, tuple)) for path in copy):
        return [list(path) for path in copy]
    return [list(copy)]


def _dig(record: Mapping[str, Any], path: Sequence[str]) -> Any:
    value: Any = record
    for key in path:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


_CASTS: Dict[str, Any] = {"string": str, "integer": int, "number": float, "url_key": canonical_url, "any": lambda value: value}


@dataclass
class AddLocalBucketDate(InPlaceTransformation):
    """Adds `bucket_date`, the bucket's calendar date in the configured timezone.

    Mentionlab reports a bucket as the UTC instant it starts (a Europe/Brussels day starts at
    23:00Z) but takes `startDate` as a local date; the manifest's Jinja cannot convert timezones.
    """

    config: Config
    parameters: InitVar[Mapping[str, Any]]

    def apply(self, record: Dict[str, Any], config: Optional[Config], stream_slice: Optional[StreamSlice]) -> None:
        zone = ZoneInfo((self.config.get("provider") or {}).get("timezone") or "UTC")
        start = datetime.fromisoformat(record["bucket"].replace("Z", "+00:00"))
        record["bucket_date"] = start.astimezone(zone).strftime("%Y-%m-%d")


@dataclass
class AddParsedDateTime(InPlaceTransformation):
    """Adds `field`: the first of the `sources` fields that holds an ISO 8601 date or date-time, as RFC 3339 UTC.

    Mentionlytics sends `pub_date` as `2019-01-24T00:00:00.000Z`, `YYYY-MM-DD HH:MM:SS`, `YYYY-MM-DD`
    or `YYYYMMDD` (then `pub_datetime` carries the time); a value without a zone is UTC, a date alone
    is midnight UTC. AddFields' Jinja cannot report a value it fails to parse: here such a value is a
    WARN naming it and the record's `id_field`, and `field` is null (the record is still emitted; the
    cursor skips it, and its state moves on the other records).
    """

    field: str
    sources: List[str]
    config: Config
    parameters: InitVar[Mapping[str, Any]]
    id_field: str = "id"
    output_format: str = "%Y-%m-%dT%H:%M:%SZ"

    def apply(self, record: Dict[str, Any], config: Optional[Config], stream_slice: Optional[StreamSlice]) -> None:
        record[self.field] = None
        present = {name: record[name] for name in self.sources if record.get(name) not in (None, "")}
        unreadable: Dict[str, Any] = {}
        for name, value in present.items():
            parsed = parse_date_or_date_time(value)
            if parsed is not None:
                record[self.field] = parsed.strftime(self.output_format)
                break
            unreadable[name] = value
        if record[self.field] is None:
            what = f"cannot read {unreadable} as a date" if unreadable else f"has no {' or '.join(self.sources)}"
            logger.warning(f"record {self.id_field}={record.get(self.id_field)!r} {what}: {self.field} is null, the record is kept and does not move the state")
        elif unreadable:
            logger.warning(f"record {self.id_field}={record.get(self.id_field)!r}: cannot read {unreadable} as a date; {self.field} comes from the next field")


def parse_date_or_date_time(value: Any) -> Optional[datetime]:
    """An ISO 8601 date or date-time (`T` or a space, basic or extended) as UTC; None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        parsed = pendulum.parse(value.strip(), tz="UTC", exact=True)
    except ValueError:  # pendulum's ParserError included
        return None
    if isinstance(parsed, datetime):
        return parsed.astimezone(pendulum.UTC)
    if isinstance(parsed, date):
        return datetime(parsed.year, parsed.month, parsed.day, tzinfo=pendulum.UTC)
    return None  # a time or a duration alone is no publication date
