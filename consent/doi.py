"""Double opt-in: signup forms, the confirmation mail, confirming, expiring (FORM-1..3).

Services in the sense of STYLE.md: each public function is one transaction that writes
its evidence inside it; the mail is handed over by a background task enqueued in the same
transaction, so a signup and its mail stand or fall together.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from accounts.rules import may_send
from carrier.compose import compose
from carrier.transports import OutboundMessage, TransportError, get_transport
from consent import services as evidence
from consent import tracking
from consent.mails import kept_mail
from consent.models import Confirmation, SignupAttempt, SignupForm, Wording
from consent.rules import SignupFacts, signup_refusal
from contacts import selectors as contact_selectors
from contacts import services as contacts
from contacts.addresses import (
    DISPOSABLE,
    INVALID,
    NO_MAIL_DOMAIN,
    PROVIDER_RULE,
    is_role_address,
)
from contacts.models import List, Subscription, SubscriptionState
from contacts.rules import Cause, LegalBasis, Status
from core.actors import Actor
from core.addresses import address_key, normalise_address
from core.crypto import derive_key, keyed_hash, seal, unseal
from core.errors import InvalidInput, NotFound
from core.text import clean_text
from domains.mailhosts import check_addresses
from policy.selectors import value as policy_value

logger = logging.getLogger(__name__)

# The evidence record of a confirmation mail handed over: it holds the mail as sent.
CONFIRMATION_SENT = "confirmation.sent"
TOKEN_SALT = "consentry.doi"  # noqa: S105 (a signing salt, not a secret)
LANGUAGES = ("de", "en", "fr")
DEFAULT_CONSENT_TEXT = {
    "de": "Ja, ich möchte den Newsletter per E-Mail erhalten. Meine Einwilligung kann ich "
    "jederzeit über den Abmeldelink in jeder E-Mail widerrufen.",
    "en": "Yes, I would like to receive the newsletter by email. I can withdraw my consent at "
    "any time through the unsubscribe link in every email.",
    "fr": "Oui, je souhaite recevoir la newsletter par e-mail. Je peux retirer mon "
    "consentement à tout moment via le lien de désinscription présent dans chaque e-mail.",
}


@dataclass(frozen=True)
class Entry:
    """What a person typed into a form, checked."""

    address: str
    first_name: str = ""
    last_name: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    # CONSENT-4: the tracking text (wording id) the person ticked, None if not ticked.
    tracking_wording: int | None = None


@dataclass(frozen=True)
class SignupOutcome:
    accepted: bool
    reason: str = ""
    confirmation: Confirmation | None = None


# --- forms -----------------------------------------------------------------------------


def _check_custom_fields(spec: list[dict[str, Any]]) -> list[dict[str, Any]]:
    clean = []
    for item in spec:
        name = clean_text(str(item.get("name", "")), field="field name", max_length=50)
        if not name.isidentifier():
            raise InvalidInput(f"a field name is letters, digits and _: {name!r}")
        label = clean_text(str(item.get("label") or name), field="field label", max_length=100)
        clean.append({"name": name, "label": label, "required": bool(item.get("required"))})
    if len({f["name"] for f in clean}) != len(clean):
        raise InvalidInput("field names must be unique")
    return clean


@transaction.atomic
def create_form(
    lst: List,
    *,
    actor: Actor,
    name: str = "",
    consent_text: str = "",
    ask_name: bool = True,
    custom_fields: list[dict[str, Any]] | None = None,
    language: str = SignupForm.Language.LIST,
    tracking_text: str = "",
) -> SignupForm:
    """A hosted page and embeddable form for `lst`, with version 1 of its consent text
    and, where given, of its separate tracking text (CONSENT-4)."""
    if language not in SignupForm.Language.values:
        raise InvalidInput("a form's language is 'list' or 'browser'")
    form = SignupForm.objects.create(
        account=lst.account,
        list=lst,
        public_id=secrets.token_urlsafe(12),
        name=clean_text(name or lst.name, field="form name", max_length=200),
        ask_name=ask_name,
        custom_fields=_check_custom_fields(custom_fields or []),
        language=language,
    )
    wording = set_consent_text(
        form, consent_text or DEFAULT_CONSENT_TEXT[lst.language], actor=actor
    )
    evidence.record(
        lst.account,
        "form.created",
        actor=actor,
        wording=wording,
        payload={"form": form.pk, "list": lst.pk, "name": form.name},
    )
    if tracking_text.strip():
        tracking.set_tracking_text(form, tracking_text, actor=actor)
    return form


@transaction.atomic
def set_consent_text(form: SignupForm, text: str, *, actor: Actor) -> Wording:
    """Every change is a new wording version; signups cite the version they showed."""
    text = clean_text(text, field="consent text", max_length=5000, multiline=True)
    if not text:
        raise InvalidInput("a form needs a consent text")
    wording = evidence.publish_wording(
        form.wording_key, text, account=form.account, language=form.list.language
    )
    return wording


def current_wording(form: SignupForm) -> Wording:
    wording = (
        Wording.objects.filter(account=form.account, key=form.wording_key)
        .order_by("-version")
        .first()
    )
    if wording is None:
        raise NotFound("the form has no consent text")
    return wording


def form_by_public_id(public_id: str) -> SignupForm:
    form = (
        SignupForm.objects.select_related("list", "account")
        .filter(public_id=public_id, active=True)
        .first()
    )
    if form is None:
        raise NotFound("no such form")
    return form


def form_for_list(lst: List, form_id: int | None = None) -> SignupForm:
    """The signup form a subscription through the API or the CLI cites (its consent text
    is what the person agreed to): the one named, else the list's first."""
    forms = SignupForm.objects.filter(list=lst).select_related("list", "account").order_by("pk")
    form = forms.filter(pk=form_id).first() if form_id is not None else forms.first()
    if form is None:
        raise InvalidInput(
            _(
                "the list has no such signup form: create one, its consent text is what "
                "the person agrees to"
            )
            if form_id is not None
            else _(
                "create a signup form for the list first: its consent text is what "
                "the person agrees to"
            ),
            details=["form_id"],
        )
    return form


