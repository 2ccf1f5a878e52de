"""Sign-up and the operator's review of an account (ACCOUNT-1): the only write path.

A sign-up creates a pending account, its owner and the answers; the owner's address is
confirmed by a signed link, which puts the case in the operator's queue. The operator
activates, refuses, or asks for more information (the account answers on its page and the
case returns to the queue). Every decision is in the operator's audit log, in the same
transaction as the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import (
    Account,
    Application,
    CaseState,
    Frequency,
    GuidelinesAcceptance,
    Membership,
    ReviewMessage,
    ReviewState,
    Role,
)
from accounts.rules import MAX_EXPECTED_VOLUME, may_change_review_state
from accounts.services import set_reduced_speed, signed_pk, update_imprint
from core.addresses import InvalidAddress, normalise_address
from core.audit import record_operator_action
from core.errors import Conflict, InvalidInput, RuleViolation
from core.text import clean_text

OWNER_LINK_SALT = "consentry.signup-owner"
OWNER_LINK_DAYS = 7
MAX_ANSWER = 2000
MAX_REASON = 500


@dataclass(frozen=True)
class SignupData:
    """What the public sign-up page asks (ACCOUNT-1); every field has its size limit."""

    company: str
    address: str
    register: str
    vat_id: str
    representative: str
    website: str
    username: str
    email: str
    password: str
    expected_volume: int
    frequency: str
    address_sources: str
    consent_method: str
    language: str = "en"


class OwnerLinkInvalid(InvalidInput):
    code = "token_invalid"


def _required(value: str, *, field: str, max_length: int, multiline: bool = False) -> str:
    text = clean_text(value or "", field=field, max_length=max_length, multiline=multiline)
    if not text:
        raise InvalidInput(_("%(field)s: this field is required") % {"field": field})
    return text


def _checked(data: SignupData) -> dict[str, Any]:
    """The sign-up's fields, cleaned; InvalidInput naming the first bad field."""
    clean: dict[str, Any] = {
        "company": _required(data.company, field=_("company"), max_length=200),
        "address": _required(data.address, field=_("address"), max_length=1000, multiline=True),
        "register": clean_text(data.register or "", field=_("register entry"), max_length=300),
        "vat_id": clean_text(data.vat_id or "", field=_("VAT ID"), max_length=50),
        "representative": _required(data.representative, field=_("represented by"), max_length=300),
        "username": _required(data.username, field=_("username"), max_length=150),
        "address_sources": _required(
            data.address_sources,
            field=_("where the addresses come from"),
            max_length=MAX_ANSWER,
            multiline=True,
        ),
        "consent_method": _required(
            data.consent_method,
            field=_("how consent was collected"),
            max_length=MAX_ANSWER,
            multiline=True,
        ),
    }
    website = _required(data.website, field=_("website"), max_length=300)
    if "://" not in website:
        website = "https://" + website
    try:
        URLValidator(schemes=["http", "https"])(website)
    except ValidationError:
        raise InvalidInput(_("website: not a web address")) from None
    clean["website"] = website
    try:
        clean["email"] = normalise_address(_required(data.email, field=_("email"), max_length=254))
    except InvalidAddress as exc:
        raise InvalidInput(_("email: %(error)s") % {"error": exc}) from None
    if not 0 < data.expected_volume <= MAX_EXPECTED_VOLUME:
        raise InvalidInput(
            _("expected volume: between 1 and %(n)d messages a month") % {"n": MAX_EXPECTED_VOLUME}
        )
    if data.frequency not in Frequency.values:
        raise InvalidInput(_("sending frequency: choose one of the options"))
    if len(data.password) > 200:
        raise InvalidInput(_("password: at most 200 characters"))
    return clean


def _free_slug(name: str) -> str:
    base = slugify(name)[:50] or "account"
    slug, n = base, 1
    while Account.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def register(data: SignupData, *, terms_version: int) -> Application:
    """A pending account, its owner (who may sign in and prepare) and the answers."""
    clean = _checked(data)
    User = get_user_model()
    if User.objects.filter(username__iexact=clean["username"]).exists():
        raise Conflict(_("username: this name is taken, choose another"))
    if User.objects.filter(email__iexact=clean["email"]).exists():
        raise Conflict(_("email: an account with this address exists; sign in instead"))
    user = User(username=clean["username"], email=clean["email"])
    try:
        validate_password(data.password, user)
    except ValidationError as exc:
        raise InvalidInput(_("password: %(error)s") % {"error": " ".join(exc.messages)}) from None
    user.set_password(data.password)
    user.save()
    account = Account.objects.create(slug=_free_slug(clean["company"]), name=clean["company"])
    Membership.objects.create(user=user, account=account, role=Role.OWNER)
    account = update_imprint(
        account,
        imprint_name=clean["company"],
        imprint_address=clean["address"],
        imprint_contact=clean["email"],
        imprint_register=clean["register"],
        imprint_vat_id=clean["vat_id"],
        imprint_representative=clean["representative"],
    )
    return Application.objects.create(
        account=account,
        owner=user,
        owner_email=clean["email"],
        website=clean["website"],
        expected_volume=data.expected_volume,
        frequency=data.frequency,
        address_sources=clean["address_sources"],
        consent_method=clean["consent_method"],
        terms_version=terms_version,
        language=data.language if data.language in ("de", "en", "fr") else "en",
    )


