"""Double opt-in signup (FORM-1..4, CONSENT-2, STATUS-2/4, INDUSTRY-5)."""

from __future__ import annotations

import email
import re
from datetime import timedelta
from email import policy as mail_policy
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from consent import doi
from consent.models import Confirmation, EvidenceRecord, SignupAttempt
from consent.proof import build_bundle
from contacts import services as contacts
from contacts.models import Contact, Subscription, SuppressionReason
from contacts.rules import Cause, Status
from contacts.testing import SYSTEM
from policy import services as policy_services

LINK = re.compile(r"https?://\S+/c/[^/\s]+/")


@pytest.fixture
def signup_form(world: Any):
    return doi.create_form(world.alice_list, actor=SYSTEM, name="Website")


def sent_mails() -> list[email.message.EmailMessage]:
    from carrier.models import CapturedMessage

    return [
        email.message_from_bytes(bytes(m.raw), policy=mail_policy.default)
        for m in CapturedMessage.objects.order_by("pk")
    ]


def post_signup(
    client: Any, form: Any, address: str, *, ip: str = "198.51.100.7", **extra: str
) -> Any:
    """Submit the hosted form; extra keys are form fields, HTTP_* keys request headers."""
    meta = {k: v for k, v in extra.items() if k.startswith("HTTP_")}
    data = {"email": address, "first_name": "Erika", "last_name": "Muster", "consent": "yes"}
    data.update({k: v for k, v in extra.items() if not k.startswith("HTTP_")})
    return client.post(
        reverse("subscriber:signup", args=[form.public_id]),
        data,
        REMOTE_ADDR=ip,
        HTTP_USER_AGENT="Mozilla/5.0 (Test)",
        **meta,
    )


def confirm_link(message: email.message.EmailMessage) -> str:
    body = message.get_body(("plain",)).get_content()
    match = LINK.search(body)
    assert match, body
    return match.group(0)


def test_it_shows_the_hosted_form_in_the_lists_language(client, signup_form) -> None:
    """FORM-1/FORM-4: German list, German page; the consent text is the one shown."""
    response = client.get(reverse("subscriber:signup", args=[signup_form.public_id]))
    html = response.content.decode()
    assert response.status_code == 200 and response["Content-Language"] == "de"
    assert 'lang="de"' in html and "Anmeldung für Newsletter" in html
    assert "Ja, ich möchte den Newsletter" in html and 'name="website"' in html


@pytest.mark.parametrize(
    ("language", "heading"),
    [("de", "Anmeldung für"), ("en", "Subscribe to"), ("fr", "Inscription à")],
)
def test_it_speaks_all_three_languages_by_list_or_browser(world, client, language, heading) -> None:
    """FORM-4: the list's language, or the browser's when the form says so."""
    lst = contacts.create_list(
        world.alice_account, f"News {language}", actor=SYSTEM, language=language
    )
    form = doi.create_form(lst, actor=SYSTEM)
    page = client.get(reverse("subscriber:signup", args=[form.public_id]))
    assert heading in page.content.decode()
    by_browser = doi.create_form(world.alice_list, actor=SYSTEM, language="browser")
    page = client.get(
        reverse("subscriber:signup", args=[by_browser.public_id]),
        HTTP_ACCEPT_LANGUAGE=f"{language};q=1, en;q=0.5",
    )
    assert heading in page.content.decode() and page["Content-Language"] == language


