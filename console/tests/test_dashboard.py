"""The operator dashboard's numbers on known data (issue 21, item 4)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign
from contacts.models import RequestState, UnsubscribeRequest
from core.models import SendFigures
from delivery.models import LedgerState, SendLedgerEntry
from delivery.testing import Sendable
from feedback.models import FeedbackEvent, FeedbackKind
from governance import figures, health
from policy import services as policy
from policy.models import ProviderGroup


@pytest.fixture
def sent(sendable: Sendable) -> Sendable:
    """Three messages today (one to a provider group of its own, which hard-bounced), one
    ten days ago, and one still queued."""
    policy.save_provider_group(ProviderGroup(name="orgmail", domains="example.org", per_minute=60))
    now = timezone.now()
    kunde, anna, ben = sendable.contacts
    rows = {}
    for contact in (kunde, anna, ben):
        rows[contact.pk] = SendLedgerEntry.objects.create(
            campaign=sendable.campaign, contact=contact, state=LedgerState.SENT, sent_at=now
        )
    old = sendable.another("Sommer")
    SendLedgerEntry.objects.create(
        campaign=old, contact=kunde, state=LedgerState.SENT, sent_at=now - timedelta(days=10)
    )
    SendLedgerEntry.objects.create(campaign=old, contact=anna, state=LedgerState.QUEUED)
    # The sends as the send path leaves them: one running, one finished ten days ago.
    Campaign.objects.filter(pk=sendable.campaign.pk).update(state="sending", started_at=now)
    Campaign.objects.filter(pk=old.pk).update(
        state="finished", started_at=now - timedelta(days=10), finished_at=now - timedelta(days=10)
    )
    FeedbackEvent.objects.create(
        kind=FeedbackKind.BOUNCE, account=sendable.world.alice_account,
        campaign=sendable.campaign, entry=rows[anna.pk], contact=anna,
        reason="mailbox_unknown", hard=True, isp="",
    )  # fmt: skip
    return sendable


def test_the_figures_count_today_the_hour_and_each_provider(sent: Sendable) -> None:
    figures.refresh(days=30)
    figures.refresh(days=30)  # counted again, not twice
    board = health.dashboard()
    assert board["messages_today"] == 3
    hours = [n for _h, n in board["per_hour"]]
    assert max(hours) == 3 and sum(hours) == 3  # all in this hour (or the last, at :00)
    week, month = board["periods"]
    providers = {r.name: (r.sent, r.hard_bounces) for r in week.providers}
    assert providers == {"orgmail": (1, 1), "default": (2, 0)}
    (alice,) = week.accounts
    assert (alice.name, alice.sent, alice.hard_bounces, alice.complaints) == ("alice-shop", 3, 1, 0)
    assert [(r.name, r.sent) for r in month.accounts] == [("alice-shop", 4)]
    assert board["accounts_by_state"] == {"pending": 0, "active": 2, "suspended": 0}


def test_the_recent_refresh_keeps_older_days(sent: Sendable) -> None:
    figures.refresh(days=30)
    figures.refresh()  # today and yesterday only
    assert SendFigures.objects.filter(day__lt=timezone.localdate() - timedelta(days=2)).exists()


def test_an_account_over_a_threshold_is_flagged_once_it_has_the_volume(sent: Sendable) -> None:
    figures.refresh(days=30)
    assert health.dashboard()["flagged"] == []  # 3 messages: too few to judge
    policy.set_value("quality.min_volume", "3")
    (flag,) = health.dashboard()["flagged"]
    assert flag["account"] == "alice-shop" and flag["standing"] == "over"
    assert [days for days, _r in flag["by"]] == [7, 30]


def test_open_unsubscribe_deadlines_across_accounts(sent: Sendable) -> None:
    today = timezone.localdate()
    for due, state in ((today - timedelta(days=1), RequestState.OPEN),
                       (today, RequestState.OPEN), (today, RequestState.DONE)):  # fmt: skip
        UnsubscribeRequest.objects.create(
            account=sent.world.alice_account, address_hash="x", channel="phone",
            received_on=today - timedelta(days=3), due_on=due, state=state, created_by="t",
        )  # fmt: skip
    (row,) = health.dashboard()["unsubscribes"]["accounts"]
    assert (row["account__slug"], row["open"], row["overdue"], row["due_today"]) == (
        "alice-shop", 2, 1, 1,
    )  # fmt: skip


def test_the_page_shows_the_figures_and_hands_the_charts_their_data(sent: Sendable) -> None:
    figures.refresh(days=30)
    client = sent.world.client_for(sent.world.operator)
    response = client.get(reverse("console:dashboard"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="messages-today">3<' in page and 'id="dashboard-data"' in page
    assert "chart-4.6.2.umd.min.js" in page and "<script>" not in page
    data = response.context["charts"]
    assert max(data["per_hour"]) == 3 and data["limits"]["bounce"] == 5.0
    assert data["periods"]["7"]["providers"]["labels"] == ["default", "orgmail"]
