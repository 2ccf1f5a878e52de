"""SEND-2, no relay: a test send goes only to the account's own people (members' login
addresses, addresses a member confirmed by link), From a verified sender domain and
DKIM-signed, within the policy's count per day, never from a pending or suspended account.
Every door (web, API, CLI) reaches these rules through `delivery.sends.send_test`."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from accounts import services as accounts
from accounts.models import ReviewState, TestAddress, TestSendDay
from accounts.rules import sends_left_today, strangers
from campaigns import services as campaigns
from campaigns.testing import DOMAIN, HTML, dkimpy_verify
from consent.models import EvidenceRecord
from contacts.testing import SYSTEM
from core.errors import Conflict, InvalidInput, PermissionDenied, RuleViolation
from delivery import own_addresses, sends
from delivery.testing import Sendable
from domains import services as domains
from domains.tests.test_dkim import mail_dkim_verify
from policy import services as policy

USER = SYSTEM


def link_in(raw: bytes) -> str:
    text = raw.decode("ascii", "replace").replace("=\r\n", "")
    found = re.search(r"https://mail\.consentry\.test/test-address/([^/\s]+)/", text)
    assert found, text
    return found.group(1)


def add_and_confirm(sendable: Sendable, address: str, user: Any = None) -> TestAddress:
    _row, outcome = own_addresses.add_test_address(
        sendable.world.alice_account, user or sendable.world.bob, address, actor=USER
    )
    assert outcome.startswith("250")
    token = link_in(sendable.received_by(address)[-1].raw)
    return own_addresses.confirm_test_address(token, actor=USER)


def test_a_relay_attempt_to_a_stranger_is_refused_naming_the_address(
    sendable: Sendable,
) -> None:
    """The finding: any 20 addresses per request. Now a stranger refuses the whole send."""
    with pytest.raises(RuleViolation) as refused:
        sends.send_test(sendable.campaign, ["alice@example.org", "victim@example.net"], actor=USER)
    assert "victim@example.net" in refused.value.message
    assert refused.value.details == ["victim@example.net"]
    # A member of another account is a stranger here too; so is a contact of the list.
    for other in ("charlie@example.net", "kunde@example.de"):
        with pytest.raises(RuleViolation, match=re.escape(other)):
            sends.send_test(sendable.campaign, [other], actor=USER)
    assert sendable.smtp.messages == []
    assert not TestSendDay.objects.exists()
    assert not EvidenceRecord.objects.filter(kind="send.test").exists()


def test_members_login_addresses_receive_it_whatever_the_case(sendable: Sendable) -> None:
    outcomes = sends.send_test(
        sendable.campaign, ["ALICE@example.org", "bob@EXAMPLE.org"], actor=USER
    )
    assert [a for a, _o in outcomes] == ["ALICE@example.org", "bob@example.org"]
    assert all(o.startswith("250") for _a, o in outcomes)
    assert len(sendable.smtp.messages) == 2


def test_an_accepted_test_message_is_dkim_signed_with_the_verified_envelope(
    sendable: Sendable, dns_server: Any, tmp_path: Path
) -> None:
    """The finding: sent unsigned. Now both independent verifiers pass it."""
    sends.send_test(sendable.campaign, ["alice@example.org"], actor=USER)
    (received,) = sendable.smtp.messages
    assert received.mail_from == f"news@{DOMAIN}"
    assert received.raw.startswith(b"DKIM-Signature:")
    assert f"d={DOMAIN};".encode() in received.raw.replace(b" ", b"")
    assert dkimpy_verify(received.raw)
    assert mail_dkim_verify(received.raw, dns_server, tmp_path)[-1] == "result=pass"


def test_a_spoofed_from_is_refused(sendable: Sendable) -> None:
    """The finding: security@bank.example was accepted, unsigned, as envelope sender."""
    campaign = campaigns.update_campaign(
        sendable.campaign, actor=USER, from_address="security@bank.example"
    )
    with pytest.raises(RuleViolation, match=re.escape("security@bank.example")) as refused:
        sends.send_test(campaign, ["alice@example.org"], actor=USER)
    assert refused.value.details == ["bank.example is not a sender domain of this account"]
    assert sendable.smtp.messages == []


def test_a_domain_not_verified_yet_is_refused(sendable: Sendable) -> None:
    domains.add_domain(sendable.world.alice_account, "pending.alice-shop.example", actor=USER)
    campaign = campaigns.update_campaign(
        sendable.campaign, actor=USER, from_address="news@pending.alice-shop.example"
    )
    with pytest.raises(RuleViolation, match=re.escape("news@pending.alice-shop.example")) as no:
        sends.send_test(campaign, ["alice@example.org"], actor=USER)
    assert "pending.alice-shop.example is not verified yet" in no.value.details
    assert sendable.smtp.messages == []


def test_another_accounts_verified_domain_is_refused(sendable: Sendable) -> None:
    """charlie's campaign From alice's domain: the domain is not charlie's."""
    world = sendable.world
    campaign = campaigns.create_campaign(
        world.charlie_account, actor=USER, lists=[world.charlie_list], name="x", subject="x",
        from_name="C", from_address=f"news@{DOMAIN}", html=HTML,
    )  # fmt: skip
    with pytest.raises(RuleViolation, match=f"news@{DOMAIN}"):
        sends.send_test(campaign, ["charlie@example.net"], actor=USER)
    assert sendable.smtp.messages == []


