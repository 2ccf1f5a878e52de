"""/forms: the account's double opt-in signup forms (FORM-1)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema

from api.auth import account_of, actor_of
from api.schemas import ERRORS
from consent import doi
from consent.models import SignupForm, Wording
from consent.selectors import form_of, forms_of
from contacts.selectors import list_of

router = Router(tags=["forms"])


class CustomFieldSpec(Schema):
    name: str = Field(max_length=50)
    label: str = Field("", max_length=100)
    required: bool = False


class FormIn(Schema):
    list_id: int
    name: str = Field("", max_length=200)
    consent_text: str = Field("", max_length=5000, description="empty: a standard text")
    ask_name: bool = True
    custom_fields: list[CustomFieldSpec] = []
    language: Literal["list", "browser"] = "list"


class FormOut(Schema):
    id: int
    list_id: int
    name: str
    public_id: str
    hosted_url: str
    ask_name: bool
    custom_fields: list[CustomFieldSpec]
    language: str
    consent_text: str
    consent_version: int
    created_at: datetime

    @staticmethod
    def resolve_hosted_url(obj: SignupForm) -> str:
        return settings.BASE_URL + reverse("subscriber:signup", args=[obj.public_id])

    @staticmethod
    def resolve_consent_text(obj: SignupForm) -> str:
        return _wording(obj).text

    @staticmethod
    def resolve_consent_version(obj: SignupForm) -> int:
        return _wording(obj).version


def _wording(form: SignupForm) -> Wording:
    # Both consent fields come from one lookup per form.
    cached: Wording | None = getattr(form, "_current_wording", None)
    if cached is None:
        cached = doi.current_wording(form)
        form._current_wording = cached  # type: ignore[attr-defined]
    return cached


class ConsentTextIn(Schema):
    text: str = Field(max_length=5000)


@router.get("/forms", response={200: list[FormOut], **ERRORS}, summary="List signup forms")
def list_forms(request: HttpRequest) -> QuerySet[SignupForm]:
    return forms_of(account_of(request))


@router.post("/forms", response={201: FormOut, **ERRORS}, summary="Create a signup form")
def create_form(request: HttpRequest, payload: FormIn) -> tuple[int, SignupForm]:
    form = doi.create_form(
        list_of(account_of(request), payload.list_id),
        actor=actor_of(request),
        name=payload.name,
        consent_text=payload.consent_text,
        ask_name=payload.ask_name,
        custom_fields=[f.dict() for f in payload.custom_fields],
        language=payload.language,
    )
    return 201, form


@router.get("/forms/{form_id}", response={200: FormOut, **ERRORS}, summary="A signup form")
def get_form(request: HttpRequest, form_id: int) -> SignupForm:
    return form_of(account_of(request), form_id)


@router.post(
    "/forms/{form_id}/consent-text",
    response={200: FormOut, **ERRORS},
    summary="Publish a new version of the consent text",
)
def set_consent_text(request: HttpRequest, form_id: int, payload: ConsentTextIn) -> SignupForm:
    form = form_of(account_of(request), form_id)
    doi.set_consent_text(form, payload.text, actor=actor_of(request))
    return form
