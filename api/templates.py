"""/templates: an account's saved layouts (HTML with one content area and a text version),
the starter set, and /account/time-zone, the zone in which send times are given."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema

from accounts import services as accounts
from api.auth import account_of, actor_of
from api.schemas import ERRORS
from campaigns import layouts
from campaigns.models import Template

router = Router(tags=["templates"])


class TemplateOut(Schema):
    id: int
    name: str
    html: str
    text: str
    created_at: datetime
    updated_at: datetime


class TemplateIn(Schema):
    name: str = Field(max_length=200)
    html: str = Field(
        "",
        description="Jinja2 with exactly one content area {{ content }}, and "
        "{{ unsubscribe_url }} and {{ imprint }}; empty with a starter",
    )
    text: str = Field("", description="empty: made from the HTML")
    starter: str = Field(
        "", max_length=40, description="letter, newsletter or announcement: a copy of it"
    )


class StarterOut(Schema):
    name: str
    html: str
    text: str


class TimeZoneIO(Schema):
    time_zone: str = Field(max_length=64, description="an IANA name, e.g. Europe/Berlin")


def template_out(template: Template) -> TemplateOut:
    return TemplateOut(
        id=template.pk,
        name=template.name,
        html=template.html,
        text=template.text,
        created_at=template.created_at,
        updated_at=template.updated_at,
    )


@router.get("/templates", response={200: list[TemplateOut], **ERRORS}, summary="List templates")
def list_templates(request: HttpRequest) -> list[TemplateOut]:
    return [template_out(t) for t in layouts.templates_of(account_of(request))]


@router.get(
    "/templates/starters",
    response={200: list[StarterOut], **ERRORS},
    summary="The platform's starter layouts",
)
def list_starters(request: HttpRequest) -> list[StarterOut]:
    account_of(request)
    return [
        StarterOut(name=n, html=layouts.starter(n)[0], text=layouts.starter(n)[1])
        for n in layouts.STARTERS
    ]


@router.post("/templates", response={201: TemplateOut, **ERRORS}, summary="Save a template")
def create_template(request: HttpRequest, payload: TemplateIn) -> tuple[int, TemplateOut]:
    """422 names the line of a syntax or render-time error; 409 for a name in use."""
    template = layouts.create_template(
        account_of(request),
        actor=actor_of(request),
        name=payload.name,
        html=payload.html,
        text=payload.text,
        starter_name=payload.starter,
    )
    return 201, template_out(template)


@router.get("/templates/{template_id}", response={200: TemplateOut, **ERRORS}, summary="A template")
def get_template(request: HttpRequest, template_id: int) -> TemplateOut:
    return template_out(layouts.template_of(account_of(request), template_id))


@router.put(
    "/templates/{template_id}", response={200: TemplateOut, **ERRORS}, summary="Change a template"
)
def update_template(request: HttpRequest, template_id: int, payload: TemplateIn) -> TemplateOut:
    """Campaigns made from it keep what they copied."""
    template = layouts.update_template(
        layouts.template_of(account_of(request), template_id),
        actor=actor_of(request),
        name=payload.name,
        html=payload.html,
        text=payload.text,
    )
    return template_out(template)


@router.delete(
    "/templates/{template_id}", response={204: None, **ERRORS}, summary="Delete a template"
)
def delete_template(request: HttpRequest, template_id: int) -> tuple[int, None]:
    layouts.delete_template(
        layouts.template_of(account_of(request), template_id), actor=actor_of(request)
    )
    return 204, None


@router.get(
    "/account/time-zone", response={200: TimeZoneIO, **ERRORS}, summary="The account's time zone"
)
def get_time_zone(request: HttpRequest) -> TimeZoneIO:
    return TimeZoneIO(time_zone=account_of(request).time_zone)


@router.put(
    "/account/time-zone",
    response={200: TimeZoneIO, **ERRORS},
    summary="Set the zone in which send times are given",
)
def set_time_zone(request: HttpRequest, payload: TimeZoneIO) -> TimeZoneIO:
    """422 for a name that is no IANA time zone."""
    account = accounts.set_time_zone(account_of(request), payload.time_zone)
    return TimeZoneIO(time_zone=account.time_zone)
