"""Read queries of list admission: a list's audits, findings, attestation and sample, and
where it stands (for the gate, SEND-2, and the list's page)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from admission import rules
from admission.models import AuditFinding, AuditState, BounceAttestation, ListAudit, SampleSend
from admission.rules import ListFacts, SampleState, Standing
from contacts.models import Contact, List, SubscriptionState
from contacts.rules import Status
from core.errors import NotFound
from policy.selectors import value, values

if TYPE_CHECKING:
    from accounts.models import Account


def members_query(lst: List) -> QuerySet[Contact]:
    """Who an audit checks: the list's confirmed, active contacts (AUDIT-1)."""
    return Contact.objects.filter(
        account_id=lst.account_id,
        status=Status.ACTIVE,
        subscriptions__list=lst,
        subscriptions__state=SubscriptionState.CONFIRMED,
    ).exclude(address="")


def audits_of(lst: List) -> QuerySet[ListAudit]:
    return ListAudit.objects.filter(list=lst)


def latest_audit(lst: List) -> ListAudit | None:
    return audits_of(lst).first()


def audit_of(account: Account, audit_id: int) -> ListAudit:
    found = ListAudit.objects.filter(account=account, pk=audit_id).select_related("list").first()
    if found is None:
        raise NotFound("no such audit")
    return found


def latest_attestation(lst: List) -> BounceAttestation | None:
    return BounceAttestation.objects.filter(list=lst).select_related("wording").first()


def latest_sample(lst: List) -> SampleSend | None:
    return SampleSend.objects.filter(lists=lst).first()


def sample_of_campaign(campaign_id: int) -> SampleSend | None:
    return SampleSend.objects.filter(campaign_id=campaign_id).first()


def samples_waiting() -> QuerySet[SampleSend]:
    return SampleSend.objects.filter(state=SampleState.SENDING).select_related("account")


def is_problem_address(contact_ref: str = "pk") -> Exists:
    """AUDIT-1 in SQL: the contact is a problem address of a list's current audit; kept out
    of every send even when the list passed."""
    return Exists(AuditFinding.objects.filter(contact_id=OuterRef(contact_ref), current=True))


def problem_addresses(audit: ListAudit) -> Iterator[tuple[str, str]]:
    """(address, classes) of each problem address an audit found, for the download."""
    rows = (
        AuditFinding.objects.filter(audit=audit)
        .exclude(contact__address="")
        .order_by("pk")
        .values_list("contact__address", "classes")
    )
    yield from rows.iterator(chunk_size=5000)


def examples_of(audit: ListAudit) -> dict[str, list[str]]:
    """The audit's examples of each class by their addresses now (erased ones left out)."""
    ids = {pk for shown in audit.examples.values() for pk in shown}
    addresses = dict(
        Contact.objects.filter(pk__in=ids).exclude(address="").values_list("pk", "address")
    )
    return {
        name: [addresses[pk] for pk in shown if pk in addresses]
        for name, shown in audit.examples.items()
    }


def problems_csv(audit: ListAudit) -> str:
    """The download of what to clean: one problem address a line with its classes."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["address", "classes"])
    writer.writerows(problem_addresses(audit))
    return out.getvalue()


def problems_filename(audit: ListAudit) -> str:
    return f"audit-{audit.pk}-problems.csv"


def facts_of(lst: List) -> ListFacts:
    fresh = List.objects.get(pk=lst.pk)
    audit = latest_audit(fresh)
    sample = latest_sample(fresh)
    return ListFacts(
        admitted=fresh.admitted,
        blocked=fresh.blocked,
        override=fresh.admission_override,
        attested=BounceAttestation.objects.filter(list=fresh).exists(),
        audit_state=audit.state if audit is not None else "",
        audit_passed=bool(audit is not None and audit.admitted),
        sample_required=bool(value("audit.sample_required", fresh.account)),
        sample_state=sample.state if sample is not None else "",
    )


@dataclass(frozen=True)
class ListStanding:
    """Where a list stands, why, and what the account can do next (page and gate)."""

    standing: Standing
    reason: str
    audit: ListAudit | None
    sample: SampleSend | None
    attestation: BounceAttestation | None

    @property
    def admitted(self) -> bool:
        return self.standing == Standing.ADMITTED

    @property
    def sample_due(self) -> bool:
        return self.standing == Standing.SAMPLE_DUE


def standing_of(lst: List) -> ListStanding:
    facts = facts_of(lst)
    audit = latest_audit(lst)
    sample = latest_sample(lst)
    found = rules.standing(facts)
    return ListStanding(
        found, _reason(found, lst, audit, sample), audit, sample, latest_attestation(lst)
    )


def _reason(found: Standing, lst: List, audit: ListAudit | None, sample: SampleSend | None) -> str:
    if found == Standing.ADMITTED:
        return _("The list is admitted for sending.")
    if found == Standing.BLOCKED:
        return _("The list is blocked: %(reason)s") % {"reason": lst.admission_reason or "—"}
    if found == Standing.REFUSED:
        return _("An operator withdrew the admission: %(reason)s") % {
            "reason": lst.admission_reason or "—"
        }
    if found == Standing.NOT_ATTESTED:
        return _("Attest that hard bounces were removed from the list within the last two months.")
    if found == Standing.AUDITING:
        return _("The list's audit is running; the send can start once it has passed.")
    if found == Standing.NOT_AUDITED:
        if audit is not None and audit.state == AuditState.FAILED:
            return _("The list's audit could not finish; run it again.")
        return _("The list has not been audited yet.")
    if found == Standing.AUDIT_FAILED:
        assert audit is not None
        return _(
            "The audit found %(share)s problem addresses, above the limit of %(limit)s: "
            "remove them from the list and audit it again."
        ) % {"share": f"{audit.share:.1%}", "limit": f"{audit.limit:.0%}"}
    if found == Standing.SAMPLE_DUE:
        return _(
            "The list's first send goes to a random sample first; the rest waits for its verdict."
        )
    if found == Standing.SAMPLING:
        return _("The list's sample send is under way; its verdict comes after its window.")
    assert sample is not None
    return _("The sample send broke the policy: %(reason)s") % {"reason": sample.reason}


def gate_facts(lst: List) -> tuple[bool, bool, str]:
    """For the compliance gate (SEND-2): (admitted, the send takes the list's next step,
    why not admitted). That step is its first audit, started by the send (AUDIT-1), or its
    sample (AUDIT-2)."""
    found = standing_of(lst)
    if found.admitted:
        return True, False, ""
    first_audit = found.standing == Standing.NOT_AUDITED and found.audit is None
    return False, found.sample_due or first_audit, found.reason


def stale_rule(account: Account) -> rules.Freshness:
    found = values(("freshness.consent_max_age_days", "freshness.unused_consent_days"), account)
    return rules.Freshness(
        first_mail_days=int(found["freshness.consent_max_age_days"]),
        unused_days=int(found["freshness.unused_consent_days"]),
    )
