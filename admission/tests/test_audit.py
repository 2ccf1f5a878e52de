"""AUDIT-1 and AUDIT-4 against a real DNS server on loopback: the audit's classes and
counts, its decision at 9.9 % and 10.1 %, the problem addresses kept out of sends, the audit
before a list's first send, and the bounce attestation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from admission import selectors, services
from admission.models import AuditState
from admission.rules import Standing
from admission.testing import bulk_members, mail_domains
from consent.models import EvidenceRecord
from contacts import services as contacts
from contacts.testing import SYSTEM
from core.errors import InvalidInput, RuleViolation
from delivery.models import SendLedgerEntry

pytestmark = pytest.mark.django_db(transaction=True)


def attest(lst: Any) -> None:
    services.attest_bounces_removed(lst, actor=SYSTEM, cleaned_on=timezone.localdate())


def audit(lst: Any) -> Any:
    found = services.start_audit(lst, actor=SYSTEM, run=False)
    return services.run_audit(found.pk)


def test_it_classes_each_address_asking_each_domain_once(world: Any, dns_server: Any) -> None:
    """AUDIT-1 i-v: MX, A only, NXDOMAIN, null MX and a silent server; a timeout is
    unknown, never a problem."""
    lst = world.alice_list
    mail_domains(dns_server, "example.de", "mx.example")
    dns_server.a("a-only.example", "192.0.2.10")
    dns_server.mx("nullmx.example", ".", preference=0)
    dns_server.a("slow.example", "192.0.2.11")
    dns_server.silence("slow.example")
    bulk_members(
        lst,
        [
            "anna@mx.example",
            "ben@mx.example",
            "info@mx.example",
            "carl@a-only.example",
            "dora@nx.example",
            "emil@nullmx.example",
            "fritz@slow.example",
        ],
    )
    done = audit(lst)
    assert done.state == AuditState.DONE
    assert done.total == 8 and done.domains == 6
    assert done.counts == {
        "role": 1,
        "no_mail_domain": 2,
        "unknown_domain_state": 1,
    }
    assert done.problems == 3
    examples = selectors.examples_of(done)
    assert sorted(examples["no_mail_domain"]) == ["dora@nx.example", "emil@nullmx.example"]
    mx_asked = [name for name, qtype in dns_server.zone.queries if qtype == "MX"]
    assert sorted(set(mx_asked)) == sorted(mx_asked)  # each domain once
    assert dict(selectors.problem_addresses(done)) == {
        "info@mx.example": "role",
        "dora@nx.example": "no_mail_domain",
        "emil@nullmx.example": "no_mail_domain",
    }


@pytest.mark.parametrize(("problems", "admitted"), [(99, True), (101, False)])
def test_the_audit_decides_at_the_limit(
    world: Any, dns_server: Any, problems: int, admitted: bool
) -> None:
    """AUDIT-1: 9.9 % problem addresses admit the list, 10.1 % do not, and the list's
    page says what to clean."""
    lst = contacts.create_list(world.alice_account, "Messe", actor=SYSTEM)
    mail_domains(dns_server, "good.example")
    good = [f"p{n}@good.example" for n in range(1000 - problems)]
    bad = [f"info{n}@nowhere.example" for n in range(problems)]
    bulk_members(lst, good + bad)
    attest(lst)
    done = audit(lst)
    assert done.total == 1000 and done.problems == problems
    lst.refresh_from_db()
    assert lst.admitted is admitted
    found = selectors.standing_of(lst)
    if admitted:
        assert found.standing == Standing.ADMITTED
    else:
        assert found.standing == Standing.AUDIT_FAILED
        assert "10.1%" in found.reason and "10%" in found.reason
    assert EvidenceRecord.objects.filter(kind="list.audited").count() == 1


def test_problem_addresses_stay_out_of_a_send_of_a_list_that_passed(
    sendable: Any, dns_server: Any
) -> None:
    """AUDIT-1: excluded from sends even when the list passes."""
    mail_domains(dns_server, "example.org", "example.net", "example.de")
    bulk_members(sendable.lst, ["dora@nx.example", *(f"m{n}@example.org" for n in range(10))])
    done = audit(sendable.lst)
    assert done.problems == 1 and done.admitted
    assert sendable.start() == 13
    addresses = set(SendLedgerEntry.objects.values_list("contact__address", flat=True))
    assert "dora@nx.example" not in addresses


def test_a_list_is_audited_before_its_first_send(sendable: Any, dns_server: Any) -> None:
    """AUDIT-1: automatically, before a list's first regular send; then admitted."""
    mail_domains(dns_server, "example.org", "example.net", "example.de")
    lst = contacts.set_list_admission(sendable.lst, actor=SYSTEM, admitted=False)
    attest(lst)
    assert sendable.start() == 3
    (found,) = selectors.audits_of(lst)
    assert found.trigger == "first_send" and found.state == AuditState.DONE
    lst.refresh_from_db()
    assert lst.admitted