def owner_token_of(application: Application) -> str:
    return signing.TimestampSigner(salt=OWNER_LINK_SALT).sign(str(application.pk))


@transaction.atomic
def confirm_owner(token: str) -> Application:
    """The click on the owner's link: the address is confirmed, the case is queued."""
    pk = signed_pk(
        token,
        salt=OWNER_LINK_SALT,
        days=OWNER_LINK_DAYS,
        expired=_("This confirmation link has expired: sign in and ask for a new one."),
        error=OwnerLinkInvalid,
    )
    application = (
        Application.objects.select_for_update().select_related("account").filter(pk=pk).first()
    )
    if application is None:
        raise OwnerLinkInvalid(_("This confirmation link is not valid."))
    if application.email_confirmed_at is None:
        now = timezone.now()
        application.email_confirmed_at = now
        application.case_state = CaseState.WAITING
        application.queued_at = now
        application.save(update_fields=["email_confirmed_at", "case_state", "queued_at"])
    return application


def _reason(reason: str) -> str:
    text = clean_text(reason or "", field=_("reason"), max_length=MAX_REASON, multiline=True)
    if not text:
        raise InvalidInput(_("reason: the account reads it, so it may not be empty"))
    return text


DECISIONS = {
    # decision: (review state, case state, audit action)
    "activate": (ReviewState.ACTIVE, CaseState.DECIDED, "activate"),
    "refuse": (ReviewState.REFUSED, CaseState.DECIDED, "refuse"),
    "ask": (ReviewState.PENDING, CaseState.ASKED, "ask_more"),
}


@transaction.atomic
def decide(account: Account, decision: str, *, operator: Any, reason: str) -> Account:
    """The operator's decision on a pending account, with a reason the account reads."""
    if decision not in DECISIONS:
        raise InvalidInput(_("decision: activate, refuse or ask"))
    # Activating may go without a word; a refusal or a question always says why.
    text = _reason(reason) if decision != "activate" or reason.strip() else ""
    state, case_state, action = DECISIONS[decision]
    locked = Account.objects.select_for_update().get(pk=account.pk)
    before = locked.review_state
    if state != before and not may_change_review_state(before, state):
        raise RuleViolation(
            _("an account cannot go from %(a)s to %(b)s") % {"a": before, "b": state}
        )
    if decision == "ask" and before != ReviewState.PENDING:
        raise RuleViolation(_("only a pending account is asked for more information"))
    now = timezone.now()
    locked.review_state, locked.review_note, locked.reviewed_at = state, text, now
    locked.save(update_fields=["review_state", "review_note", "reviewed_at"])
    application = Application.objects.select_for_update().filter(account=locked).first()
    if application is not None:
        application.case_state = case_state
        application.decided_at = now if case_state == CaseState.DECIDED else None
        application.save(update_fields=["case_state", "decided_at"])
        if text:
            ReviewMessage.objects.create(
                application=application, from_operator=True, author=_user(operator), text=text
            )
    record_operator_action(operator, action, locked, text, detail={"from": before, "to": state})
    return locked


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) and hasattr(actor, "get_username") else None


@transaction.atomic
def answer(account: Account, user: Any, text: str) -> Application:
    """The account answers the operator's request; the case returns to the queue."""
    body = _required(text, field=_("answer"), max_length=MAX_ANSWER, multiline=True)
    application = Application.objects.select_for_update().filter(account=account).first()
    if application is None or application.case_state != CaseState.ASKED:
        raise RuleViolation(_("the operator has asked for nothing: there is nothing to answer"))
    ReviewMessage.objects.create(
        application=application, from_operator=False, author=user, text=body
    )
    application.case_state, application.queued_at = CaseState.WAITING, timezone.now()
    application.save(update_fields=["case_state", "queued_at"])
    return application


def set_speed(account: Account, *, reduced: bool, operator: Any, reason: str) -> Account:
    """SEND-5: the operator slows an account down (or lifts it); the reason is required,
    the change is logged by accounts.services.set_reduced_speed."""
    return set_reduced_speed(account, reduced, actor=operator, reason=_reason(reason))


@transaction.atomic
def set_import_review(account: Account, *, held: bool, operator: Any, reason: str) -> Account:
    """IMPORT-10: the operator holds (or stops holding) the account's imports for review."""
    text = _reason(reason)
    locked = Account.objects.select_for_update().get(pk=account.pk)
    before = locked.import_review
    locked.import_review = held
    locked.save(update_fields=["import_review"])
    record_operator_action(
        operator,
        "import_hold" if held else "lift",
        locked,
        text,
        detail={"import_review": {"from": before, "to": held}},
    )
    return locked


def record_guidelines(
    account: Account,
    *,
    user_id: int | None,
    actor_label: str,
    version: int,
    language: str,
    context: str,
    evidence_seq: int,
    list_ids: tuple[int, ...] = (),
) -> list[GuidelinesAcceptance]:
    """Rows of one acceptance (one per list whose first send it precedes), in the caller's
    transaction with the evidence record they cite."""
    targets: tuple[int | None, ...] = list_ids or (None,)
    return [
        GuidelinesAcceptance.objects.create(
            account=account,
            user_id=user_id,
            actor=actor_label[:120],
            version=version,
            language=language,
            context=context,
            list_id=list_id,
            evidence_seq=evidence_seq,
        )
        for list_id in targets
    ]
