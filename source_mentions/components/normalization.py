"""Records in the types their stream's schema declares, whatever JSON type the API sent.

APIs drift: Mention's reference shows a tag's `id` and `mention_count` as integers where live answers
carry strings; a number can come as text (`"tone": "1"`). Destinations type columns from the schema,
so a value of another type is rejected or cast differently by each one. The CDK's TypeTransformer
(`schema_normalization: Default`) walks the whole schema with a validator for every record: about
650 microseconds per mention, more than the rest of a sync's work. SchemaTypes is compiled once per
stream schema and looks only at the fields a record carries; a value it cannot convert is kept as
sent and counted (KeptAsSent), reported in one WARN per stream at the end of the sync. Two more
rules make every column of one type in a strict warehouse: an object or array where a string is
declared becomes its JSON text, and an empty array where only an object is declared (PHP's JSON
for an empty map) becomes {}.
"""

from __future__ import annotations

import json
import math
import re
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, MutableMapping, Optional, Tuple

_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")
_NOT_CONVERTED = object()
_BOOLEANS = {"true": True, "false": False, "1": True, "0": False}


def _to_string(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (dict, list)):  # an expanded object where an id is declared: kept whole, as JSON text
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return _NOT_CONVERTED


def _to_integer(value: Any) -> Any:
    if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value.strip()):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return _NOT_CONVERTED


def _to_number(value: Any) -> Any:
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return _NOT_CONVERTED
        return number if math.isfinite(number) else _NOT_CONVERTED
    return _NOT_CONVERTED


def _to_boolean(value: Any) -> Any:
    if isinstance(value, str):
        return _BOOLEANS.get(value.strip().lower(), _NOT_CONVERTED)
    if isinstance(value, int) and not isinstance(value, bool) and value in (0, 1):
        return bool(value)
    return _NOT_CONVERTED


# declared type -> (the Python types that already are it, the conversion of any other)
_SCALARS: Dict[str, Tuple[Tuple[type, ...], Callable[[Any], Any]]] = {
    "string": ((str,), _to_string),
    "integer": ((int,), _to_integer),
    "number": ((int, float), _to_number),
    "boolean": ((bool,), _to_boolean),
}


@dataclass
class _Field:
    """What one schema node asks of a value: a scalar type, the fields of an object, or the items of an array."""

    accepts: Tuple[type, ...] = ()
    convert: Optional[Callable[[Any], Any]] = None
    empty_is_null: bool = False  # "" for a nullable number or boolean: the API left the value out
    empty_list_is_object: bool = False  # [] where only an object is declared: PHP's JSON for an empty map
    properties: Dict[str, "_Field"] = field(default_factory=dict)
    items: Optional["_Field"] = None
    path: str = ""  # where in the record, as KeptAsSent names it (`a.b`, `a[]`): set once at compile time, not per record

    @property
    def useful(self) -> bool:
        return self.convert is not None or bool(self.properties) or self.items is not None or self.empty_list_is_object


def _compile(node: Mapping[str, Any], path: Optional[str] = None) -> _Field:  # path None: the record itself
    declared = node.get("type")
    types = [declared] if isinstance(declared, str) else list(declared or [])
    kinds = [kind for kind in types if kind != "null"]
    compiled = _Field(path=path or "")
    if len(kinds) == 1 and kinds[0] in _SCALARS:  # one type besides null: ["null", "string", "integer"] stays as sent
        compiled.accepts, compiled.convert = _SCALARS[kinds[0]]  # exact types: a bool is no integer to JSON schema
        compiled.empty_is_null = "null" in types and kinds[0] != "string"
    if "object" in kinds:
        compiled.empty_list_is_object = "array" not in kinds
        for name, child in (node.get("properties") or {}).items():
            child_path = name if path is None else f"{path}.{name}"
            sub = _compile(child, child_path) if isinstance(child, Mapping) else _Field(path=child_path)
            if sub.useful:
                compiled.properties[name] = sub
    if "array" in kinds and isinstance(node.get("items"), Mapping):
        items = _compile(node["items"], f"{path or ''}[]")
        compiled.items = items if items.useful else None
    return compiled


class KeptAsSent:
    """Values of another type than declared that could not be converted, per stream and field, with one example each."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Dict[str, Dict[str, List[Any]]] = {}

    def add(self, stream: str, path: str, value: Any) -> None:
        shown = value if len(repr(value)) <= 200 else f"{repr(value)[:200]}..."  # an object in a string field stays readable
        with self._lock:
            entry = self._counts.setdefault(stream, {}).setdefault(path, [0, shown])
            entry[0] += 1

    def summary(self) -> List[str]:
        """One line per stream that kept values as sent."""
        with self._lock:
            counts = {stream: {path: tuple(entry) for path, entry in paths.items()} for stream, paths in self._counts.items()}
        return [
            f"{stream}: {sum(count for count, _ in paths.values()):,} value(s) kept as sent, not of the type the schema declares ("
            + "; ".join(f"{path}: {count:,}, e.g. {example!r}" for path, (count, example) in sorted(paths.items()))
            + ")"
            for stream, paths in sorted(counts.items())
        ]


class SchemaTypes:
    """One stream schema, compiled to convert the values of a record that are not of their declared type (in place)."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self._root = _compile(schema)

    def normalize(self, record: MutableMapping[str, Any], stream: str, kept: KeptAsSent) -> None:
        _normalize_object(record, self._root.properties, stream, kept)


# Paths are the fields' own (_Field.path), built once: no path string is made per record.
def _normalize_object(data: MutableMapping[str, Any], properties: Dict[str, _Field], stream: str, kept: KeptAsSent) -> None:
    for name, value in data.items():
        spec = properties.get(name)
        if spec is None or value is None:
            continue
        if spec.convert is not None:
            if type(value) not in spec.accepts:  # the common case ends here: a value of its declared type
                data[name] = _converted(value, spec, stream, kept)
        elif type(value) is dict:
            if spec.properties:
                _normalize_object(value, spec.properties, stream, kept)
        elif type(value) is list:
            if not value:  # nothing to convert in an empty list; where only an object is declared, it is one
                if spec.empty_list_is_object:
                    data[name] = {}
                continue
            items = spec.items
            if items is None:
                continue
            if items.convert is not None:  # a list of scalars, checked here: most lists hold nothing else
                accepts = items.accepts
                for index, item in enumerate(value):
                    if item is not None and type(item) not in accepts:
                        value[index] = _converted(item, items, stream, kept)
            else:
                _normalize_items(value, items, stream, kept)


def _normalize_items(items: List[Any], spec: _Field, stream: str, kept: KeptAsSent) -> None:
    for index, item in enumerate(items):
        if item is None:
            continue
        if spec.convert is not None:
            if type(item) not in spec.accepts:
                items[index] = _converted(item, spec, stream, kept)
        elif spec.properties:
            if type(item) is dict:
                _normalize_object(item, spec.properties, stream, kept)
        elif spec.items is not None and type(item) is list:
            _normalize_items(item, spec.items, stream, kept)


def _converted(value: Any, spec: _Field, stream: str, kept: KeptAsSent) -> Any:
    """The value in the declared type, or as sent (counted under the field's path) when it cannot be converted."""
    assert spec.convert is not None
    if value == "" and spec.empty_is_null:
        return None
    converted = spec.convert(value)
    if converted is _NOT_CONVERTED:
        kept.add(stream, spec.path, value)
        return value
    return converted