def parse_entry(form: SignupForm, data: dict[str, str]) -> Entry:
    """The submitted values as the form asks for them; InvalidInput, in the active
    language, names what is wrong (the public pages show it as it is)."""
    try:
        address = normalise_address(data.get("email", ""))
    except InvalidInput:
        raise InvalidInput(_("Please enter a valid email address.")) from None
    # CONSENT-2: the person ticks the box next to the consent text; no tick, no signup.
    if data.get("consent") != "yes":
        raise InvalidInput(_("Please tick the box to give your consent."))

    def text(name: str, label: str, limit: int) -> str:
        try:
            return clean_text(data.get(name, ""), field=name, max_length=limit)
        except InvalidInput:
            raise InvalidInput(
                _("%(field)s is too long or contains characters that are not allowed.")
                % {"field": label}
            ) from None

    first = last = ""
    if form.ask_name:
        first = text("first_name", _("First name"), 100)
        last = text("last_name", _("Last name"), 100)
    fields: dict[str, str] = {}
    for spec in form.custom_fields:
        raw = text(spec["name"], spec["label"], 1000)
        if spec["required"] and not raw:
            raise InvalidInput(_("%(field)s is required.") % {"field": spec["label"]})
        if raw:
            fields[spec["name"]] = raw
    return Entry(address, first, last, fields, tracking.agreed_wording(form, data))


# --- signup ----------------------------------------------------------------------------


def _seal_entry(entry: Entry) -> bytes:
    data = {
        "address": entry.address,
        "first_name": entry.first_name,
        "last_name": entry.last_name,
        "fields": entry.fields,
        "tracking_wording": entry.tracking_wording,
    }
    return seal(derive_key("signup-entry"), json.dumps(data).encode())


def _unseal_entry(blob: bytes) -> Entry:
    data = json.loads(unseal(derive_key("signup-entry"), bytes(blob)))
    return Entry(
        data["address"],
        data["first_name"],
        data["last_name"],
        data["fields"],
        data.get("tracking_wording"),
    )


