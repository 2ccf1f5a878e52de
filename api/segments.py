"""/segments: saved conditions over the account's contacts, which a campaign may target."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from api.auth import account_of
from api.schemas import ERRORS
from contacts import segments
from contacts.models import Segment
from contacts.segment_rules import MAX_CONDITIONS, MAX_DAYS, MAX_TEXT, describe

router = Router(tags=["segments"])


class ConditionIn(Schema):
    field: str = Field(
        max_length=50,
        description="status, list, custom, signup_date, signup_days, signup_source, "
        "legal_basis, last_delivery (GET /segments/fields lists them with their operators)",
    )
    op: str = Field(max_length=30, description="an operator of the field")
    key: str | None = Field(None, max_length=50, description="custom: the field's name")
    value: str | int | None = Field(
        None,
        description=f"a choice, a list id, a text (up to {MAX_TEXT} characters), a date "
        f"(YYYY-MM-DD) or a number of days (1 to {MAX_DAYS}), as the field takes",
    )


class DefinitionIn(Schema):
    match: Literal["all", "any"] = "all"
    conditions: list[ConditionIn] = Field(default_factory=list, max_length=MAX_CONDITIONS)


class SegmentIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    definition: DefinitionIn = Field(default_factory=DefinitionIn)


class SegmentPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    definition: DefinitionIn | None = None


class SegmentOut(Schema):
    id: int
    name: str
    definition: dict[str, Any]
    summary: list[str] = Field(description="each condition in words")
    created_at: datetime
    updated_at: datetime


class SegmentDetailOut(SegmentOut):
    contacts: int = Field(description="contacts the conditions match now, of any status")


class FieldOut(Schema):
    name: str
    label: str
    kind: str = Field(description="choice, list, text, date or days")
    ops: dict[str, str]
    no_value_ops: list[str]
    choices: dict[str, str]
    keyed: bool = Field(description="the condition also names a custom field (key)")


class DeletedOut(Schema):
    deleted: int


def summary(segment: Segment) -> list[str]:
    specs = segments.fields()
    definition = segments.stored_definition(segment)
    names = dict(segment.account.lists.values_list("pk", "name"))
    return [describe(c, specs[c.field], names) for c in definition.conditions]


def segment_out(segment: Segment, *, detail: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": segment.pk,
        "name": segment.name,
        "definition": segment.definition,
        "summary": summary(segment),
        "created_at": segment.created_at,
        "updated_at": segment.updated_at,
    }
    if detail:
        out["contacts"] = segments.members(segment).count()
    return out


def _definition(payload: DefinitionIn) -> dict[str, Any]:
    data = payload.dict()
    for condition in data["conditions"]:
        if condition["key"] is None:
            del condition["key"]
    return data


@router.get("/segments", response={200: list[SegmentOut], **ERRORS}, summary="List segments")
def list_segments(request: HttpRequest) -> list[dict[str, Any]]:
    found = segments.segments_of(account_of(request)).select_related("account")
    return [segment_out(s) for s in found]


@router.get(
    "/segments/fields", response={200: list[FieldOut], **ERRORS}, summary="Condition fields"
)
def list_fields(request: HttpRequest) -> list[dict[str, Any]]:
    """What a condition may name, with its operators and, for a choice, its values."""
    account_of(request)
    return [
        {
            "name": spec.name,
            "label": str(spec.label),
            "kind": spec.kind,
            "ops": {op: str(label) for op, label in spec.ops.items()},
            "no_value_ops": sorted(spec.no_value),
            "choices": {value: str(label) for value, label in spec.choices.items()},
            "keyed": spec.keyed,
        }
        for spec in segments.fields().values()
    ]


@router.post("/segments", response={201: SegmentDetailOut, **ERRORS}, summary="Create a segment")
def create_segment(request: HttpRequest, payload: SegmentIn) -> tuple[int, dict[str, Any]]:
    segment = segments.create_segment(
        account_of(request), name=payload.name, definition=_definition(payload.definition)
    )
    return 201, segment_out(segment, detail=True)


@router.get(
    "/segments/{segment_id}", response={200: SegmentDetailOut, **ERRORS}, summary="A segment"
)
def get_segment(request: HttpRequest, segment_id: int) -> dict[str, Any]:
    return segment_out(segments.segment_of(account_of(request), segment_id), detail=True)


@router.patch(
    "/segments/{segment_id}",
    response={200: SegmentDetailOut, **ERRORS},
    summary="Rename a segment or change its conditions",
)
def update_segment(request: HttpRequest, segment_id: int, payload: SegmentPatch) -> dict[str, Any]:
    segment = segments.update_segment(
        segments.segment_of(account_of(request), segment_id),
        name=payload.name,
        definition=_definition(payload.definition) if payload.definition is not None else None,
    )
    return segment_out(segment, detail=True)


@router.delete(
    "/segments/{segment_id}", response={200: DeletedOut, **ERRORS}, summary="Delete a segment"
)
def delete_segment(request: HttpRequest, segment_id: int) -> dict[str, int]:
    """409 `refused` while a campaign targets the segment."""
    segments.delete_segment(segments.segment_of(account_of(request), segment_id))
    return {"deleted": segment_id}
