"""Segments: the list and a new one, and one segment's condition editor.

The editor needs no script: a condition is added in two steps, the field first (a GET
that shows that field's operators and value input), then its operator and value."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from contacts import segments
from contacts.models import Segment
from contacts.segment_rules import MAX_CONDITIONS, MAX_DAYS, MAX_TEXT, FieldSpec, Kind, describe
from contacts.selectors import lists_of
from core.errors import DomainError, NotFound
from web.access import get_account_for_user
from web.errors import add_domain_error, raise_for_http

PAGE_SIZE = 50
MATCH_CHOICES = [
    ("all", gettext_lazy("all conditions")),
    ("any", gettext_lazy("any condition")),
]


class SegmentForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    match = forms.ChoiceField(label=gettext_lazy("Contacts matching"), choices=MATCH_CHOICES)


def condition_form(spec: FieldSpec, account: Any, data: Any = None) -> forms.Form:
    """The operator and value inputs for one field, as the field's kind wants them."""
    form = forms.Form(data)
    if spec.keyed:
        form.fields["key"] = forms.CharField(label=gettext_lazy("Field name"), max_length=50)
    form.fields["op"] = forms.ChoiceField(
        label=gettext_lazy("Condition"), choices=[(op, label) for op, label in spec.ops.items()]
    )
    value: forms.Field
    if spec.kind == Kind.CHOICE:
        value = forms.ChoiceField(choices=list(spec.choices.items()))
    elif spec.kind == Kind.LIST:
        value = forms.ChoiceField(choices=[(lst.pk, lst.name) for lst in lists_of(account)])
    elif spec.kind == Kind.DATE:
        value = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    elif spec.kind == Kind.DAYS:
        value = forms.IntegerField(min_value=1, max_value=MAX_DAYS)
    else:
        value = forms.CharField(max_length=MAX_TEXT)
    value.label = gettext_lazy("Value")
    value.required = not spec.no_value
    if spec.no_value:
        value.help_text = gettext_lazy("Not needed for: %(ops)s") % {
            "ops": ", ".join(str(spec.ops[op]) for op in sorted(spec.no_value))
        }
    form.fields["value"] = value
    return form


def get_segment_for_user(request: HttpRequest, slug: str, segment_id: int) -> Segment:
    """The segment if the user works in its account; 404 for anyone else's (PRIVACY-2)."""
    account = get_account_for_user(request, slug)
    try:
        return segments.segment_of(account, segment_id)
    except NotFound:
        raise Http404("no such segment") from None


@require_http_methods(["GET", "POST"])
@login_required
def segment_list(request: HttpRequest, slug: str) -> HttpResponse:
    account = get_account_for_user(request, slug)
    form = SegmentForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            segment = segments.create_segment(
                account,
                name=form.cleaned_data["name"],
                definition={"match": form.cleaned_data["match"], "conditions": []},
            )
        except DomainError as exc:
            add_domain_error(form, exc, "name")
        else:
            messages.success(request, _("Segment created: now add its conditions."))
            return redirect("web:segment", account.slug, segment.pk)
    context = {
        "account": account,
        "section": "segments",
        "segments": segments.segments_of(account),
        "form": form,
    }
    return render(request, "web/segments/list.html", context, status=400 if form.is_bound else 200)


def _conditions(segment: Segment) -> list[str]:
    specs = segments.fields()
    names = dict(lists_of(segment.account).values_list("pk", "name"))
    return [
        describe(c, specs[c.field], names) for c in segments.stored_definition(segment).conditions
    ]


def _detail(
    request: HttpRequest,
    segment: Segment,
    *,
    adding: FieldSpec | None = None,
    condition: forms.Form | None = None,
    form: SegmentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    members = segments.members(segment).order_by("pk")
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "account": segment.account,
        "section": "segments",
        "segment": segment,
        "conditions": _conditions(segment),
        "match": segment.definition.get("match", "all"),
        "full": len(segment.definition.get("conditions", [])) >= MAX_CONDITIONS,
        "fields": [(spec.name, spec.label) for spec in segments.fields().values()],
        "adding": adding,
        "condition": condition
        if condition is not None or adding is None
        else condition_form(adding, segment.account),
        "form": form
        or SegmentForm(initial={"name": segment.name, "match": segment.definition.get("match")}),
        "page": page,
        "campaigns": segment.campaigns.order_by("-created_at")[:20],
    }
    return render(request, "web/segments/detail.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def segment_detail(request: HttpRequest, slug: str, segment_id: int) -> HttpResponse:
    """GET ?field=… starts adding a condition on that field; POST renames it."""
    segment = get_segment_for_user(request, slug, segment_id)
    if request.method == "POST":
        form = SegmentForm(request.POST)
        if form.is_valid():
            definition = dict(segment.definition, match=form.cleaned_data["match"])
            try:
                segments.update_segment(
                    segment, name=form.cleaned_data["name"], definition=definition
                )
            except DomainError as exc:
                add_domain_error(form, exc, "name")
            else:
                messages.success(request, _("Saved."))
                return redirect("web:segment", slug, segment_id)
        return _detail(request, segment, form=form, status=400)
    adding = segments.fields().get(request.GET.get("field", ""))
    return _detail(request, segment, adding=adding)


@require_POST
@login_required
def segment_condition_add(request: HttpRequest, slug: str, segment_id: int) -> HttpResponse:
    segment = get_segment_for_user(request, slug, segment_id)
    spec = segments.fields().get(request.POST.get("field", ""))
    if spec is None:
        raise Http404("no such field")
    form = condition_form(spec, segment.account, request.POST)
    if form.is_valid():
        condition = {"field": spec.name, **form.cleaned_data}
        value = condition.get("value")
        if isinstance(value, date):
            condition["value"] = value.isoformat()
        conditions = [*segment.definition.get("conditions", []), condition]
        try:
            segments.update_segment(
                segment, definition={**segment.definition, "conditions": conditions}
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Condition added."))
            return redirect("web:segment", slug, segment_id)
    return _detail(request, segment, adding=spec, condition=form, status=400)


@require_POST
@login_required
def segment_condition_remove(
    request: HttpRequest, slug: str, segment_id: int, index: int
) -> HttpResponse:
    segment = get_segment_for_user(request, slug, segment_id)
    conditions = list(segment.definition.get("conditions", []))
    if not 0 <= index < len(conditions):
        raise Http404("no such condition")
    del conditions[index]
    segments.update_segment(segment, definition={**segment.definition, "conditions": conditions})
    messages.success(request, _("Condition removed."))
    return redirect("web:segment", slug, segment_id)


@require_POST
@login_required
def segment_delete(request: HttpRequest, slug: str, segment_id: int) -> HttpResponse:
    segment = get_segment_for_user(request, slug, segment_id)
    try:
        segments.delete_segment(segment)
    except DomainError as exc:
        raise_for_http(exc)
        messages.error(request, _("A campaign targets this segment: change the campaign first."))
        return redirect("web:segment", slug, segment_id)
    messages.success(request, _("Segment deleted."))
    return redirect("web:segments", slug)