def test_a_signup_sends_a_plain_confirmation_mail_and_records_the_evidence(
    world, client, signup_form
) -> None:
    """FORM-2, CONSENT-2, INDUSTRY-5: pending subscription, mail with date, source, consent text."""
    response = post_signup(client, signup_form, "Neu@Example.DE")
    assert response.status_code == 302
    assert response["Location"] == reverse("subscriber:signup_thanks", args=[signup_form.public_id])
    contact = Contact.objects.get(account=world.alice_account, address="Neu@example.de")
    sub = Subscription.objects.get(contact=contact, list=world.alice_list)
    assert sub.state == "pending"
    [mail] = sent_mails()
    assert mail["To"] == "Neu@example.de" and "Newsletter" in mail["Subject"]
    assert mail["Auto-Submitted"] == "auto-generated"
    body = mail.get_body(("plain",)).get_content()
    assert "Ja, ich möchte den Newsletter" in body  # the consent text
    # The person knows the company: its imprint name, else the account's name.
    company = world.alice_account.imprint_name or world.alice_account.name
    assert f"von {company}" in mail["Subject"] and f"von {company}" in body
    assert "Datum und Uhrzeit der Anmeldung:" in body and "Quelle:" in body
    assert confirm_link(mail).startswith("http")
    assert "Neu@example.de" not in confirm_link(mail)  # the token names the confirmation
    record = EvidenceRecord.objects.get(contact=contact, kind="signup.submitted")
    assert record.payload["message_id"] == mail["Message-ID"]
    assert record.wording is not None and record.wording.version == 1
    [personal] = [
        r["personal"]
        for r in build_bundle(world.alice_account, "Neu@example.de")["records"]
        if r["kind"] == "signup.submitted"
    ]
    assert personal["ip"] == "198.51.100.7" and personal["user_agent"] == "Mozilla/5.0 (Test)"


def test_a_get_on_the_link_shows_a_button_and_confirms_nothing(world, client, signup_form) -> None:
    """FORM-2: link scanners fetch with GET; only the button's POST confirms."""
    post_signup(client, signup_form, "scan@example.de")
    link = confirm_link(sent_mails()[0])
    page = client.get(link)
    assert page.status_code == 200 and b'<form method="post">' in page.content
    assert Subscription.objects.get(contact__address="scan@example.de").state == "pending"
    assert not EvidenceRecord.objects.filter(kind="signup.confirmed").exists()


