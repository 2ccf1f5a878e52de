"""A segment's definition: saved conditions over contacts, checked here. Pure: no Django
models, no I/O; contacts.segments turns a checked definition into SQL.

A definition is JSON: {"match": "all" | "any", "conditions": [condition, ...]}; a
condition is {"field": name, "op": operator, "value": ...} and, for a custom field, its
"key". Which fields there are is a registry: contacts.segments registers the contact's
own, other apps add theirs (delivery: the last delivery) through `register_field`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from core.errors import InvalidInput

MAX_CONDITIONS = 20
# The JSON of a whole definition, in bytes.
MAX_DEFINITION_BYTES = 8_000
MAX_TEXT = 200
MAX_DAYS = 3650
MATCHES = ("all", "any")
# A label for people: a str, or a lazily translated one (anything str() gives text of).
Label = Any


class Kind:
    """What a condition's value is."""

    CHOICE = "choice"  # one of the field's choices
    LIST = "list"  # the id of one of the account's lists
    TEXT = "text"  # a string of up to MAX_TEXT characters ("" for is set / is not set)
    DATE = "date"  # an ISO date
    DAYS = "days"  # a number of days, 1..MAX_DAYS


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: Label
    kind: str
    # operator -> label, in the order the editor offers them.
    ops: Mapping[str, Label]
    # value -> label, for Kind.CHOICE.
    choices: Mapping[str, Label] = field(default_factory=dict)
    # A custom field: the condition also names the field's key.
    keyed: bool = False
    # Operators that take no value (is set, never).
    no_value: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any = None
    key: str = ""

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"field": self.field, "op": self.op, "value": self.value}
        if self.key:
            data["key"] = self.key
        return data


@dataclass(frozen=True)
class Definition:
    match: str
    conditions: tuple[Condition, ...]

    def as_json(self) -> dict[str, Any]:
        return {"match": self.match, "conditions": [c.as_json() for c in self.conditions]}


def parse_definition(data: Any, fields: Mapping[str, FieldSpec]) -> Definition:
    """The checked definition, or InvalidInput naming the condition and its part."""
    if isinstance(data, str):
        if len(data.encode()) > MAX_DEFINITION_BYTES:
            raise InvalidInput(f"definition: at most {MAX_DEFINITION_BYTES} bytes")
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise InvalidInput(f"definition: not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise InvalidInput('definition: an object with "match" and "conditions"')
    if len(json.dumps(data).encode()) > MAX_DEFINITION_BYTES:
        raise InvalidInput(f"definition: at most {MAX_DEFINITION_BYTES} bytes")
    unknown = set(data) - {"match", "conditions"}
    if unknown:
        raise InvalidInput(f"definition: unknown part {sorted(unknown)[0]!r}")
    match = data.get("match", "all")
    if match not in MATCHES:
        raise InvalidInput('match: "all" or "any"')
    raw = data.get("conditions", [])
    if not isinstance(raw, list):
        raise InvalidInput("conditions: a list")
    if len(raw) > MAX_CONDITIONS:
        raise InvalidInput(f"conditions: at most {MAX_CONDITIONS}")
    return Definition(
        match=match,
        conditions=tuple(
            parse_condition(item, fields, f"condition {n}") for n, item in enumerate(raw, 1)
        ),
    )


def parse_condition(item: Any, fields: Mapping[str, FieldSpec], where: str) -> Condition:
    if not isinstance(item, dict):
        raise InvalidInput(f'{where}: an object with "field", "op" and "value"')
    unknown = set(item) - {"field", "op", "value", "key"}
    if unknown:
        raise InvalidInput(f"{where}: unknown part {sorted(unknown)[0]!r}")
    spec = fields.get(str(item.get("field", "")))
    if spec is None:
        known = ", ".join(sorted(fields))
        raise InvalidInput(f"{where}: field: unknown field {item.get('field')!r} (one of {known})")
    op = item.get("op")
    if not isinstance(op, str) or op not in spec.ops:
        raise InvalidInput(f"{where}: op: {spec.label} takes one of {', '.join(spec.ops)}")
    key = ""
    if spec.keyed:
        raw_key = item.get("key")
        if not isinstance(raw_key, str) or not raw_key.strip() or len(raw_key) > 50:
            raise InvalidInput(f"{where}: key: the custom field's name (up to 50 characters)")
        key = raw_key.strip()
    if op in spec.no_value:
        return Condition(spec.name, op, None, key)
    return Condition(spec.name, op, _value(spec, item.get("value"), f"{where}: value"), key)


def _value(spec: FieldSpec, value: Any, where: str) -> Any:
    if spec.kind == Kind.CHOICE:
        if value not in spec.choices:
            raise InvalidInput(f"{where}: one of {', '.join(spec.choices)}")
        return value
    if spec.kind == Kind.LIST:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise InvalidInput(f"{where}: a list id")
        try:
            number = int(value)
        except ValueError:
            raise InvalidInput(f"{where}: a list id") from None
        if number <= 0:
            raise InvalidInput(f"{where}: a list id")
        return number
    if spec.kind == Kind.TEXT:
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            raise InvalidInput(f"{where}: a text of up to {MAX_TEXT} characters")
        return value
    if spec.kind == Kind.DATE:
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise InvalidInput(f"{where}: a date (YYYY-MM-DD)") from None
    if spec.kind == Kind.DAYS:
        if isinstance(value, bool):
            raise InvalidInput(f"{where}: a number of days from 1 to {MAX_DAYS}")
        try:
            days = int(value)
        except (TypeError, ValueError):
            raise InvalidInput(f"{where}: a number of days from 1 to {MAX_DAYS}") from None
        if not 1 <= days <= MAX_DAYS:
            raise InvalidInput(f"{where}: a number of days from 1 to {MAX_DAYS}")
        return days
    raise InvalidInput(f"{where}: unknown kind of value")  # pragma: no cover - a wrong spec


def describe(condition: Condition, spec: FieldSpec, list_names: Mapping[int, str]) -> str:
    """One line for people: "Status is Active", "Custom field city is Berlin"."""
    subject = f"{spec.label} {condition.key}" if spec.keyed else spec.label
    op = spec.ops[condition.op]
    if condition.op in spec.no_value:
        return f"{subject} {op}"
    value = condition.value
    if spec.kind == Kind.CHOICE:
        value = spec.choices[value]
    elif spec.kind == Kind.LIST:
        value = list_names.get(value, f"#{value}")
    return f"{subject} {op} {value}"
