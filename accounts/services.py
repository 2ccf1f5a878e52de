"""Accounts, memberships and API keys: the only write path."""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import (
    Account,
    ApiKey,
    CustomerGroup,
    Membership,
    Profile,
    ReviewState,
    Role,
    TestAddress,
    TestSendDay,
)
from accounts.rules import (
    MAX_TEST_ADDRESSES,
    TEST_ADDRESS_LINK_DAYS,
    may_change_review_state,
    may_send,
    sends_left_today,
    time_zone_problem,
)
from core.addresses import address_key, normalise_address
from core.audit import record_operator_action
from core.errors import Conflict, InvalidInput, PermissionDenied, RuleViolation
from core.text import clean_text

API_KEY_PREFIX = "cs_"


def hash_api_key(key: str) -> str:
    # The key has 256 bits of entropy: a plain SHA-256 is enough, no slow hash needed.
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def create_account(name: str, *, slug: str = "", owner: Any = None) -> Account:
    name = clean_text(name, field="account name", max_length=200)
    slug = slugify(slug or name)[:60]
    if not slug:
        raise InvalidInput("an account needs a name or slug made of letters or digits")
    if Account.objects.filter(slug=slug).exists():
        raise Conflict(f"an account with slug {slug!r} exists")
    account = Account.objects.create(slug=slug, name=name.strip() or slug)
    if owner is not None:
        Membership.objects.create(user=owner, account=account, role=Role.OWNER)
    return account


# The audit log's word for each review state an operator sets (ACCOUNT-2).
REVIEW_ACTIONS: dict[str, str] = {ReviewState.ACTIVE: "activate", ReviewState.SUSPENDED: "suspend"}


@transaction.atomic
def change_review_state(
    account: Account, target: str, *, note: str = "", actor: Any = None
) -> Account:
    """Operator review (ACCOUNT-1): activate, suspend, or lift a suspension. `note` says
    why; the account's users and keys see it while the account is suspended. The change
    is recorded in the audit log with `actor` (a user, a core Actor; None: the system)."""
    note = clean_text(note, field="review note", max_length=500)
    account = Account.objects.select_for_update().get(pk=account.pk)
    if target not in ReviewState.values:
        raise InvalidInput(f"unknown review state {target!r}")
    if not may_change_review_state(account.review_state, target):
        raise RuleViolation(f"an account cannot go from {account.review_state} to {target}")
    before = account.review_state
    account.review_state = target
    account.reviewed_at = timezone.now()
    account.review_note = note.strip()
    account.save(update_fields=["review_state", "reviewed_at", "review_note"])
    if target in REVIEW_ACTIONS:
        record_operator_action(
            actor,
            REVIEW_ACTIONS[target],
            account,
            account.review_note,
            detail={"from": before, "to": target},
        )
    return account


@transaction.atomic
def add_member(account: Account, user: Any, role: str = Role.MEMBER) -> Membership:
    if role not in (Role.OWNER, Role.MEMBER):
        raise InvalidInput("a membership role is owner or member")
    membership, created = Membership.objects.get_or_create(
        user=user, account=account, defaults={"role": role}
    )
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def create_user(
    username: str, password: str | None, *, email: str = "", staff: bool = False
) -> Any:
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise Conflict(f"a user named {username!r} exists")
    if staff:
        return User.objects.create_superuser(username=username, email=email, password=password)
    return User.objects.create_user(username=username, email=email, password=password)


@transaction.atomic
def create_api_key(account: Account, name: str, *, by: Any = None) -> tuple[ApiKey, str]:
    """A new key; the returned plain key is never stored and cannot be shown again."""
    name = clean_text(name, field="key name", max_length=100)
    prefix = secrets.token_hex(4)
    plain = f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        account=account,
        name=name.strip() or "API key",
        prefix=prefix,
        key_hash=hash_api_key(plain),
        created_by=by,
    )
    return key, plain


@transaction.atomic
def revoke_api_key(key: ApiKey, *, actor: Any = None, reason: str = "") -> None:
    """The key stops working at once; recorded in the audit log when it was still valid."""
    revoked = ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        record_operator_action(
            actor,
            "key_revoke",
            key,
            reason,
            account=key.account,
            detail={"prefix": key.prefix},
        )


IMPRINT_FIELDS = {
    "imprint_name": 200,
    "imprint_address": 1000,
    "imprint_contact": 300,
    "imprint_register": 300,
    "imprint_vat_id": 50,
    "imprint_representative": 300,
}


