"""A member's own addresses for test sends: added, confirmed by a signed link, removed.

A test send goes only to the account's own people (SEND-2, no relay): its members' login
addresses and the addresses a member added here and confirmed. The confirmation mail is
plain, names who asked and counts against the account's test mail of the day.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import services as accounts
from accounts.models import Account, TestAddress
from accounts.rules import TEST_ADDRESS_LINK_DAYS
from consent import services as evidence
from core.actors import Actor
from delivery.platform_mail import send_platform_mail
from policy.selectors import value


def confirmation_url(row: TestAddress) -> str:
    return f"{settings.BASE_URL}/test-address/{accounts.confirmation_token_of(row)}/"


def add_test_address(
    account: Account, user: Any, address: str, *, actor: Actor
) -> tuple[TestAddress, str]:
    """A member adds an address; its confirmation mail leaves after the commit.

    Returns the row and the relay's answer to the confirmation mail."""
    with transaction.atomic():
        row, due = accounts.add_test_address(account, user, address)
        accounts.reserve_test_recipients(
            account, 1, limit=int(value("test_send.max_per_day", account))
        )
        evidence.record(
            account,
            "test_address.added",
            actor=actor,
            payload={"test_address": row.pk},
            personal={"address": row.address},
        )
    # After commit: the link names a stored row, and a relay cannot take a mail back.
    return row, _mail_confirmation(row, user) if due else ""


def _mail_confirmation(row: TestAddress, user: Any) -> str:
    account = row.account
    who = user.get_full_name() or user.get_username()
    text = "\n\n".join(
        [
            _("Hello,"),
            _(
                "%(user)s added this address to receive the test mail of the account "
                "%(account)s on consentry."
            )
            % {"user": who, "account": account.name},
            _("To confirm, open this link:") + "\n" + confirmation_url(row),
            _(
                "The link is valid for %(days)d days. If you did not ask for this, ignore "
                "this email: no test mail will come to this address."
            )
            % {"days": TEST_ADDRESS_LINK_DAYS},
        ]
    )
    return send_platform_mail(
        to=row.address,
        subject=_("Confirm your address for test mail of %(account)s") % {"account": account.name},
        text=text,
        account_id=account.pk,
        what=f"test address {row.pk} confirmation",
    )


def confirm_test_address(token: str, *, actor: Actor) -> TestAddress:
    """The click on the link's page: the address receives test mail from now on."""
    with transaction.atomic():
        row = accounts.confirm_test_address(token)
        evidence.record(
            row.account,
            "test_address.confirmed",
            actor=actor,
            payload={"test_address": row.pk},
            personal={"address": row.address},
        )
    return row


def remove_test_address(row: TestAddress, *, actor: Actor) -> None:
    with transaction.atomic():
        evidence.record(
            row.account,
            "test_address.removed",
            actor=actor,
            payload={"test_address": row.pk},
            personal={"address": row.address},
        )
        accounts.remove_test_address(row)
