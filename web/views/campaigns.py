"""Campaigns: the list and a new draft, one campaign (edit, sanitised preview, gate, send with
the guideline checkbox, test send, pause/resume/cancel) and its live counts (htmx polling)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services as accounts
from accounts.models import Account
from campaigns import guidelines as platform_guidelines
from campaigns import layouts, selectors, services
from campaigns.models import Campaign
from campaigns.render import sanitised
from campaigns.rules import CampaignKind, CampaignState
from contacts.models import Contact, List, Segment
from contacts.segments import segments_of
from contacts.selectors import contact_by_address, lists_of
from core.actors import Actor
from core.errors import DomainError
from delivery import audience, sends
from delivery.selectors import progress
from feedback.selectors import campaign_feedback
from governance.selectors import violations_of
from tracking.selectors import campaign_engagement
from web.access import MANAGERS, get_account_for_user
from web.errors import add_domain_error, raise_for_http
from web.views.sandbox import framed, frames_mail
from web.views.schedules import get_campaign_for_user, schedule_context


class CampaignForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=300)
    from_name = forms.CharField(label=gettext_lazy("From name"), max_length=100)
    from_address = forms.CharField(
        label=gettext_lazy("From address"),
        max_length=254,
        help_text=gettext_lazy("On a verified sender domain of this account."),
    )
    reply_to = forms.CharField(label=gettext_lazy("Reply-To"), max_length=254, required=False)
    lists = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Target lists"), queryset=List.objects.none(), required=False
    )
    segment = forms.ModelChoiceField(
        label=gettext_lazy("Segment"),
        queryset=Segment.objects.none(),
        required=False,
        empty_label=gettext_lazy("Everyone on the target lists"),
        help_text=gettext_lazy("Only the target lists' contacts that match the segment."),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Type"),
        choices=[
            (CampaignKind.REGULAR, gettext_lazy("regular")),
            (CampaignKind.SIMILAR_PRODUCTS, gettext_lazy("similar products (existing customers)")),
        ],
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language of the imprint"),
        choices=[("de", "Deutsch"), ("en", "English"), ("fr", "Français")],
    )
    tracking = forms.BooleanField(label=gettext_lazy("Tracking"), required=False)
    html = forms.CharField(
        label=gettext_lazy("HTML body"),
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}),
        help_text=gettext_lazy(
            "Jinja2: {{ first_name }}, {{ last_name }}, {{ email }}, {{ fields.x }}; "
            "{{ unsubscribe_url }} and {{ imprint }} are required."
        ),
    )
    text = forms.CharField(
        label=gettext_lazy("Text body"),
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        required=False,
        help_text=gettext_lazy("Empty: made from the HTML."),
    )

    def __init__(self, account: Account, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lists_field = self.fields["lists"]
        assert isinstance(lists_field, forms.ModelMultipleChoiceField)
        lists_field.queryset = lists_of(account)
        segment_field = self.fields["segment"]
        assert isinstance(segment_field, forms.ModelChoiceField)
        segment_field.queryset = segments_of(account)


class NewCampaignForm(CampaignForm):
    """A new draft: from a layout (a starter or a saved template) with its content area
    written here, or from HTML of its own."""

    template = forms.ChoiceField(label=gettext_lazy("Template"), required=False)
    content = forms.CharField(
        label=gettext_lazy("Content"),
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "true"}),
        required=False,
        help_text=gettext_lazy("HTML that goes into the template's content area."),
    )
    field_order = ["name", "subject", "from_name", "from_address", "reply_to", "lists",
                   "template", "content", "html", "text"]  # fmt: skip

    def __init__(self, account: Account, *args: Any, **kwargs: Any) -> None:
        super().__init__(account, *args, **kwargs)
        self.fields["html"].required = False
        self.fields["html"].help_text = gettext_lazy(
            "Without a template: the whole HTML. Jinja2: {{ first_name }}, {{ last_name }}, "
            "{{ email }}, {{ fields.x }}; {{ unsubscribe_url }} and {{ imprint }} are required."
        )
        template_field = self.fields["template"]
        assert isinstance(template_field, forms.ChoiceField)
        template_field.choices = template_choices(account)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("template") and not (data.get("html") or "").strip():
            self.add_error("html", _("Choose a template or write the HTML body."))
        return data


def template_choices(account: Account) -> list[tuple[Any, Any]]:
    starters = [(name, STARTER_LABELS[name]) for name in layouts.STARTERS]
    saved = [(str(t.pk), t.name) for t in layouts.templates_of(account)]
    choices: list[tuple[Any, Any]] = [("", gettext_lazy("None: my own HTML"))]
    choices.append((gettext_lazy("Starters"), starters))
    if saved:
        choices.append((gettext_lazy("Saved templates"), saved))
    return choices


# Offered in the time zone field; any IANA name is accepted.
COMMON_ZONES = (
    "UTC", "Europe/Berlin", "Europe/Vienna", "Europe/Zurich", "Europe/Paris",
    "Europe/Brussels", "Europe/Luxembourg", "Europe/Amsterdam", "Europe/London",
    "Europe/Madrid", "Europe/Rome", "America/New_York", "America/Montreal",
)  # fmt: skip

STARTER_LABELS = {
    "letter": gettext_lazy("Letter"),
    "newsletter": gettext_lazy("Newsletter"),
    "announcement": gettext_lazy("Announcement"),
}


class ImprintForm(forms.Form):
    imprint_name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    imprint_address = forms.CharField(
        label=gettext_lazy("Postal address"), widget=forms.Textarea(attrs={"rows": 3})
    )
    imprint_contact = forms.CharField(label=gettext_lazy("Contact"), max_length=300)
    imprint_register = forms.CharField(
        label=gettext_lazy("Register entry"), max_length=300, required=False
    )
    imprint_vat_id = forms.CharField(label=gettext_lazy("VAT ID"), max_length=50, required=False)
    imprint_representative = forms.CharField(
        label=gettext_lazy("Represented by"), max_length=300, required=False
    )


def _values(form: CampaignForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    data.pop("lists")
    return data  # with the segment: create_campaign and update_campaign take it


def _new_values(account: Account, form: NewCampaignForm) -> dict[str, Any]:
    data = _values(form)
    template, content = data.pop("template"), data.pop("content")
    if template:
        data.update(layouts.compose(layouts.layout_of(account, template), content))
    return data


@require_http_methods(["GET", "POST"])
@login_required
def campaigns(request: HttpRequest, slug: str) -> HttpResponse:
    account = get_account_for_user(request, slug)
    form = NewCampaignForm(account, request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            campaign = services.create_campaign(
                account,
                actor=Actor.for_user(request.user, request),
                lists=list(form.cleaned_data["lists"]),
                **_new_values(account, form),
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Draft saved."))
            return redirect("web:campaign", account.slug, campaign.pk)
    context = {
        "account": account,
        "section": "campaigns",
        "campaigns": selectors.campaigns_of(account),
        "held_schedules": selectors.held_schedules(account),
        "form": form,
    }
    return render(request, "web/campaigns/list.html", context, status=400 if form.is_bound else 200)


def _preview_contact(request: HttpRequest, campaign: Campaign) -> Contact | None:
    """The contact whose data the preview shows (?contact=address), if the account has it."""
    wanted = request.GET.get("contact", "")[:254].strip()
    if not wanted:
        return None
    found = contact_by_address(campaign.account, wanted)
    if found is None:
        messages.warning(request, _("No contact with this address: the preview shows sample data."))
    return found


def _detail_context(request: HttpRequest, campaign: Campaign, form: CampaignForm) -> dict[str, Any]:
    preview = ""
    contact = _preview_contact(request, campaign)
    try:
        rendered = selectors.preview(campaign, contact)
        # Only ever inside a sandboxed frame: the mail's own styles (a position:fixed
        # overlay, say) cannot reach the account's page around it.
        preview = framed(sanitised(rendered.html))
    except Exception as exc:  # a template that fails at render time: show why
        preview = ""
        messages.warning(request, _("The preview failed: %(error)s") % {"error": exc})
    return {
        "preview_contact": contact,
        "schedule": schedule_context(campaign),
        "account": campaign.account,
        "section": "campaigns",
        "campaign": campaign,
        "form": form,
        "preview": preview,
        "refusals": selectors.gate_result(campaign, guidelines_ticked=True),
        "guidelines": services.guidelines_wording(request.LANGUAGE_CODE),
        # ACCOUNT-4: before a list's first send, or after a change, the full guidelines.
        "platform_guidelines": (
            platform_guidelines.wording(request.LANGUAGE_CODE)
            if campaign.state == CampaignState.DRAFT
            and platform_guidelines.due_before_send(campaign, request.user.pk)
            else None
        ),
        "progress": progress(campaign),
        "feedback": None if campaign.state == "draft" else campaign_feedback(campaign),
        "engagement": None if campaign.state == "draft" else campaign_engagement(campaign),
        "violations": violations_of(campaign),
        "draft": campaign.state == CampaignState.DRAFT,
        "audience": audience.breakdown(campaign) if campaign.state == CampaignState.DRAFT else None,
    }


@require_http_methods(["GET", "POST"])
@login_required
@frames_mail
def campaign_detail(request: HttpRequest, slug: str, campaign_id: int) -> HttpResponse:
    campaign = get_campaign_for_user(request, slug, campaign_id)
    initial = {name: getattr(campaign, name) for name in services.EDITABLE}
    initial["lists"] = list(campaign.lists.all())
    initial["segment"] = campaign.segment
    form = CampaignForm(
        campaign.account, request.POST if request.method == "POST" else None, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_campaign(
                campaign,
                actor=Actor.for_user(request.user, request),
                lists=list(form.cleaned_data["lists"]),
                **_values(form),
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("web:campaign", slug, campaign_id)
    status = 400 if form.is_bound else 200
    return render(
        request,
        "web/campaigns/detail.html",
        _detail_context(request, campaign, form),
        status=status,
    )


@require_http_methods(["GET"])
@login_required
def campaign_progress(request: HttpRequest, slug: str, campaign_id: int) -> HttpResponse:
    """The live counts, polled by htmx while the send runs."""
    campaign = get_campaign_for_user(request, slug, campaign_id)
    context: dict[str, Any] = {"account": campaign.account, "campaign": campaign}
    context["progress"] = progress(campaign)
    return render(request, "web/campaigns/_progress.html", context)


@require_POST
@login_required
def campaign_send(request: HttpRequest, slug: str, campaign_id: int) -> HttpResponse:
    """SEND-1/2: the checkbox ticks for this send only; every refusal is listed."""
    campaign = get_campaign_for_user(request, slug, campaign_id)
    try:
        recipients = sends.start_send(
            campaign,
            actor=Actor.for_user(request.user, request),
            guidelines_confirmed=request.POST.get("confirm_guidelines") == "on",
            language=request.LANGUAGE_CODE,
        )
    except DomainError as exc:
        raise_for_http(exc)
        messages.error(request, "; ".join([exc.message, *exc.details]))
    else:
        messages.success(request, _("Sending to %(n)d recipients.") % {"n": recipients})
    return redirect("web:campaign", slug, campaign_id)


@require_POST
@login_required
def campaign_test(request: HttpRequest, slug: str, campaign_id: int) -> HttpResponse:
    campaign = get_campaign_for_user(request, slug, campaign_id)
    # Bounded before it is split: a test send names a handful of addresses.
    addresses = request.POST.get("addresses", "")[:10_000].replace(",", " ").split()
    try:
        outcomes = sends.send_test(campaign, addresses, actor=Actor.for_user(request.user, request))
    except DomainError as exc:
        raise_for_http(exc)
        shown = [d for d in exc.details if d not in exc.message]
        messages.error(request, "; ".join([exc.message, *shown]))
    else:
        for address, outcome in outcomes:
            messages.info(request, f"{address}: {outcome}")
    return redirect("web:campaign", slug, campaign_id)


CONTROLS = {
    "pause": sends.pause_send,
    "resume": sends.resume_send,
    "cancel": sends.cancel_send,
    "resend-unknown": sends.resend_unknown,
}


@require_POST
@login_required
def campaign_control(
    request: HttpRequest, slug: str, campaign_id: int, action: str
) -> HttpResponse:
    """SEND-4: pause, resume, cancel; workers see it within a second."""
    campaign = get_campaign_for_user(request, slug, campaign_id)
    control = CONTROLS.get(action)
    if control is None:
        raise Http404("no such action")
    try:
        control(campaign, actor=Actor.for_user(request.user, request))
    except DomainError as exc:
        raise_for_http(exc)
        messages.error(request, exc.message)
    return redirect("web:campaign", slug, campaign_id)


@require_http_methods(["GET", "POST"])
@login_required
def imprint(request: HttpRequest, slug: str) -> HttpResponse:
    """CONTENT-2: the imprint every marketing mail carries; owners and operators edit it."""
    account = get_account_for_user(
        request, slug, roles=MANAGERS if request.method == "POST" else None
    )
    initial = {name: getattr(account, name) for name in accounts.IMPRINT_FIELDS}
    form = ImprintForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_valid():
        try:
            accounts.update_imprint(account, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Imprint saved."))
            return redirect("web:imprint", slug)
    context = {
        "account": account,
        "section": "imprint",
        "form": form,
        "time_zones": COMMON_ZONES,
    }
    return render(
        request, "web/campaigns/imprint.html", context, status=400 if form.is_bound else 200
    )