def test_the_per_day_limit_counts_across_requests(sendable: Sendable) -> None:
    """The finding: no limit across requests. Policy test_send.max_per_day, per account."""
    account = sendable.world.alice_account
    policy.set_value("test_send.max_per_day", "3", account=account)
    sends.send_test(sendable.campaign, ["alice@example.org", "bob@example.org"], actor=USER)
    sends.send_test(sendable.campaign, ["alice@example.org"], actor=USER)
    with pytest.raises(accounts.TestSendLimitReached, match="3 recipients a day; 0 are left"):
        sends.send_test(sendable.campaign, ["bob@example.org"], actor=USER)
    assert len(sendable.smtp.messages) == 3
    assert TestSendDay.objects.get(account=account).recipients == 3
    # The next day starts again.
    TestSendDay.objects.filter(account=account).update(
        day=timezone.now().date() - timedelta(days=1)
    )
    sends.send_test(sendable.campaign, ["bob@example.org"], actor=USER)
    assert len(sendable.smtp.messages) == 4


def test_a_send_larger_than_what_is_left_is_refused_whole(sendable: Sendable) -> None:
    policy.set_value("test_send.max_per_day", "1", account=sendable.world.alice_account)
    with pytest.raises(accounts.TestSendLimitReached, match="this test send has 2"):
        sends.send_test(sendable.campaign, ["alice@example.org", "bob@example.org"], actor=USER)
    assert sendable.smtp.messages == []
    assert not TestSendDay.objects.filter(recipients__gt=0).exists()


def test_the_default_is_fifty_recipients_a_day(sendable: Sendable) -> None:
    TestSendDay.objects.create(
        account=sendable.world.alice_account, day=timezone.now().date(), recipients=49
    )
    sends.send_test(sendable.campaign, ["alice@example.org"], actor=USER)
    with pytest.raises(accounts.TestSendLimitReached):
        sends.send_test(sendable.campaign, ["alice@example.org"], actor=USER)


@pytest.mark.parametrize("state", [ReviewState.SUSPENDED, ReviewState.PENDING])
def test_a_pending_or_suspended_account_sends_no_test_mail(sendable: Sendable, state: str) -> None:
    """ACCOUNT-1 through accounts.rules.may_send, read fresh at the send."""
    account = sendable.world.alice_account
    if state == ReviewState.PENDING:
        from accounts.models import Account

        Account.objects.filter(pk=account.pk).update(review_state=state)
    else:
        accounts.change_review_state(account, state)
    with pytest.raises(RuleViolation, match="no test mail leaves it"):
        sends.send_test(sendable.campaign, ["alice@example.org"], actor=USER)
    assert sendable.smtp.messages == []
    assert not TestSendDay.objects.exists()


def test_an_address_confirmed_by_link_receives_test_mail(sendable: Sendable) -> None:
    world = sendable.world
    row, outcome = own_addresses.add_test_address(
        world.alice_account, world.bob, "bob.privat@example.net", actor=USER
    )
    assert outcome.startswith("250") and row.confirmed_at is None
    (mail,) = sendable.received_by("bob.privat@example.net")
    assert "Alice Shop" in mail.parsed()["Subject"]
    token = link_in(mail.raw)
    # Not yet confirmed: still a stranger.
    with pytest.raises(RuleViolation, match=re.escape("bob.privat@example.net")):
        sends.send_test(sendable.campaign, ["bob.privat@example.net"], actor=USER)
    confirmed = own_addresses.confirm_test_address(token, actor=USER)
    assert confirmed.confirmed_at is not None
    assert own_addresses.confirm_test_address(token, actor=USER).confirmed_at == (
        confirmed.confirmed_at
    )  # a second click changes nothing
    outcomes = sends.send_test(sendable.campaign, ["bob.privat@example.net"], actor=USER)
    assert outcomes[0][1].startswith("250")
    # The confirmation mail counted against the day, as the test mail did.
    assert TestSendDay.objects.get(account=world.alice_account).recipients == 2
    kinds = set(EvidenceRecord.objects.values_list("kind", flat=True))
    assert {"test_address.added", "test_address.confirmed", "send.test"} <= kinds


