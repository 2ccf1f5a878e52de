"""AUDIT-2: a list's first send goes to a random sample of at most 10 % at reduced speed;
the rest is held; after the waiting window the sample's hard-bounce and complaint rates
decide; an operator may override with a recorded reason."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from admission import selectors, services
from admission.models import SampleSend
from admission.rules import SampleState, Standing
from admission.testing import bulk_members, mail_domains
from campaigns.models import Campaign
from campaigns.rules import CampaignState
from contacts import services as contacts
from contacts.testing import SYSTEM
from core.actors import Actor
from delivery import sends
from delivery.models import LedgerState, SendLedgerEntry
from policy import services as policy

pytestmark = pytest.mark.django_db(transaction=True)
OPERATOR = Actor("operator", "olga")


def prepare(sendable: Any, dns_server: Any, lst: Any = None, members: int = 197) -> Any:
    """A list of 200 that passed its audit, attested, of an account that must sample."""
    mail_domains(dns_server, "example.org", "example.net", "example.de")
    lst = lst or sendable.lst
    policy.set_value("audit.sample_required", "true", account=sendable.world.alice_account)
    lst = contacts.set_list_admission(lst, actor=SYSTEM, admitted=False)
    if members:
        bulk_members(lst, [f"s{n}@example.org" for n in range(members)])
    services.attest_bounces_removed(lst, actor=SYSTEM, cleaned_on=timezone.localdate())
    found = services.start_audit(lst, actor=SYSTEM, run=False)
    assert services.run_audit(found.pk).admitted
    assert selectors.standing_of(lst).standing == Standing.SAMPLE_DUE
    return lst


def window_passed(campaign: Campaign) -> None:
    sends.tend()  # the sample's messages are out: its verdict time is set
    sample = SampleSend.objects.get(campaign_id=campaign.pk)
    assert sample.verdict_at is not None and sample.verdict_at > timezone.now()
    sends.tend()  # within the window nothing is decided
    assert SampleSend.objects.get(pk=sample.pk).state == SampleState.SENDING
    SampleSend.objects.filter(pk=sample.pk).update(verdict_at=timezone.now() - timedelta(seconds=1))
    sends.tend()


def test_the_sample_goes_first_and_the_rest_after_its_verdict(
    sendable: Any, dns_server: Any
) -> None:
    """At most 10 %, the rest held; under the thresholds the list is admitted and the rest
    goes."""
    lst = prepare(sendable, dns_server)
    assert sendable.start() == 20  # 10 % of 200
    campaign = Campaign.objects.get(pk=sendable.campaign.pk)
    assert campaign.state == CampaignState.SENDING  # not finished: the rest is held
    assert SendLedgerEntry.objects.filter(state=LedgerState.SENT).count() == 20
    assert len(sendable.smtp.messages) == 20
    assert selectors.standing_of(lst).standing == Standing.SAMPLING
    window_passed(campaign)
    sample = SampleSend.objects.get(campaign_id=campaign.pk)
    assert sample.state == SampleState.PASSED and sample.size == 20 and sample.population == 200
    lst.refresh_from_db()
    assert lst.admitted
    assert SendLedgerEntry.objects.filter(state=LedgerState.SENT).count() == 200
    assert len(sendable.smtp.messages) == 200  # once each
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.FINISHED


def test_two_samples_draw_different_contacts(sendable: Any, dns_server: Any) -> None:
    """Random: two runs over the same 200 people do not pick the same 20."""
    lst = prepare(sendable, dns_server)
    campaign = sendable.campaign
    first = set(sends.sample_population(campaign, [lst]).order_by("?")[:20].values_list("pk"))
    sendable.start()
    drawn = set(SendLedgerEntry.objects.values_list("contact_id"))
    assert len(drawn) == 20 and len(first) == 20
    assert drawn != first


def test_a_sample_over_the_hard_bounce_rate_is_not_admitted(sendable: Any, dns_server: Any) -> None:
    """QUALITY-1 on the sample: 1 of 20 (5 %) passes, 2 of 20 (10 %) do not; the send is
    cancelled, its rest never goes, and the account sees why."""
    lst = prepare(sendable, dns_server)
    with transaction.atomic():  # the batches run once this commits
        sendable.start()
        rows = list(SendLedgerEntry.objects.values_list("contact__address", flat=True)[:2])
        for address in rows:
            sendable.smtp.refuse_recipient(address, "550 5.1.1 no such mailbox")
    window_passed(Campaign.objects.get(pk=sendable.campaign.pk))
    sample = SampleSend.objects.get(campaign_id=sendable.campaign.pk)
    assert sample.state == SampleState.FAILED
    assert "2 hard bounces of 20 messages" in sample.reason
    lst.refresh_from_db()
    assert not lst.admitted
    found = selectors.standing_of(lst)
    assert found.standing == Standing.SAMPLE_FAILED and "hard bounces" in found.reason
    campaign = Campaign.objects.get(pk=sendable.campaign.pk)
    assert campaign.state == CampaignState.CANCELLED
    assert SendLedgerEntry.objects.count() == 20


def test_a_sample_at_the_hard_bounce_limit_passes(sendable: Any, dns_server: Any) -> None:
    lst = prepare(sendable, dns_server)
    with transaction.atomic():
        sendable.start()
        address = SendLedgerEntry.objects.values_list("contact__address", flat=True).first()
        sendable.smtp.refuse_recipient(address, "550 5.1.1 no such mailbox")
    window_passed(Campaign.objects.get(pk=sendable.campaign.pk))
    assert SampleSend.objects.get().state == SampleState.PASSED
    lst.refresh_from_db()
    assert lst.admitted


def test_a_sample_over_the_complaint_rate_is_not_admitted(
    sendable: Any, dns_server: Any, sandbox_outbox: Any, settings: Any
) -> None:
    """QUALITY-2 on the sample: a complaint in 20 messages is above 0.5 %."""
    from feedback.simulate import simulate

    settings.SMTP_URL = ""
    lst = prepare(sendable, dns_server)
    sendable.start()
    simulate(sandbox_outbox.messages()[0], "complaint")
    window_passed(Campaign.objects.get(pk=sendable.campaign.pk))
    sample = SampleSend.objects.get()
    assert sample.state == SampleState.FAILED and "complaint" in sample.reason
    lst.refresh_from_db()
    assert not lst.admitted


def test_an_operator_overrides_a_sample_with_a_reason(sendable: Any, dns_server: Any) -> None:
    """AUDIT-2: the operator may decide against or before the verdict; recorded."""
    lst = prepare(sendable, dns_server)
    sendable.start()
    campaign = Campaign.objects.get(pk=sendable.campaign.pk)
    with pytest.raises(Exception, match="reason"):
        sends.override_sample(campaign, admitted=True, reason="", actor=OPERATOR)
    sends.override_sample(campaign, admitted=True, reason="known sender", actor=OPERATOR)
    sample = SampleSend.objects.get()
    assert sample.state == SampleState.OVERRIDDEN and sample.decided_by == "operator:olga"
    lst.refresh_from_db()
    assert lst.admitted and lst.admission_override
    assert SendLedgerEntry.objects.filter(state=LedgerState.SENT).count() == 200


def test_a_sample_runs_at_reduced_speed(sendable: Any, dns_server: Any) -> None:
    """AUDIT-2, SEND-5: the plan of a sample's batches goes at the reduced share."""
    from delivery.plan import plan_for

    prepare(sendable, dns_server)
    with transaction.atomic():
        sendable.start()
        campaign = Campaign.objects.select_related("account").get(pk=sendable.campaign.pk)
        lane = plan_for(campaign).pace.lane("example.org")
    (send_rate,) = [b.per_minute for b in lane if b.key == f"send:{campaign.pk}"]
    assert send_rate == 200 * 60 // 4  # send.rate_per_second at send.reduced_speed_share