def test_an_unattested_list_is_refused_with_the_reason(sendable: Any, dns_server: Any) -> None:
    """AUDIT-4 and SEND-2: the gate names what the list still needs."""
    mail_domains(dns_server, "example.org", "example.net", "example.de")
    contacts.set_list_admission(sendable.lst, actor=SYSTEM, admitted=False)
    with pytest.raises(RuleViolation) as refused:
        sendable.start()
    assert any("hard bounces were removed" in d for d in refused.value.details)


def test_the_attestation_is_evidence_in_the_words_shown(world: Any) -> None:
    """AUDIT-4: within the last two months, not in the future; recorded with its wording."""
    lst = world.alice_list
    today = timezone.localdate()
    with pytest.raises(InvalidInput):
        services.attest_bounces_removed(lst, actor=SYSTEM, cleaned_on=today + timedelta(days=1))
    with pytest.raises(RuleViolation):
        services.attest_bounces_removed(lst, actor=SYSTEM, cleaned_on=today - timedelta(days=61))
    done = services.attest_bounces_removed(lst, actor=SYSTEM, cleaned_on=today - timedelta(days=60))
    record = EvidenceRecord.objects.get(kind="list.bounces_removed_attested")
    assert record.seq == done.record_seq
    assert record.wording is not None and "hard-bounced" in record.wording.text
    assert record.payload["cleaned_on"] == (today - timedelta(days=60)).isoformat()


def test_an_operators_mark_overrides_the_audit_with_a_reason(world: Any, dns_server: Any) -> None:
    """SEND-2: the manual mark stays, recorded with reason and actor; handed back, the
    decisions apply again."""
    lst = world.alice_list
    operator = SYSTEM.__class__("operator", "olga")
    with pytest.raises(InvalidInput):
        services.mark(lst, actor=operator, admitted=True, reason=" ")
    services.mark(lst, actor=operator, admitted=True, reason="known customer list, checked by hand")
    attest(lst)
    bulk_members(lst, [f"x{n}@nowhere.example" for n in range(5)])
    audit(lst)
    lst.refresh_from_db()
    assert lst.admitted and lst.admission_override  # the failed audit did not undo it
    services.hand_back(lst, actor=operator, reason="audit decides")
    lst.refresh_from_db()
    assert not lst.admitted and not lst.admission_override
    record = EvidenceRecord.objects.filter(kind="list.admission_changed").first()
    assert record is not None


def test_an_erased_contact_leaves_the_audits_examples(world: Any, dns_server: Any) -> None:
    """STATUS-4: examples are shown by the address the contact has now."""
    mail_domains(dns_server, "example.de")
    (role,) = bulk_members(world.alice_list, ["info@example.de"])
    done = audit(world.alice_list)
    assert selectors.examples_of(done) == {"role": ["info@example.de"]}
    contacts.delete_contact(role, actor=SYSTEM)
    assert selectors.examples_of(done) == {"role": []}
    assert list(selectors.problem_addresses(done)) == []
