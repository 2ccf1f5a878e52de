"""A segment's definition is checked before it is saved: each error names its part."""

from __future__ import annotations

import json

import pytest

from contacts.segment_rules import MAX_CONDITIONS, Condition, FieldSpec, Kind, parse_definition
from core.errors import InvalidInput

FIELDS = {
    "status": FieldSpec("status", "Status", Kind.CHOICE, {"is": "is"}, choices={"A": "active"}),
    "list": FieldSpec("list", "List", Kind.LIST, {"on": "is on"}),
    "custom": FieldSpec(
        "custom",
        "Custom field",
        Kind.TEXT,
        {"is": "is", "set": "is filled in"},
        keyed=True,
        no_value=frozenset({"set"}),
    ),
    "signup_date": FieldSpec("signup_date", "Signup date", Kind.DATE, {"before": "before"}),
    "last_delivery": FieldSpec("last_delivery", "Last delivery", Kind.DAYS, {"within": "w"}),
}


def test_a_valid_definition_is_kept_in_a_normal_form() -> None:
    definition = parse_definition(
        {
            "match": "any",
            "conditions": [
                {"field": "status", "op": "is", "value": "A"},
                {"field": "list", "op": "on", "value": "7"},
                {"field": "custom", "key": " city ", "op": "is", "value": "Köln"},
                {"field": "custom", "key": "vip", "op": "set"},
                {"field": "signup_date", "op": "before", "value": "2026-01-31"},
                {"field": "last_delivery", "op": "within", "value": "30"},
            ],
        },
        FIELDS,
    )
    assert definition.match == "any"
    assert definition.conditions[1] == Condition("list", "on", 7)
    assert definition.conditions[2] == Condition("custom", "is", "Köln", key="city")
    assert definition.conditions[3] == Condition("custom", "set", None, key="vip")
    assert definition.conditions[5].value == 30
    again = parse_definition(json.dumps(definition.as_json()), FIELDS)
    assert again == definition


def test_no_conditions_is_everyone() -> None:
    assert parse_definition({}, FIELDS).conditions == ()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "definition: an object"),
        ("{nope", "definition: not JSON"),
        ({"match": "some"}, "match:"),
        ({"conditions": {}}, "conditions: a list"),
        ({"extra": 1}, "unknown part 'extra'"),
        ({"conditions": ["x"]}, "condition 1: an object"),
        ({"conditions": [{"field": "age", "op": "is"}]}, "condition 1: field: unknown field"),
        ({"conditions": [{"field": "status", "op": "gt", "value": "A"}]}, "condition 1: op:"),
        ({"conditions": [{"field": "status", "op": "is", "value": "Z"}]}, "condition 1: value:"),
        ({"conditions": [{"field": "list", "op": "on", "value": "x"}]}, "value: a list id"),
        ({"conditions": [{"field": "list", "op": "on", "value": True}]}, "value: a list id"),
        ({"conditions": [{"field": "custom", "op": "is", "value": "x"}]}, "condition 1: key:"),
        (
            {"conditions": [{"field": "custom", "key": "k", "op": "is", "value": "x" * 201}]},
            "value: a text of up to 200",
        ),
        (
            {"conditions": [{"field": "signup_date", "op": "before", "value": "31.1.2026"}]},
            "value: a date",
        ),
        (
            {"conditions": [{"field": "last_delivery", "op": "within", "value": 0}]},
            "value: a number of days",
        ),
        ({"conditions": [{"field": "status", "op": "is", "value": "A"}] * 21}, "at most 20"),
        ({"conditions": [], "match": "all", "pad": "x" * 9000}, "at most 8000 bytes"),
    ],
)
def test_bad_definitions_are_refused_naming_the_part(data: object, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_definition(data, FIELDS)
    assert message in caught.value.message


def test_the_condition_limit_is_twenty() -> None:
    assert MAX_CONDITIONS == 20
    ok = {"conditions": [{"field": "status", "op": "is", "value": "A"}] * 20}
    assert len(parse_definition(ok, FIELDS).conditions) == 20