def _facts(
    form: SignupForm, entry: Entry | None, ip_hash: str, honeypot: bool, address_problem: str = ""
) -> SignupFacts:
    """Everything signup_refusal needs to know, read in a handful of queries."""
    account = form.account
    recent = SignupAttempt.objects.filter(created_at__gte=timezone.now() - timedelta(hours=1))
    per_ip = int(policy_value("form.rate_limit_per_ip_per_hour", account))
    per_address = int(policy_value("form.rate_limit_per_address_per_hour", account))
    from_ip = recent.filter(ip_hash=ip_hash).count()
    account.refresh_from_db(fields=["review_state"])  # suspended a moment ago counts
    active = may_send(account.review_state)
    if entry is None:  # the honeypot caught it: nothing else to look at
        return SignupFacts(
            honeypot,
            from_ip,
            0,
            role_address=False,
            suppressed=False,
            confirmation_sent_recently=False,
            already_confirmed=False,
            account_may_send=active,
            limit_per_ip=per_ip,
            limit_per_address=per_address,
        )
    contact = contact_selectors.contact_by_address(account, entry.address)
    interval = timedelta(minutes=int(policy_value("form.confirmation_interval_minutes", account)))
    return SignupFacts(
        honeypot,
        from_ip,
        recent.filter(address_hash=address_key(entry.address)).count(),
        role_address=is_role_address(entry.address),
        suppressed=bool(contact_selectors.suppression_reasons(entry.address)),
        confirmation_sent_recently=contact is not None
        and Confirmation.objects.filter(
            contact=contact, created_at__gte=timezone.now() - interval
        ).exists(),
        already_confirmed=contact is not None
        and contact.status == Status.ACTIVE
        and Subscription.objects.filter(
            contact=contact, list=form.list, state=SubscriptionState.CONFIRMED
        ).exists(),
        account_may_send=active,
        address_problem=address_problem,
        limit_per_ip=per_ip,
        limit_per_address=per_address,
    )


# AUDIT-1: the classes of contacts.addresses that refuse a signup besides a role address,
# and the reason logged for each (the submitter sees the same neutral page either way).
ADDRESS_REFUSALS = {
    INVALID: "invalid_address",
    DISPOSABLE: "disposable_address",
    NO_MAIL_DOMAIN: "no_mail_domain",
    PROVIDER_RULE: "provider_rule",
}


def address_problem(address: str) -> str:
    """The refusal the address check finds (with DNS unless CONSENTRY_ADDRESS_DNS_CHECKS is
    off; a domain DNS does not answer for passes), or empty."""
    (check,) = check_addresses([address], dns=settings.ADDRESS_DNS_CHECKS)
    return next((ADDRESS_REFUSALS[c] for c in check.classes if c in ADDRESS_REFUSALS), "")


def browser_language(accept_language: str, default: str) -> str:
    """The first of de/en/fr an Accept-Language header names, else `default`."""
    for part in accept_language.split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return default


def page_language(form: SignupForm, accept_language: str = "") -> str:
    """FORM-4: the list's language, or the browser's when the form says so."""
    if form.language == SignupForm.Language.BROWSER:
        return browser_language(accept_language, form.list.language)
    return form.list.language


def submit_signup(
    form: SignupForm,
    entry: Entry | None,
    *,
    actor: Actor,
    source: str = "",
    honeypot: bool = False,
    language: str = "",
) -> SignupOutcome:
    """FORM-2/3: refuse (logged with its reason) or create the pending subscription, the
    evidence of the signup and the confirmation mail. `entry` None: the honeypot caught it.
    The address is checked (DNS too) before the transaction starts."""
    problem = address_problem(entry.address) if entry is not None and not honeypot else ""
    return _submit_signup(
        form,
        entry,
        actor=actor,
        source=source,
        honeypot=honeypot,
        language=language,
        problem=problem,
    )