def test_a_changed_or_foreign_link_confirms_nothing(sendable: Sendable) -> None:
    world = sendable.world
    row, _outcome = own_addresses.add_test_address(
        world.alice_account, world.alice, "alice.home@example.net", actor=USER
    )
    token = link_in(sendable.received_by("alice.home@example.net")[0].raw)
    _pk, _sep, rest = token.partition(":")
    for bad in (token + "x", f"{row.pk + 1}:{rest}", "garbage", ""):
        with pytest.raises(InvalidInput):
            own_addresses.confirm_test_address(bad, actor=USER)
    assert TestAddress.objects.get(pk=row.pk).confirmed_at is None


def test_an_expired_link_confirms_nothing(sendable: Sendable) -> None:
    """The link works for TEST_ADDRESS_LINK_DAYS; this one was mailed eight days ago."""
    eight_days_ago = time.time() - 8 * 86400
    with mock.patch("django.core.signing.time.time", return_value=eight_days_ago):
        row, _outcome = own_addresses.add_test_address(
            sendable.world.alice_account, sendable.world.alice, "late@example.net", actor=USER
        )
    token = link_in(sendable.received_by("late@example.net")[0].raw)
    with pytest.raises(InvalidInput, match="expired"):
        own_addresses.confirm_test_address(token, actor=USER)
    assert TestAddress.objects.get(pk=row.pk).confirmed_at is None


def test_a_removed_members_addresses_stop_counting(sendable: Sendable) -> None:
    from accounts.models import Membership

    add_and_confirm(sendable, "bob.privat@example.net")
    Membership.objects.filter(user=sendable.world.bob).delete()
    for address in ("bob.privat@example.net", "bob@example.org"):
        with pytest.raises(RuleViolation, match=re.escape(address)):
            sends.send_test(sendable.campaign, [address], actor=USER)


def test_adding_is_for_members_of_an_active_account_and_bounded(sendable: Sendable) -> None:
    world = sendable.world
    with pytest.raises(PermissionDenied):
        own_addresses.add_test_address(
            world.alice_account, world.charlie, "c@example.net", actor=USER
        )
    with pytest.raises(Conflict, match="login address"):
        own_addresses.add_test_address(
            world.alice_account, world.bob, "Alice@example.org", actor=USER
        )
    row, _o = own_addresses.add_test_address(
        world.alice_account, world.bob, "twice@example.net", actor=USER
    )
    with pytest.raises(Conflict, match="a few minutes ago"):
        own_addresses.add_test_address(
            world.alice_account, world.alice, "twice@example.net", actor=USER
        )
    TestAddress.objects.filter(pk=row.pk).update(mailed_at=timezone.now() - timedelta(hours=1))
    again, _o = own_addresses.add_test_address(
        world.alice_account, world.alice, "twice@example.net", actor=USER
    )
    assert again.pk == row.pk and len(sendable.received_by("twice@example.net")) == 2
    with pytest.raises(InvalidInput):
        own_addresses.add_test_address(world.alice_account, world.bob, "no address", actor=USER)
    for n in range(accounts.MAX_TEST_ADDRESSES - 1):
        TestAddress.objects.create(
            account=world.alice_account, user=world.bob, address=f"t{n}@x.example",
            address_hash=f"h{n}",
        )  # fmt: skip
    with pytest.raises(RuleViolation, match="at most 20 test addresses"):
        own_addresses.add_test_address(
            world.alice_account, world.bob, "one-more@example.net", actor=USER
        )
    accounts.change_review_state(world.alice_account, ReviewState.SUSPENDED)
    world.alice_account.refresh_from_db()
    TestAddress.objects.filter(address__startswith="t").delete()
    with pytest.raises(RuleViolation, match="pending or suspended"):
        own_addresses.add_test_address(
            world.alice_account, world.bob, "later@example.net", actor=USER
        )


def test_confirmations_count_against_the_day_too(sendable: Sendable) -> None:
    policy.set_value("test_send.max_per_day", "1", account=sendable.world.alice_account)
    own_addresses.add_test_address(
        sendable.world.alice_account, sendable.world.bob, "one@example.net", actor=USER
    )
    with pytest.raises(accounts.TestSendLimitReached):
        own_addresses.add_test_address(
            sendable.world.alice_account, sendable.world.bob, "two@example.net", actor=USER
        )
    assert not TestAddress.objects.filter(address="two@example.net").exists()
    assert sendable.received_by("two@example.net") == []


def test_the_cli_door_refuses_a_stranger(sendable: Sendable) -> None:
    with pytest.raises(CommandError, match=re.escape("victim@example.net")):
        call_command(
            "campaign", "test", str(sendable.campaign.pk), "victim@example.net", stdout=StringIO()
        )
    out = StringIO()
    call_command("campaign", "test", str(sendable.campaign.pk), "bob@example.org", stdout=out)
    assert out.getvalue().startswith("bob@example.org: 250")


def test_the_rule_lists_every_stranger() -> None:
    assert strangers({"k1": "a@x", "k2": "b@y", "k3": "c@z"}, {"k2"}) == ["a@x", "c@z"]
    assert strangers({}, set()) == []
    assert sends_left_today(48, 50) == 2 and sends_left_today(60, 50) == 0