@transaction.atomic
def update_imprint(account: Account, **fields: str) -> Account:
    """CONTENT-2: the account's legal imprint, shown in the footer of every marketing mail."""
    locked = Account.objects.select_for_update().get(pk=account.pk)
    changed = []
    for name, value in fields.items():
        if name not in IMPRINT_FIELDS:
            raise InvalidInput(f"the imprint has no field {name!r}")
        text = clean_text(
            value or "",
            field=name.removeprefix("imprint_").replace("_", " "),
            max_length=IMPRINT_FIELDS[name],
            multiline=name == "imprint_address",
        ).strip()
        if getattr(locked, name) != text:
            setattr(locked, name, text)
            changed.append(name)
    if changed:
        locked.save(update_fields=changed)
    return locked


TRACKING_BASIS_LIMIT = 500


def clean_tracking_basis(text: str) -> str:
    """CONSENT-4: a stated basis of tracking consent, checked (one line, at most 500)."""
    return clean_text(text or "", field="tracking basis", max_length=TRACKING_BASIS_LIMIT).strip()


@transaction.atomic
def set_import_tracking_basis(account: Account, text: str, *, actor: Any) -> Account:
    """CONSENT-4: the account states on what basis its imported contacts agreed to
    tracking (empty: they did not, the default); the statement joins the evidence chain."""
    from core import evidence

    locked = Account.objects.select_for_update().get(pk=account.pk)
    basis = clean_tracking_basis(text)
    if locked.import_tracking_basis != basis:
        locked.import_tracking_basis = basis
        locked.save(update_fields=["import_tracking_basis"])
        evidence.record(
            locked, "account.import_tracking_basis", actor=actor, payload={"basis": basis}
        )
    return locked


@transaction.atomic
def set_reduced_speed(
    account: Account, reduced: bool, *, actor: Any = None, reason: str = ""
) -> Account:
    """SEND-5: an operator slows an account's sends to the policy's reduced speed share,
    or lifts that; a change is recorded in the audit log."""
    changed = Account.objects.filter(pk=account.pk).exclude(reduced_speed=reduced)
    if changed.update(reduced_speed=reduced):
        action = "reduce_speed" if reduced else "lift"
        record_operator_action(actor, action, account, reason, detail={"reduced_speed": reduced})
    account.refresh_from_db(fields=["reduced_speed"])
    return account


@transaction.atomic
def set_customer_group(
    account: Account, group: str | None, *, actor: Any = None, reason: str = ""
) -> Account:
    """ACCOUNT-3: the operator puts an account into a customer's group (made on first use)
    or takes it out (`group` None); a person who unsubscribed in one account of a group
    is mailed by the others only with a consent given there since (delivery.ledger)."""
    name = clean_text(group, field="customer group", max_length=200) if group else ""
    found = CustomerGroup.objects.get_or_create(name=name)[0] if name else None
    locked = Account.objects.select_for_update().get(pk=account.pk)
    if locked.customer_group_id != (found.pk if found else None):
        previous = locked.customer_group.name if locked.customer_group else ""
        locked.customer_group = found
        locked.save(update_fields=["customer_group"])
        record_operator_action(
            actor,
            "customer_group",
            locked,
            reason,
            account=locked,
            detail={"from": previous, "to": name},
        )
    return locked


def set_time_zone(account: Account, name: str) -> Account:
    """The zone in which the account's users give send times (SEND-4 schedules)."""
    name = (name or "").strip()
    problem = time_zone_problem(name)
    if problem:
        raise InvalidInput(f"time zone: {problem}")
    Account.objects.filter(pk=account.pk).update(time_zone=name)
    account.time_zone = name
    return account


# Test addresses and the per-day count of test mail (SEND-2: no relay) ----------------------

TEST_ADDRESS_SALT = "consentry.test-address"
# A pending address's confirmation mail goes again only after this pause.
RESEND_AFTER = timedelta(minutes=10)


class TestSendLimitReached(RuleViolation):
    """The account used its test mail of the day; the API answers 429."""

    __test__ = False
    code = "throttled"


class TestAddressLinkInvalid(InvalidInput):
    __test__ = False
    code = "token_invalid"