@transaction.atomic
def _submit_signup(
    form: SignupForm,
    entry: Entry | None,
    *,
    actor: Actor,
    source: str,
    honeypot: bool,
    language: str,
    problem: str,
) -> SignupOutcome:
    ip_hash = keyed_hash(f"ip:{actor.ip or ''}")
    reason = signup_refusal(_facts(form, entry, ip_hash, honeypot, problem))
    SignupAttempt.objects.create(
        form=form,
        ip_hash=ip_hash,
        address_hash=address_key(entry.address) if entry else "",
        outcome="refused" if reason else "accepted",
        reason=reason or "",
    )
    if reason is not None or entry is None:
        return SignupOutcome(False, reason or "honeypot")
    account, lst = form.account, form.list
    contact = contact_selectors.contact_by_address(account, entry.address)
    created = contact is None
    if contact is None:
        contact = contacts.create_contact(
            account,
            entry.address,
            actor=actor,
            cause=Cause.SIGNUP,
            status=Status.ACTIVE,
            legal_basis=LegalBasis.DOUBLE_OPT_IN,
            first_name=entry.first_name,
            last_name=entry.last_name,
            fields=entry.fields,
            ref=f"form:{form.pk}",
        )
    subscription = Subscription.objects.filter(contact=contact, list=lst).first()
    # A confirmed subscription of a contact that is not A stays as it is: the contact's
    # status is what the confirmation changes, and an expiry must not take it away.
    if subscription is None or subscription.state != SubscriptionState.CONFIRMED:
        subscription = contacts.set_subscription(
            contact, lst, SubscriptionState.PENDING, actor=actor, ref=f"form:{form.pk}"
        )
    wording = current_wording(form)
    confirmation = _new_confirmation(
        subscription,
        entry,
        form=form,
        wording=wording,
        language=language or lst.language,
        created_contact=created,
        source=source,
    )
    message_id = confirmation.message_id
    evidence.record(
        account,
        "signup.submitted",
        actor=actor,
        contact=contact,
        source=source,
        wording=wording,
        payload={
            "form": form.pk,
            "list": lst.pk,
            "confirmation": confirmation.pk,
            "message_id": message_id,
            "language": confirmation.language,
            "tracking_wording": entry.tracking_wording,
        },
        personal={
            "address": entry.address,
            "first_name": entry.first_name,
            "last_name": entry.last_name,
            "fields": entry.fields,
        },
    )
    # Only the id goes into the task queue: its rows must hold no address.
    send_confirmation.enqueue(confirmation.pk)
    return SignupOutcome(True, "", confirmation)


def _new_confirmation(
    subscription: Subscription,
    entry: Entry,
    *,
    form: SignupForm | None,
    wording: Wording,
    language: str,
    created_contact: bool,
    source: str,
) -> Confirmation:
    """The confirmation row with its sealed entry and mail, in the caller's transaction."""
    account = subscription.list.account
    hours = int(policy_value("form.pending_expiry_hours", account))
    confirmation = Confirmation.objects.create(
        account=account,
        form=form,
        subscription=subscription,
        contact=subscription.contact,
        wording=wording,
        language=language,
        created_contact=created_contact,
        message_id="",
        sealed_entry=_seal_entry(entry),
        expires_at=timezone.now() + timedelta(hours=hours),
    )
    raw, message_id = _confirmation_mail(confirmation, entry, source)
    confirmation.message_id = message_id
    confirmation.sealed_mail = seal(derive_key("signup-mail"), raw)
    confirmation.save(update_fields=["message_id", "sealed_mail"])
    return confirmation


@transaction.atomic
def request_reconfirmation(
    subscription: Subscription, entry: Entry, *, actor: Actor, source: str, ref: str
) -> Confirmation:
    """IMPORT-6: an imported contact gets the double opt-in mail for its pending
    subscription and stays pending until it confirms; an expiry only ends the pending
    subscription, the imported contact stays."""
    lst = subscription.list
    account = lst.account
    wording = evidence.publish_wording(
        f"list:{lst.pk}:reconfirm",
        DEFAULT_CONSENT_TEXT[lst.language],
        account=account,
        language=lst.language,
    )
    confirmation = _new_confirmation(
        subscription,
        entry,
        form=None,
        wording=wording,
        language=lst.language,
        created_contact=False,
        source=source,
    )
    message_id = confirmation.message_id
    evidence.record(
        account,
        "reconfirmation.requested",
        actor=actor,
        contact=subscription.contact,
        source=source,
        wording=wording,
        payload={
            "list": lst.pk,
            "confirmation": confirmation.pk,
            "message_id": message_id,
            "ref": ref,
        },
    )
    send_confirmation.enqueue(confirmation.pk)
    return confirmation


def confirmation_token(confirmation: Confirmation) -> str:
    return signing.TimestampSigner(salt=TOKEN_SALT).sign(str(confirmation.pk))


def confirmation_url(confirmation: Confirmation) -> str:
    return f"{settings.BASE_URL}/c/{confirmation_token(confirmation)}/"


