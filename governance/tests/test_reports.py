"""The campaign report and the dashboard's selectors, on a campaign really sent and its
feedback really taken in; the pure rules on their own."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from campaigns.models import Campaign
from contacts.models import Contact
from contacts.rules import Status
from delivery.models import LedgerState, SendLedgerEntry
from delivery.testing import Sendable
from governance import report_rules as rules
from governance.account_dashboard import dashboard, growth
from governance.report_testing import BOUNCED, feedback_about
from governance.reports import campaign_report, engagement_rates, report_csv, summaries
from governance.testing import Sent
from tracking.models import EventKind, TrackingEvent

pytestmark = pytest.mark.django_db


def test_rates_and_their_dash() -> None:
    assert rules.rate(1, 4) == Decimal("0.25")
    assert rules.rate(1, 0) is None
    assert rules.percent(Decimal("0.0125")) == "1.25%"
    assert rules.percent(None) == "—"
    assert rules.number(Decimal(1) / Decimal(3)) == 0.333333
    assert rules.over(Decimal("0.06"), Decimal("0.05")) and not rules.over(None, Decimal(0))


def test_day_series_fill_missing_days() -> None:
    first = date(2026, 1, 30)
    assert rules.day_series(first, 3, {date(2026, 2, 1): 4}) == [0, 0, 4]
    assert rules.day_labels(first, 2) == ["2026-01-30", "2026-01-31"]


def test_the_timeline_step_follows_the_length_of_the_send() -> None:
    start = datetime(2026, 1, 1, 8)
    assert rules.step_of(start, start + timedelta(hours=1), start) == rules.MINUTE
    assert rules.step_of(start, start + timedelta(days=2), start) == rules.HOUR
    assert rules.step_of(start, None, start + timedelta(days=9)) == rules.DAY


def test_delivered_leaves_out_refusals_and_bounce_reports() -> None:
    numbers = rules.SendNumbers(
        recipients=10,
        handed_over=8,
        refused=1,
        bounced_after_sending=2,
        bounces=rules.Bounces(hard=2, soft=1),
        complaints=1,
        unsubscribes=2,
    )
    assert numbers.delivered == 5
    assert numbers.bounce_rate == Decimal("0.375") and numbers.complaint_rate == Decimal("0.125")


def test_unsubscribe_references_name_their_campaign() -> None:
    assert rules.campaign_of_ref("campaign:12:ledger:34") == 12
    assert rules.campaign_of_ref("abuse:3") is None and rules.campaign_of_ref("") is None
    assert rules.unsubscribe_channel("manual:phone") == "phone"


def test_the_report_counts_what_really_came_back(reported: Sent) -> None:
    report = campaign_report(reported.campaign)
    n = report.numbers
    assert (n.recipients, n.handed_over) == (3, 3)
    assert n.bounces.hard == 1 and n.bounces.soft == 0
    assert n.complaints == 1  # a complaint is a complaint, not a hard bounce
    assert n.delivered == 2
    channels = {code: count for code, _label, count in report.channels}
    assert channels["page"] == 1
    assert report.summary.started_at is not None and report.summary.finished_at is not None
    assert sum(count for _at, count in report.timeline) == 3
    assert [(r.reason, r.kind, r.count) for r in report.reasons] == [("user_unknown", "hard", 1)]
    assert sum(p.handed_over for p in report.providers) == 3
    assert sum(p.complaints for p in report.providers) == 1
    assert [s.id for s in report.compared] == [reported.campaign.pk]
    assert report.summary.shown()["open"] == "—"  # no tracking data: a dash, not 0 %
    data = report.as_json()
    assert data["hard_bounces"] == 1 and data["rates"]["hard_bounce"] == pytest.approx(1 / 3, 1e-5)
    assert data["limits"]["hard_bounce_rate"] == float(report.hard_bounce_limit)


def test_the_csv_holds_the_same_numbers(reported: Sent) -> None:
    rows = list(csv.reader(io.StringIO(report_csv(campaign_report(reported.campaign)))))
    assert rows[0] == ["section", "item", "kind", "count", "rate"]
    found = {(r[0], r[1], r[2]): r[3] for r in rows}
    assert found[("totals", "hard_bounces", "")] == "1"
    assert found[("totals", "complaints", "")] == "1"
    assert found[("bounce_reason", "user_unknown", "hard")] == "1"
    assert found[("unsubscribe_channel", "page", "")] == "1"


def test_csv_cells_never_run_as_formulas(sent: Sent) -> None:
    sent.campaign.name = "=HYPERLINK(1)"
    sent.campaign.save(update_fields=["name"])
    text = report_csv(campaign_report(sent.campaign))
    assert "'=HYPERLINK(1)" in text and ",=HYPERLINK" not in text


def test_engagement_rates_count_consenting_recipients_only(sent: Sent) -> None:
    campaign = sent.campaign
    assert engagement_rates([campaign.pk])[campaign.pk] == {"open": None, "click": None}
    Campaign.objects.filter(pk=campaign.pk).update(tracking=True)
    entries = list(SendLedgerEntry.objects.filter(campaign=campaign, state=LedgerState.SENT))
    consenting, other = entries[0], entries[1]
    Contact.objects.filter(pk=consenting.contact_id).update(tracking_consent=True)
    TrackingEvent.objects.create(
        campaign=campaign, entry=consenting, contact_id=consenting.contact_id, kind=EventKind.OPEN
    )
    TrackingEvent.objects.create(
        campaign=campaign,
        entry=other,
        contact_id=other.contact_id,
        kind=EventKind.OPEN,
        machine="privacy_proxy",
    )
    rates = engagement_rates([campaign.pk])[campaign.pk]
    assert rates == {"open": Decimal(1), "click": Decimal(0)}  # one tracked, opened by a person
    assert summaries([campaign])[0].shown()["open"] == "100.00%"


def test_a_schedule_held_at_its_time_is_on_the_dashboard(sendable: Sendable) -> None:
    account = sendable.world.alice_account
    Campaign.objects.create(
        account=account,
        name="Advent",
        subject="Advent",
        from_address="a@b.example",
        schedule_held_at=timezone.now(),
        schedule_held_reason="the sender domain is not verified",
    )
    held = [t for t in dashboard(account).todos if t.kind == "schedule"]
    assert len(held) == 1 and held[0].urgent
    assert "Advent" in held[0].text and "not verified" in held[0].text


def test_the_dashboard_counts_contacts_growth_and_campaigns(reported: Sent) -> None:
    account = reported.campaign.account
    found = dashboard(account)
    assert found.statuses[Status.BOUNCED] == 1 and found.statuses[Status.UNSUBSCRIBED] == 1
    # anna bounced, ben complained, kunde left the campaign's list: nobody left to mail
    assert found.mailable == 0
    assert found.statuses[Status.ACTIVE] == 1
    assert [g.days for g in found.growth] == [30, 90]
    last30 = found.growth[0].summed()
    totals = {key: total for key, _name, total in last30}
    assert totals["bounces"] == 1 and totals["complaints"] == 1
    assert totals["unsubscribes"] >= 1
    assert [s.id for s in found.campaigns] == [reported.campaign.pk]
    assert found.charts()["growth-90"]["labels"][-1] == found.growth[1].labels[-1]


def test_growth_is_of_the_account_alone(reported: Sent) -> None:
    other = reported.sendable.world.charlie_account
    assert sum(sum(v) for _k, _n, v in growth(other, 30).series()) == 0


def test_mailable_counts_active_confirmed_contacts(sendable: Sendable) -> None:
    assert dashboard(sendable.world.alice_account).mailable == 3
    assert dashboard(sendable.world.charlie_account).mailable == 1


def test_what_needs_doing_names_unadmitted_lists_and_refused_drafts(sendable: Sendable) -> None:
    world = sendable.world
    assert not [t for t in dashboard(world.alice_account).todos if t.kind == "list"]
    draft = Campaign.objects.create(
        account=world.charlie_account, name="Neu", subject="Neu", from_address="a@b.example"
    )
    found = dashboard(world.charlie_account)
    assert ("list", world.charlie_list.pk) in [(t.kind, t.object_id) for t in found.todos]
    gate = [t for t in found.todos if t.kind == "gate"]
    assert gate and all(t.object_id == draft.pk and "Neu" in t.text for t in gate)


def test_an_overdue_unsubscribe_request_comes_first(sendable: Sendable) -> None:
    from contacts import services as contacts
    from contacts.testing import SYSTEM

    world = sendable.world
    request = contacts.surface_unsubscribe_request(
        world.alice_account,
        "kunde@example.de",
        received_on=date.today() - timedelta(days=30),
        ref="inbound:1",
        actor=SYSTEM,
    )
    found = dashboard(world.alice_account).todos
    assert found[0].kind == "unsubscribe" and found[0].urgent
    assert str(request.due_on) in found[0].text


def test_feedback_arriving_after_the_send_is_counted_at_once(sent: Sent) -> None:
    assert campaign_report(sent.campaign).numbers.bounces.hard == 0  # ledger figures cached
    feedback_about(sent, BOUNCED, "hard_bounce")
    report = campaign_report(sent.campaign)
    assert report.numbers.bounces.hard == 1 and report.numbers.delivered == 2
    assert sum(p.hard_bounces for p in report.providers) == 1