def test_the_post_confirms_and_both_records_are_in_the_proof(world, client, signup_form) -> None:
    """FORM-2, CONSENT-2/3: contact A, subscription confirmed, evidence at both steps."""
    post_signup(client, signup_form, "ja@example.de")
    mail = sent_mails()[0]
    response = client.post(confirm_link(mail), REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Phone")
    assert response.status_code == 200 and "Anmeldung bestätigt" in response.content.decode()
    contact = Contact.objects.get(address="ja@example.de")
    assert contact.status == "A" and contact.legal_basis == "double_opt_in"
    assert Subscription.objects.get(contact=contact).state == "confirmed"
    bundle = build_bundle(world.alice_account, "ja@example.de")
    records = {r["kind"]: r for r in bundle["records"]}
    submitted, confirmed = records["signup.submitted"], records["signup.confirmed"]
    assert submitted["wording"]["text"].startswith("Ja, ich möchte")
    assert confirmed["wording"]["version"] == submitted["wording"]["version"]
    assert confirmed["facts"]["message_id"] == mail["Message-ID"]
    assert confirmed["personal"] == {"ip": "203.0.113.9", "user_agent": "Phone"}
    again = client.post(confirm_link(mail))
    assert again.status_code == 200
    assert EvidenceRecord.objects.filter(kind="signup.confirmed").count() == 1


def test_a_tampered_token_shows_a_clear_page_and_changes_nothing(client, signup_form) -> None:
    post_signup(client, signup_form, "tamper@example.de")
    link = confirm_link(sent_mails()[0])
    forged = link[:-3] + ("A" if link[-3] != "A" else "B") + link[-2:]
    for method in (client.get, client.post):
        page = method(forged)
        assert page.status_code == 404 and "Dieser Link ist ungültig" in page.content.decode()
    other = doi.confirmation_token(Confirmation.objects.get()).replace(":", ":9", 1)
    assert client.post(f"/c/{other}/").status_code == 404
    assert Subscription.objects.get(contact__address="tamper@example.de").state == "pending"


def test_an_expired_token_shows_a_clear_page_and_changes_nothing(client, signup_form) -> None:
    post_signup(client, signup_form, "spaet@example.de")
    Confirmation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    page = client.post(confirm_link(sent_mails()[0]))
    assert page.status_code == 410 and "abgelaufen" in page.content.decode()
    assert Subscription.objects.get(contact__address="spaet@example.de").state == "pending"


def test_a_syntax_error_shows_the_form_again_in_its_language(client, signup_form) -> None:
    page = post_signup(client, signup_form, "kein-at-zeichen")
    assert page.status_code == 400
    assert "Bitte geben Sie eine gültige E-Mail-Adresse ein." in page.content.decode()
    no_consent = post_signup(client, signup_form, "ok@example.de", consent="")
    assert no_consent.status_code == 400 and "Häkchen" in no_consent.content.decode()
    assert sent_mails() == []


# --- FORM-3: every refusal, each logged with its reason, each behind the same page ----------


def _refused(client: Any, form: Any, address: str, reason: str, **kwargs: Any) -> None:
    before = len(sent_mails())
    response = post_signup(client, form, address, **kwargs)
    assert response.status_code == 302  # the neutral page, as for an accepted signup
    assert response["Location"].endswith("/thanks/")
    assert len(sent_mails()) == before, "no mail on a refusal"
    last = SignupAttempt.objects.order_by("-pk").first()
    assert (last.outcome, last.reason) == ("refused", reason)


def test_it_refuses_a_filled_honeypot(client, signup_form) -> None:
    _refused(client, signup_form, "bot@example.de", "honeypot", website="http://spam.example")
    assert not Contact.objects.filter(address="bot@example.de").exists()


def test_it_rate_limits_per_ip(world, client, signup_form) -> None:
    policy_services.set_value("form.rate_limit_per_ip_per_hour", "2")
    post_signup(client, signup_form, "a1@example.de")
    post_signup(client, signup_form, "a2@example.de")
    _refused(client, signup_form, "a3@example.de", "rate_limit_ip")
    post_signup(client, signup_form, "a4@example.de", ip="198.51.100.8")
    assert len(sent_mails()) == 3


def test_it_rate_limits_per_address(client, signup_form) -> None:
    policy_services.set_value("form.rate_limit_per_address_per_hour", "2")
    post_signup(client, signup_form, "oft@example.de", ip="192.0.2.1")
    post_signup(client, signup_form, "oft@example.de", ip="192.0.2.2")
    _refused(client, signup_form, "oft@example.de", "rate_limit_address", ip="192.0.2.3")


def test_it_sends_at_most_one_pending_confirmation_per_address_per_hour(
    client, signup_form
) -> None:
    post_signup(client, signup_form, "zweimal@example.de")
    _refused(client, signup_form, "zweimal@example.de", "confirmation_pending", ip="192.0.2.9")
    Confirmation.objects.update(created_at=timezone.now() - timedelta(minutes=61))
    post_signup(client, signup_form, "zweimal@example.de", ip="192.0.2.10")
    assert len(sent_mails()) == 2


def test_it_sends_nothing_to_role_addresses(client, signup_form) -> None:
    """FORM-3, IMPORT-8."""
    _refused(client, signup_form, "info@example.de", "role_address")


def test_it_sends_nothing_to_suppressed_addresses(client, signup_form) -> None:
    contacts.suppress("falle@example.de", SuppressionReason.SPAM_TRAP)
    _refused(client, signup_form, "falle@example.de", "suppressed")


def test_it_sends_nothing_to_someone_already_confirmed(world, client, signup_form) -> None:
    _refused(client, signup_form, "kunde@example.de", "already_confirmed")


# --- STATUS-2/4: coming back only through the confirmation ----------------------------------


def test_an_unsubscribed_contact_returns_to_a_only_by_confirming(
    world, client, signup_form
) -> None:
    contact = world.alice_contact
    contacts.change_status(contact, Status.UNSUBSCRIBED, actor=SYSTEM, cause=Cause.UNSUBSCRIBE_LINK)
    post_signup(client, signup_form, "kunde@example.de")
    contact.refresh_from_db()
    assert contact.status == "U", "the form post alone never reactivates"
    client.post(confirm_link(sent_mails()[0]))
    contact.refresh_from_db()
    assert contact.status == "A"


def test_a_deleted_contact_comes_back_with_the_new_data_only(world, client, signup_form) -> None:
    """STATUS-4: the erased data does not come back; what the person enters now does."""
    contact = world.add_contact(world.alice_account, "wieder@example.de", first_name="Alt")
    contacts.delete_contact(contact, actor=SYSTEM)
    post_signup(client, signup_form, "wieder@example.de", first_name="Neu", last_name="")
    contact.refresh_from_db()
    assert contact.status == "D" and contact.address == ""
    client.post(confirm_link(sent_mails()[0]))
    contact.refresh_from_db()
    assert (contact.status, contact.address, contact.first_name) == (
        "A",
        "wieder@example.de",
        "Neu",
    )


# --- expiry ----------------------------------------------------------------------------------


def test_unconfirmed_signups_expire_and_are_purged_with_evidence(
    world, client, signup_form
) -> None:
    """FORM-2: the pending subscription goes; a contact made by the signup is erased again."""
    post_signup(client, signup_form, "nie@example.de")
    contacts.change_status(
        world.alice_contact, Status.UNSUBSCRIBED, actor=SYSTEM, cause=Cause.UNSUBSCRIBE_LINK
    )
    post_signup(client, signup_form, "kunde@example.de", ip="192.0.2.50")
    assert doi.expire_pending(now=timezone.now()) == 0
    assert doi.expire_pending(now=timezone.now() + timedelta(days=8)) == 2
    new = Contact.objects.get(account=world.alice_account, status="D")
    assert new.address == "" and not Subscription.objects.filter(contact=new).exists()
    assert EvidenceRecord.objects.filter(contact=new, kind="signup.expired").exists()
    kept = Contact.objects.get(pk=world.alice_contact.pk)
    assert kept.status == "U" and kept.address == "kunde@example.de"
    assert Subscription.objects.get(contact=kept).state == "confirmed"  # its old subscription stays
    assert all(c.state == "expired" and c.sealed_entry is None for c in Confirmation.objects.all())
    page = client.post(confirm_link(sent_mails()[0]))
    assert page.status_code == 410


def test_the_client_ip_ignores_forwarded_headers_from_untrusted_peers(
    world, client, signup_form, settings
) -> None:
    """FORM-2: never trust X-Forwarded-For blindly."""
    post_signup(
        client, signup_form, "ip1@example.de", ip="198.51.100.20", HTTP_X_FORWARDED_FOR="1.2.3.4"
    )
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    post_signup(
        client,
        signup_form,
        "ip2@example.de",
        ip="10.1.2.3",
        HTTP_X_FORWARDED_FOR="203.0.113.77, 10.9.9.9",
    )
    ips = {}
    for address in ("ip1@example.de", "ip2@example.de"):
        [rec] = [
            r
            for r in build_bundle(world.alice_account, address)["records"]
            if r["kind"] == "signup.submitted"
        ]
        ips[address] = rec["personal"]["ip"]
    assert ips == {"ip1@example.de": "198.51.100.20", "ip2@example.de": "203.0.113.77"}


def test_each_signup_cites_the_consent_text_version_it_showed(world, client, signup_form) -> None:
    post_signup(client, signup_form, "v1@example.de")
    doi.set_consent_text(signup_form, "Neuer Text der Einwilligung.", actor=SYSTEM)
    post_signup(client, signup_form, "v2@example.de", ip="192.0.2.77")
    versions = {
        r.contact.address: r.wording.version
        for r in EvidenceRecord.objects.filter(kind="signup.submitted").select_related(
            "wording", "contact"
        )
    }
    assert versions == {"v1@example.de": 1, "v2@example.de": 2}