def _confirmation_mail(confirmation: Confirmation, entry: Entry, source: str) -> tuple[bytes, str]:
    """INDUSTRY-5: plain, no advertising; states date, time, source and the consent text."""
    form, lst = confirmation.form, confirmation.subscription.list  # type: ignore[union-attr]
    assert confirmation.wording is not None
    with translation.override(confirmation.language):
        account = lst.account
        context = {
            "list": lst,
            # The person knows the company, not the platform's account slug (issue 23).
            "company": account.imprint_name or account.name,
            "form": form,
            "entry": entry,
            "source": source or (form.name if form is not None else lst.name),
            "when": timezone.localtime(confirmation.created_at),
            "consent_text": confirmation.wording.text,
            "url": confirmation_url(confirmation),
            "expires_at": timezone.localtime(confirmation.expires_at),
        }
        subject = render_to_string("subscriber/mail/confirmation_subject.txt", context).strip()
        text = render_to_string("subscriber/mail/confirmation.txt", context)
    return compose(
        from_addr=settings.DEFAULT_FROM_EMAIL,
        to=entry.address,
        subject=subject,
        text=text,
        headers={"Auto-Submitted": "auto-generated"},
    )


# --- confirming ------------------------------------------------------------------------


class TokenInvalid(InvalidInput):
    code = "token_invalid"


class TokenExpired(InvalidInput):
    code = "token_expired"


def confirmation_for_token(token: str) -> Confirmation:
    """The pending confirmation a link names; TokenInvalid/TokenExpired with nothing changed."""
    signer = signing.TimestampSigner(salt=TOKEN_SALT)
    try:
        pk = int(signer.unsign(token))
    except (signing.BadSignature, ValueError):
        raise TokenInvalid("this confirmation link is not valid") from None
    confirmation = (
        Confirmation.objects.select_related("form", "contact", "subscription__list", "wording")
        .filter(pk=pk)
        .first()
    )
    if confirmation is None:
        raise TokenInvalid("this confirmation link is not valid")
    if confirmation.state == Confirmation.State.EXPIRED or (
        confirmation.state == Confirmation.State.PENDING
        and confirmation.expires_at <= timezone.now()
    ):
        raise TokenExpired("this confirmation link has expired")
    return confirmation


@transaction.atomic
def confirm(token: str, *, actor: Actor) -> Confirmation:
    """FORM-2: the POST after the click: contact A, subscription confirmed, evidence."""
    found = confirmation_for_token(token)
    confirmation = Confirmation.objects.select_for_update().get(pk=found.pk)
    if confirmation.state == Confirmation.State.CONFIRMED:
        return found  # a second click changes nothing
    entry = _unseal_entry(confirmation.sealed_entry)  # type: ignore[arg-type]
    ref = f"confirmation:{confirmation.pk}"
    contact = contacts.confirm_double_opt_in(
        confirmation.contact,
        address=entry.address,
        actor=actor,
        first_name=entry.first_name,
        last_name=entry.last_name,
        fields=entry.fields,
        ref=ref,
    )
    lst = found.subscription.list if found.subscription else found.form.list  # type: ignore[union-attr]
    contacts.set_subscription(contact, lst, SubscriptionState.CONFIRMED, actor=actor, ref=ref)
    evidence.record(
        confirmation.account,
        "signup.confirmed",
        actor=actor,
        contact=contact,
        wording=confirmation.wording,
        source=f"confirmation link of {confirmation.message_id}",
        payload={
            "form": confirmation.form_id,
            "list": lst.pk,
            "confirmation": confirmation.pk,
            "message_id": confirmation.message_id,
        },
    )
    if entry.tracking_wording is not None:
        tracking.consent_on_confirmation(
            contact,
            entry.tracking_wording,
            actor=actor,
            ref=ref,
            source=f"confirmation link of {confirmation.message_id}",
        )
    confirmation.state = Confirmation.State.CONFIRMED
    confirmation.ended_at = timezone.now()
    confirmation.sealed_entry = None
    confirmation.sealed_mail = None
    confirmation.save(update_fields=["state", "ended_at", "sealed_entry", "sealed_mail"])
    return confirmation


def pending_mail(confirmation: Confirmation) -> tuple[str, bytes] | None:
    """(recipient, raw message) of a confirmation mail not yet handed over."""
    if confirmation.sealed_mail is None or confirmation.sealed_entry is None:
        return None
    entry = _unseal_entry(confirmation.sealed_entry)
    return entry.address, unseal(derive_key("signup-mail"), bytes(confirmation.sealed_mail))