@transaction.atomic
def add_test_address(account: Account, user: Any, address: str) -> tuple[TestAddress, bool]:
    """A member adds an address of theirs for test sends; it counts once confirmed by link.

    Returns the row and whether a confirmation mail is due now (the caller sends it)."""
    if not Membership.objects.filter(account=account, user=user).exists():
        raise PermissionDenied(_("Only the account's members add test addresses."))
    if not may_send(account.review_state):
        raise RuleViolation(
            _("A pending or suspended account adds no test addresses: no mail leaves it.")
        )
    clean = normalise_address(clean_text(address, field="address", max_length=254))
    key = address_key(clean)
    if key in account.member_login_keys():
        raise Conflict(
            _("%(address)s is a member's login address: test mail may go there already.")
            % {"address": clean}
        )
    now = timezone.now()
    row = TestAddress.objects.select_for_update().filter(account=account, address_hash=key).first()
    if row is not None:
        if row.confirmed:
            raise Conflict(_("%(address)s is confirmed already.") % {"address": clean})
        if row.mailed_at is not None and now - row.mailed_at < RESEND_AFTER:
            raise Conflict(
                _("A confirmation mail went to %(address)s a few minutes ago.") % {"address": clean}
            )
        row.mailed_at = now
        row.save(update_fields=["mailed_at"])
        return row, True
    if TestAddress.objects.filter(account=account).count() >= MAX_TEST_ADDRESSES:
        raise RuleViolation(
            _("An account keeps at most %(n)d test addresses: remove one first.")
            % {"n": MAX_TEST_ADDRESSES}
        )
    row = TestAddress.objects.create(
        account=account, user=user, address=clean, address_hash=key, mailed_at=now
    )
    return row, True


def signed_pk(token: str, *, salt: str, days: int, expired: str, error: type[InvalidInput]) -> int:
    """The row id a signed confirmation link names; `error` (saying `expired`, or that the
    link is not valid) otherwise."""
    signer = signing.TimestampSigner(salt=salt)
    try:
        return int(signer.unsign(token[:200], max_age=timedelta(days=days)))
    except signing.SignatureExpired:
        raise error(expired) from None
    except (signing.BadSignature, ValueError):
        raise error(_("This confirmation link is not valid.")) from None


def confirmation_token_of(row: TestAddress) -> str:
    return signing.TimestampSigner(salt=TEST_ADDRESS_SALT).sign(str(row.pk))


def address_for_token(token: str) -> TestAddress:
    """The test address a confirmation link names; TestAddressLinkInvalid otherwise."""
    pk = signed_pk(
        token,
        salt=TEST_ADDRESS_SALT,
        days=TEST_ADDRESS_LINK_DAYS,
        expired=_("This confirmation link has expired: add the address again."),
        error=TestAddressLinkInvalid,
    )
    row = TestAddress.objects.select_related("account", "user").filter(pk=pk).first()
    if row is None:
        raise TestAddressLinkInvalid(_("This confirmation link is not valid."))
    return row


@transaction.atomic
def confirm_test_address(token: str) -> TestAddress:
    """The click on the link: the address receives the account's test mail from now on."""
    found = address_for_token(token)
    row = TestAddress.objects.select_for_update().get(pk=found.pk)
    if row.confirmed_at is None:
        row.confirmed_at = timezone.now()
        row.save(update_fields=["confirmed_at"])
    found.confirmed_at = row.confirmed_at
    return found


@transaction.atomic
def remove_test_address(row: TestAddress) -> None:
    TestAddress.objects.filter(pk=row.pk).delete()


@transaction.atomic
def reserve_test_recipients(account: Account, count: int, *, limit: int) -> int:
    """Count `count` recipients of test mail against today's `limit`, across requests;
    TestSendLimitReached (nothing counted) when they do not fit. Returns today's total."""
    # The account's row serialises concurrent test sends of one account.
    Account.objects.select_for_update().filter(pk=account.pk).first()
    today = timezone.now().date()
    day, _created = TestSendDay.objects.get_or_create(account=account, day=today)
    left = sends_left_today(day.recipients, limit)
    if count > left:
        raise TestSendLimitReached(
            _(
                "Test mail goes to at most %(limit)d recipients a day; %(left)d are left "
                "today, this test send has %(count)d."
            )
            % {"limit": limit, "left": left, "count": count}
        )
    TestSendDay.objects.filter(pk=day.pk).update(recipients=F("recipients") + count)
    return day.recipients + count


def unlock_sign_in(target: str) -> int:
    """Forget the failed sign-ins of a username or a client address (django-axes), so a
    locked-out user may sign in again at once; the number of records forgotten."""
    from axes.utils import reset

    target = target.strip()
    if not target:
        raise InvalidInput("name a username or a client address to unlock")
    try:
        ipaddress.ip_address(target)
    except ValueError:
        return reset(username=target)
    return reset(ip=target)


def set_language(user: Any, language: str) -> Profile:
    """The language `user` reads the pages in; "" follows the browser again."""
    if language and language not in dict(settings.LANGUAGES):
        raise InvalidInput(
            _("Language: choose one of %(choices)s.")
            % {"choices": ", ".join(code for code, _name in settings.LANGUAGES)}
        )
    profile, _created = Profile.objects.update_or_create(user=user, defaults={"language": language})
    return profile