@transaction.atomic
def mark_sent(
    confirmation_id: int,
    *,
    error: str = "",
    sent: OutboundMessage | None = None,
    response: str = "",
) -> None:
    """Record the hand-over. CONSENT-7: the mail as the transport got it (envelope and
    bytes) joins the signup's evidence, sealed with the contact's key so an erasure makes it
    unreadable; the pending copy (sealed with a platform key) is dropped."""
    if error:
        Confirmation.objects.filter(pk=confirmation_id).update(send_error=error[:300])
        return
    confirmation = (
        Confirmation.objects.select_for_update()
        .select_related("account", "contact")
        .get(pk=confirmation_id)
    )
    Confirmation.objects.filter(pk=confirmation_id).update(
        sent_at=timezone.now(), send_error="", sealed_mail=None
    )
    if sent is None:
        return
    contact = confirmation.contact
    # A contact erased while its mail was on the way: a new data key would make the
    # address readable again, so only the facts are kept.
    erased = confirmation.state != Confirmation.State.PENDING and contact.status == Status.DELETED
    evidence.record(
        confirmation.account,
        CONFIRMATION_SENT,
        actor=Actor.system("confirmation"),
        contact=contact,
        payload={
            "confirmation": confirmation.pk,
            "message_id": confirmation.message_id,
            "sha256": hashlib.sha256(sent.raw).hexdigest(),
            "size": len(sent.raw),
            "response": response[:300],
        },
        personal=None if erased else {"mail": kept_mail(sent)},
    )


def expire_pending(*, now: Any = None) -> int:
    """FORM-2: unconfirmed signups past their time are purged, with an evidence record each.

    A contact this signup created, and nothing else keeps, is erased again (STATUS-4)."""
    now = now or timezone.now()
    actor = Actor.system("expiry")
    count = 0
    due = Confirmation.objects.filter(state=Confirmation.State.PENDING, expires_at__lte=now)
    for confirmation_id in due.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            confirmation = (
                Confirmation.objects.select_for_update()
                .select_related("contact")
                .filter(pk=confirmation_id, state=Confirmation.State.PENDING)
                .first()
            )
            if confirmation is None:
                continue
            ref = f"confirmation:{confirmation.pk}"
            if confirmation.subscription is not None:
                contacts.purge_pending_subscription(confirmation.subscription, actor=actor, ref=ref)
            contact = confirmation.contact
            evidence.record(
                confirmation.account,
                "signup.expired",
                actor=actor,
                contact=contact,
                payload={
                    "form": confirmation.form_id,
                    "confirmation": confirmation.pk,
                    "message_id": confirmation.message_id,
                },
            )
            if (
                confirmation.created_contact
                and not Subscription.objects.filter(contact=contact).exists()
                and contact.status != Status.DELETED
            ):
                contacts.delete_contact(contact, actor=actor, ref=ref)
            confirmation.state = Confirmation.State.EXPIRED
            confirmation.ended_at = now
            confirmation.sealed_entry = None
            confirmation.sealed_mail = None
            confirmation.save(update_fields=["state", "ended_at", "sealed_entry", "sealed_mail"])
            count += 1
    return count


@task()
def send_confirmation(confirmation_id: int) -> str:
    """Hand the confirmation mail over; the outcome is recorded on the confirmation.

    A temporary failure raises, so the task is marked failed and shows up for retry."""
    confirmation = Confirmation.objects.select_related("account").get(pk=confirmation_id)
    if not may_send(confirmation.account.review_state):
        # Suspended after the signup: the mail stays unsent and the confirmation expires.
        return "held: the account may not send"
    mail = pending_mail(confirmation)
    if mail is None:
        return "nothing to send"
    recipient, raw = mail
    message = OutboundMessage(
        mail_from=parseaddr(settings.DEFAULT_FROM_EMAIL)[1],
        rcpt_to=(recipient,),
        raw=raw,
        account_id=confirmation.account_id,
        kind="transactional",
    )
    try:
        result = get_transport().send(message)
    except TransportError as exc:
        logger.warning("confirmation %s not sent: %s", confirmation_id, exc.reason)
        mark_sent(confirmation_id, error=exc.reason)
        if not exc.permanent:
            raise
        return "refused"
    mark_sent(confirmation_id, sent=message, response=result.response)
    return result.message_id
