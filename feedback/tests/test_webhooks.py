"""Provider webhooks for bounces and complaints (BOUNCE-2, BOUNCE-1, COMPLAINT-1, STATUS-3):
a campaign sent to a real SMTP server, then each provider's documented payload with its
signature or authentication makes the bounced contact B and the complaining one U; a
forged request is refused and changes nothing; the same event twice counts once."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.core.cache import cache
from django.test import Client

from contacts.models import Contact
from contacts.rules import Status
from delivery import ledger
from delivery.sends import run_batch
from delivery.testing import Sendable
from feedback import sns
from feedback.models import FeedbackEvent, InboundMessage, InboundState

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "consentry:5PdEw2kJ9fQxR7mZ3vLc"
TOPIC = "arn:aws:sns:eu-west-1:123456789012:consentry-ses-feedback"
MAILGUN_KEY = "key-7f3c1e0b9a2d4c6e8f1a3b5c7d9e0f21"
BASIC = "Basic " + base64.b64encode(SECRET.encode()).decode()
FORGED = "Basic " + base64.b64encode(b"consentry:guessed").decode()


@dataclass
class Sent:
    """A campaign sent to three contacts; `mail(i)` is (recipient, Message-ID) of one."""

    sendable: Sendable

    def mail(self, index: int) -> tuple[str, str]:
        message = self.sendable.smtp.messages[index]
        return message.rcpt_tos[0], str(message.parsed()["Message-ID"])

    def status(self, address: str) -> str:
        return Contact.objects.get(pk=self.contact(address).pk).status

    def contact(self, address: str) -> Contact:
        return next(c for c in self.sendable.contacts if c.address == address)


def self_signed(key: rsa.RSAPrivateKey) -> bytes:
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "sns.amazonaws.com")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime(2026, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2027, 1, 1, tzinfo=UTC))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(Encoding.PEM)


# Amazon's signing key and certificate, as far as these tests know (SNS signs with SHA256).
SNS_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
SNS_CERT = self_signed(SNS_KEY)
SNS_CERT_URL = (
    f"https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-{uuid.uuid4().hex}.pem"
)


def sns_signed(message: dict[str, Any], key: rsa.RSAPrivateKey = SNS_KEY) -> dict[str, Any]:
    message = {**message, "SignatureVersion": "2", "SigningCertURL": SNS_CERT_URL}
    signature = key.sign(sns.string_to_sign(message), padding.PKCS1v15(), hashes.SHA256())
    return {**message, "Signature": base64.b64encode(signature).decode()}


@pytest.fixture
def secrets(settings: Any, monkeypatch: pytest.MonkeyPatch) -> ec.EllipticCurvePrivateKey:
    """Every provider configured; returns the key SendGrid signs its events with."""
    monkeypatch.setattr(sns, "fetch_certificate", lambda url: SNS_CERT)
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    settings.WEBHOOK_SECRET = SECRET
    settings.MAILGUN_WEBHOOK_SIGNING_KEY = MAILGUN_KEY
    settings.SENDGRID_WEBHOOK_VERIFICATION_KEY = base64.b64encode(public).decode()
    settings.SES_SNS_TOPIC_ARNS = [TOPIC]
    return key


@pytest.fixture
def sent(sendable: Sendable, secrets: Any) -> Sent:
    sendable.start()
    for batch in sorted(ledger.batches_with_work(sendable.campaign)):
        run_batch(sendable.campaign.pk, batch)
    assert len(sendable.smtp.messages) == 3
    return Sent(sendable)


def post(path: str, body: bytes, **headers: str) -> Any:
    return Client().post(path, body, content_type="application/json", **headers)


def assert_nothing_changed(sent: Sent) -> None:
    assert not FeedbackEvent.objects.exists()
    assert not InboundMessage.objects.exists()
    for contact in sent.sendable.contacts:
        assert sent.status(contact.address) == Status.ACTIVE


def assert_bounced_and_complained(sent: Sent, bounced: str, complained: str, esp: str) -> None:
    assert sent.status(bounced) == Status.BOUNCED  # STATUS-3: the first hard bounce
    assert sent.status(complained) == Status.UNSUBSCRIBED  # COMPLAINT-1
    others = [c.address for c in sent.sendable.contacts if c.address not in (bounced, complained)]
    (third,) = others
    assert sent.status(third) == Status.ACTIVE
    hard = FeedbackEvent.objects.get(kind="bounce")
    assert (hard.hard, hard.reason, hard.status) == (True, "user_unknown", "5.1.1")
    assert hard.entry.campaign == sent.sendable.campaign
    assert FeedbackEvent.objects.get(kind="complaint").contact == sent.contact(complained)
    routes = set(InboundMessage.objects.values_list("route", "state"))
    assert routes == {(f"webhook:{esp}", InboundState.PROCESSED)}
    # The raw event is kept as it arrived, for the record and the review queue.
    assert all(json.loads(bytes(m.raw)) for m in InboundMessage.objects.all())


# Amazon SES through SNS ---------------------------------------------------------------


def ses_notification(
    ses_event: dict[str, Any], topic: str = TOPIC, **changes: Any
) -> tuple[bytes, str]:
    message_id = str(uuid.uuid4())
    message = sns_signed(
        {
            "Type": "Notification",
            "MessageId": message_id,
            "TopicArn": topic,
            "Message": json.dumps(ses_event),
            "Timestamp": "2026-12-01T10:15:02.123Z",
            "UnsubscribeURL": "https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe",
        }
    )
    return json.dumps({**message, **changes}).encode(), message_id


def ses_mail(recipient: str, message_id: str) -> dict[str, Any]:
    # SES gives the message its own id and keeps ours among the original headers.
    return {
        "timestamp": "2026-12-01T10:15:00.000Z",
        "source": "news@news.alice-shop.example",
        "messageId": "0102018d2c3f6a1b-7e9c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b-000000",
        "destination": [recipient],
        "headersTruncated": False,
        "headers": [
            {"name": "From", "value": "Alice Shop <news@news.alice-shop.example>"},
            {"name": "To", "value": recipient},
            {"name": "Message-ID", "value": message_id},
            {"name": "Subject", "value": "Herbst bei Alice"},
        ],
        "commonHeaders": {"from": ["news@news.alice-shop.example"], "to": [recipient]},
    }


def ses_post(body: bytes, sns_id: str, auth: str = BASIC) -> Any:
    return post(
        "/webhooks/amazon_ses/tracking/",
        body,
        HTTP_X_AMZ_SNS_MESSAGE_TYPE="Notification",
        HTTP_X_AMZ_SNS_MESSAGE_ID=sns_id,
        HTTP_AUTHORIZATION=auth,
    )


def test_bounce_2_amazon_ses_bounce_and_complaint_make_the_contacts_b_and_u(sent: Sent) -> None:
    (bounced, bounced_id), (complained, complained_id) = sent.mail(0), sent.mail(1)
    bounce: dict[str, Any] = {
        "notificationType": "Bounce",
        "bounce": {
            "bounceType": "Permanent",
            "bounceSubType": "General",
            "bouncedRecipients": [
                {
                    "emailAddress": bounced,
                    "action": "failed",
                    "status": "5.1.1",
                    "diagnosticCode": f"smtp; 550 5.1.1 <{bounced}>: Recipient address rejected",
                }
            ],
            "timestamp": "2026-12-01T10:15:01.000Z",
            "feedbackId": "0102018d2c3f6c2d-feedback-000000",
            "reportingMTA": "dsn; a8-70.smtp-out.amazonses.com",
        },
        "mail": ses_mail(bounced, bounced_id),
    }
    body, sns_id = ses_notification(bounce)
    # Forged: no credentials (SNS first asks for them), wrong ones, or another topic.
    assert ses_post(body, sns_id, auth="").status_code == 401
    assert ses_post(body, sns_id, auth=FORGED).status_code == 400
    other_body, other_id = ses_notification(bounce, topic=TOPIC.replace("feedback", "other"))
    assert ses_post(other_body, other_id).status_code == 400
    # A message SNS did not sign: altered, or signed with a key named by another host.
    altered = {**bounce, "bounce": {**bounce["bounce"], "bounceType": "Transient"}}
    forged_body, forged_id = ses_notification(bounce, Message=json.dumps(altered))
    assert ses_post(forged_body, forged_id).status_code == 400
    elsewhere = "https://sns.eu-west-1.amazonaws.com.attacker.example/cert.pem"
    assert ses_post(*ses_notification(bounce, SigningCertURL=elsewhere)).status_code == 400
    assert_nothing_changed(sent)

    assert ses_post(body, sns_id).status_code == 200
    complaint = {
        "notificationType": "Complaint",
        "complaint": {
            "complainedRecipients": [{"emailAddress": complained}],
            "timestamp": "2026-12-01T11:02:00.000Z",
            "feedbackId": "0102018d2c3f7d3e-feedback-000000",
            "userAgent": "Yahoo!-Mail-Feedback/2.0",
            "complaintFeedbackType": "abuse",
            "arrivalDate": "2026-12-01T10:15:03.000Z",
        },
        "mail": ses_mail(complained, complained_id),
    }
    assert ses_post(*ses_notification(complaint)).status_code == 200
    assert_bounced_and_complained(sent, bounced, complained, "amazon_ses")
    # The same event delivered twice (SNS retries) counts once.
    assert ses_post(body, sns_id).status_code == 200
    assert FeedbackEvent.objects.filter(kind="bounce").count() == 1
    assert "already recorded" in InboundMessage.objects.order_by("pk").last().reason


def test_an_sns_subscription_confirmation_waits_for_an_operator(secrets: Any) -> None:
    body = json.dumps(
        sns_signed(
            {
                "Type": "SubscriptionConfirmation",
                "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
                "Token": "2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92",
                "TopicArn": TOPIC,
                "Message": "You have chosen to subscribe to the topic.",
                "SubscribeURL": "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription",
                "Timestamp": "2026-12-01T09:00:00.000Z",
            }
        )
    ).encode()
    response = post(
        "/webhooks/amazon_ses/tracking/",
        body,
        HTTP_X_AMZ_SNS_MESSAGE_TYPE="SubscriptionConfirmation",
        HTTP_X_AMZ_SNS_MESSAGE_ID="165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
        HTTP_AUTHORIZATION=BASIC,
    )
    assert response.status_code == 200
    message = InboundMessage.objects.get()
    assert message.state == InboundState.REVIEW
    assert "Action=ConfirmSubscription" in message.reason


# SendGrid -----------------------------------------------------------------------------


def sendgrid_post(body: bytes, key: ec.EllipticCurvePrivateKey, **extra: str) -> Any:
    timestamp = "1764584100"
    signature = base64.b64encode(key.sign(timestamp.encode() + body, ec.ECDSA(hashes.SHA256())))
    headers = {
        "HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_SIGNATURE": signature.decode(),
        "HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_TIMESTAMP": timestamp,
        "HTTP_AUTHORIZATION": BASIC,
        **extra,
    }
    return post("/webhooks/sendgrid/tracking/", body, **headers)


def test_bounce_2_sendgrid_signed_events_make_the_contacts_b_and_u(
    sent: Sent, secrets: ec.EllipticCurvePrivateKey
) -> None:
    (bounced, bounced_id), (complained, _) = sent.mail(0), sent.mail(1)
    events = [
        {
            "email": bounced,
            "timestamp": 1764584000,
            "smtp-id": bounced_id,
            "event": "bounce",
            "category": ["newsletter"],
            "sg_event_id": "ZGVmZXJyZWQtMC0xLTE3NjQ1ODQwMDA",
            "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0",
            "reason": "550 5.1.1 The email account that you tried to reach does not exist.",
            "status": "5.1.1",
            "type": "bounce",
            "bounce_classification": "Invalid Address",
        },
        {
            "email": complained,
            "timestamp": 1764587600,
            "event": "spamreport",
            "sg_event_id": "c3BhbXJlcG9ydC0wLTE3NjQ1ODc2MDA",
            "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.1",
        },
    ]
    body = json.dumps(events).encode()
    forger = ec.generate_private_key(ec.SECP256R1())
    assert sendgrid_post(body, forger).status_code == 400
    assert sendgrid_post(body, secrets, HTTP_AUTHORIZATION=FORGED).status_code == 400
    assert_nothing_changed(sent)

    assert sendgrid_post(body, secrets).status_code == 200
    assert_bounced_and_complained(sent, bounced, complained, "sendgrid")
    assert sendgrid_post(body, secrets).status_code == 200
    assert FeedbackEvent.objects.count() == 2


def test_a_relay_refusing_an_address_unsubscribed_there_is_no_bounce_but_waits_for_review(
    secrets: ec.EllipticCurvePrivateKey,
) -> None:
    dropped = {
        "email": "someone@example.org",
        "timestamp": 1764584000,
        "smtp-id": "<nope@news.alice-shop.example>",
        "event": "dropped",
        "reason": "Unsubscribed Address",
        "sg_event_id": "ZHJvcHBlZC0wLTE3NjQ1ODQwMDA",
        "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.2",
    }
    assert sendgrid_post(json.dumps([dropped]).encode(), secrets).status_code == 200
    message = InboundMessage.objects.get()
    assert message.state == InboundState.REVIEW and "unsubscribed" in message.reason
    assert not FeedbackEvent.objects.exists()


# Mailgun ------------------------------------------------------------------------------


def mailgun_body(event_data: dict[str, Any], key: str = MAILGUN_KEY) -> bytes:
    timestamp, token = "1764584100", uuid.uuid4().hex + uuid.uuid4().hex[:18]
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256)
    return json.dumps(
        {
            "signature": {
                "timestamp": timestamp,
                "token": token,
                "signature": signature.hexdigest(),
            },
            "event-data": event_data,
        }
    ).encode()


def mailgun_post(body: bytes) -> Any:
    return post("/webhooks/mailgun/tracking/", body, HTTP_AUTHORIZATION=BASIC)


def mailgun_message(recipient: str, message_id: str) -> dict[str, Any]:
    # Mailgun quotes the Message-ID without its angle brackets.
    return {
        "headers": {
            "to": recipient,
            "message-id": message_id.strip("<>"),
            "from": "Alice Shop <news@news.alice-shop.example>",
            "subject": "Herbst bei Alice",
        },
        "attachments": [],
        "size": 14233,
    }


def test_bounce_2_mailgun_signed_events_make_the_contacts_b_and_u(sent: Sent) -> None:
    (bounced, bounced_id), (complained, complained_id) = sent.mail(0), sent.mail(1)
    failed = {
        "event": "failed",
        "id": "G9Bn5sl1TC6r3M8OtzS8Gw",
        "timestamp": 1764584000.120,
        "log-level": "error",
        "severity": "permanent",
        "reason": "bounce",
        "recipient": bounced,
        "recipient-domain": bounced.rpartition("@")[2],
        "message": mailgun_message(bounced, bounced_id),
        "delivery-status": {
            "attempt-no": 1,
            "code": 550,
            "enhanced-code": "5.1.1",
            "message": "5.1.1 The email account that you tried to reach does not exist.",
            "description": "",
            "session-seconds": 0.43,
            "mx-host": "mx.example.org",
        },
        "tags": [],
        "user-variables": {},
    }
    body = mailgun_body(failed)
    assert mailgun_post(mailgun_body(failed, key="key-guessed")).status_code == 400
    unsigned = json.loads(body)
    del unsigned["signature"]
    assert mailgun_post(json.dumps(unsigned).encode()).status_code == 400
    assert_nothing_changed(sent)

    assert mailgun_post(body).status_code == 200
    complaint = {
        "event": "complained",
        "id": "-Agny091SquKnsrW2NEKUA",
        "timestamp": 1764587600.0,
        "log-level": "warn",
        "recipient": complained,
        "message": mailgun_message(complained, complained_id),
        "tags": [],
        "user-variables": {},
    }
    assert mailgun_post(mailgun_body(complaint)).status_code == 200
    assert_bounced_and_complained(sent, bounced, complained, "mailgun")
    # The same event in a second delivery (a new token) counts once.
    assert mailgun_post(mailgun_body(failed)).status_code == 200
    assert FeedbackEvent.objects.count() == 2
    # Mailgun's signature does not cover the body: a seen token never comes back, not even
    # to another web process (whose local cache never saw it: the store is shared).
    cache.clear()
    replayed = json.loads(body)
    replayed["event-data"]["recipient"] = complained
    assert mailgun_post(json.dumps(replayed).encode()).status_code == 400
    assert mailgun_post(body).status_code == 400
    assert InboundMessage.objects.count() == 3


# Postmark -----------------------------------------------------------------------------


def postmark_post(event: dict[str, Any], auth: str = BASIC) -> Any:
    return post("/webhooks/postmark/tracking/", json.dumps(event).encode(), HTTP_AUTHORIZATION=auth)


def postmark_record(record_type: str, kind: str, recipient: str, **fields: Any) -> dict[str, Any]:
    # Postmark names the message by its own id; the recipient matches the ledger row.
    return {
        "RecordType": record_type,
        "ID": 4323372036854775807,
        "Type": kind,
        "MessageID": str(uuid.uuid4()),
        "ServerID": 23,
        "MessageStream": "broadcast",
        "Tag": "",
        "Metadata": {},
        "Email": recipient,
        "From": "news@news.alice-shop.example",
        "BouncedAt": "2026-12-01T10:15:01Z",
        "Subject": "Herbst bei Alice",
        "DumpAvailable": True,
        "Inactive": True,
        "CanActivate": True,
        **fields,
    }


def test_bounce_2_postmark_events_with_basic_auth_make_the_contacts_b_and_u(sent: Sent) -> None:
    (bounced, _), (complained, _), (deferred, _) = sent.mail(0), sent.mail(1), sent.mail(2)
    hard = postmark_record(
        "Bounce",
        "HardBounce",
        bounced,
        TypeCode=1,
        Name="Hard bounce",
        Description="The server was unable to deliver your message (ex: unknown user).",
        Details="smtp;550 5.1.1 The email account that you tried to reach does not exist.",
    )
    assert postmark_post(hard, auth=FORGED).status_code == 400
    assert postmark_post(hard, auth="").status_code == 400
    assert_nothing_changed(sent)

    assert postmark_post(hard).status_code == 200
    complaint = postmark_record(
        "SpamComplaint",
        "SpamComplaint",
        complained,
        TypeCode=512,
        Name="Spam complaint",
        Description="The subscriber explicitly marked this message as spam.",
        Details="Reported through the feedback loop of the mailbox provider.",
    )
    assert postmark_post(complaint).status_code == 200
    # A transient failure is a soft bounce: counted, the contact stays active (STATUS-3).
    transient = postmark_record(
        "Bounce",
        "Transient",
        deferred,
        TypeCode=2,
        Description="The server could not temporarily deliver your message.",
        Details="smtp;451 4.2.2 The email account that you tried to reach is over quota.",
    )
    assert postmark_post(transient).status_code == 200
    soft = FeedbackEvent.objects.get(contact=sent.contact(deferred))
    assert (soft.hard, soft.reason) == (False, "mailbox_full")
    assert sent.status(deferred) == Status.ACTIVE
    soft.delete()
    assert_bounced_and_complained(sent, bounced, complained, "postmark")
    assert postmark_post(complaint).status_code == 200
    assert FeedbackEvent.objects.filter(kind="complaint").count() == 1


def test_an_unmatched_provider_event_waits_for_review(secrets: Any) -> None:
    hard = postmark_record(
        "Bounce", "HardBounce", "stranger@example.org", Details="smtp;550 5.1.1 no such user"
    )
    assert postmark_post(hard).status_code == 200
    message = InboundMessage.objects.get()
    assert message.state == InboundState.REVIEW
    assert "matches no message we sent" in message.reason
    assert not FeedbackEvent.objects.exists()


def test_bounce_1_an_authenticated_event_anymail_cannot_read_waits_for_review(
    secrets: Any,
) -> None:
    # Postmark's inbound webhook pointed at the tracking URL by mistake.
    inbound = {
        "FromFull": {"Email": "someone@example.org", "Name": "Someone"},
        "ToFull": [{"Email": "news@news.alice-shop.example"}],
        "Subject": "Re: Herbst bei Alice",
        "TextBody": "Thank you!",
    }
    assert postmark_post(inbound).status_code == 200
    message = InboundMessage.objects.get()
    assert (message.route, message.state) == ("webhook:postmark", InboundState.REVIEW)
    assert "inbound" in message.reason and json.loads(bytes(message.raw)) == inbound
    # A stranger's unreadable post is refused before anything is kept.
    assert postmark_post(inbound, auth=FORGED).status_code == 400
    assert InboundMessage.objects.count() == 1


@pytest.mark.parametrize("esp", ["amazon_ses", "sendgrid", "mailgun", "postmark"])
def test_an_unconfigured_provider_answers_404(esp: str) -> None:
    assert post(f"/webhooks/{esp}/tracking/", b"{}").status_code == 404
    assert post("/webhooks/generic/", b"{}").status_code == 404


# The generic JSON webhook -------------------------------------------------------------


def generic_post(
    body: bytes, secret: str = SECRET, *, timestamp: int | None = None, **headers: str
) -> Any:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signed = stamp.encode() + b"." + body
    signature = "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    headers.setdefault("HTTP_X_CONSENTRY_SIGNATURE", signature)
    headers.setdefault("HTTP_X_CONSENTRY_TIMESTAMP", stamp)
    return post("/webhooks/generic/", body, **headers)


def test_bounce_2_the_generic_webhook_applies_a_signed_bounce_and_complaint(sent: Sent) -> None:
    (bounced, bounced_id), (complained, complained_id) = sent.mail(0), sent.mail(1)
    bounce = {
        "event": "bounce",
        "recipient": bounced,
        "message_id": bounced_id,
        "status": "5.1.1",
        "diagnostic": f"550 5.1.1 <{bounced}>: Recipient address rejected: User unknown",
    }
    body = json.dumps(bounce).encode()
    response = generic_post(body)
    assert response.status_code == 200 and response.json()["state"] == "processed"
    complaint = {"event": "complaint", "recipient": complained, "message_id": complained_id}
    assert generic_post(json.dumps(complaint).encode()).status_code == 200
    assert_bounced_and_complained(sent, bounced, complained, "generic")
    # The same body again, even signed anew, is a replay: refused, whichever process.
    cache.clear()
    replayed = generic_post(body)
    assert replayed.status_code == 409 and "received before" in replayed.json()["error"]
    assert FeedbackEvent.objects.count() == 2
    assert Client().get("/webhooks/generic/").status_code == 405


def test_the_generic_webhook_refuses_a_forged_or_missing_signature(sent: Sent) -> None:
    recipient, message_id = sent.mail(0)
    bounce = {
        "event": "bounce",
        "recipient": recipient,
        "message_id": message_id,
        "status": "5.1.1",
    }
    body = json.dumps(bounce).encode()
    assert generic_post(body, secret="consentry:guessed").status_code == 403
    assert generic_post(body, HTTP_X_CONSENTRY_SIGNATURE="").status_code == 403
    assert generic_post(body, HTTP_X_CONSENTRY_SIGNATURE="sha256=zz").status_code == 403
    # A signature of the body alone (no timestamp), an old or a future timestamp: refused.
    body_only = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert generic_post(body, HTTP_X_CONSENTRY_SIGNATURE=body_only).status_code == 403
    assert generic_post(body, HTTP_X_CONSENTRY_TIMESTAMP="").status_code == 403
    assert generic_post(body, timestamp=int(time.time()) - 301).status_code == 403
    assert generic_post(body, timestamp=int(time.time()) + 301).status_code == 403
    assert_nothing_changed(sent)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"{not json", "not JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"event": "opened", "recipient": "a@example.org"}', '"event"'),
        (b'{"event": "bounce", "recipient": "nobody"}', '"recipient"'),
        (b'{"event": "bounce", "recipient": "a@example.org", "status": 550}', '"status"'),
    ],
)
def test_the_generic_webhook_answers_400_to_a_malformed_body(
    secrets: Any, body: bytes, error: str
) -> None:
    response = generic_post(body)
    assert response.status_code == 400
    assert error in response.json()["error"]
    assert not InboundMessage.objects.exists()


def test_the_generic_webhook_is_rate_limited_per_client_address(
    secrets: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.WEBHOOK_MAX_PER_MINUTE = 2
    monkeypatch.setattr("core.ratelimit.time.time", lambda: 1764584100.0)  # one window
    bodies = [f'{{"event": "bounce", "recipient": "a{n}@example.org"}}'.encode() for n in range(4)]
    statuses = [generic_post(body, REMOTE_ADDR="198.51.100.7").status_code for body in bodies[:3]]
    assert statuses == [200, 200, 429]
    assert generic_post(bodies[3], REMOTE_ADDR="198.51.100.8").status_code == 200


def test_the_system_checks_refuse_a_bad_sendgrid_key_and_warn_of_a_short_secret(
    settings: Any,
) -> None:
    from feedback.checks import check_webhook_secrets

    settings.SENDGRID_WEBHOOK_VERIFICATION_KEY = "not-a-key"
    settings.WEBHOOK_SECRET = "consentry:short"
    assert [p.id for p in check_webhook_secrets()] == ["feedback.E001", "feedback.W001"]
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    der = key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    settings.SENDGRID_WEBHOOK_VERIFICATION_KEY = base64.b64encode(der).decode()
    settings.WEBHOOK_SECRET = SECRET
    assert check_webhook_secrets() == []


def test_an_sns_signature_is_checked_against_the_message_and_amazons_host() -> None:
    message = sns_signed(
        {
            "Type": "Notification",
            "MessageId": "b5a1d7c6-0f7e-4a5e-9d1c-2f3e4a5b6c7d",
            "TopicArn": TOPIC,
            "Subject": "Amazon SES Email Event Notification",
            "Message": '{"notificationType": "Bounce"}',
            "Timestamp": "2026-12-01T10:15:02.123Z",
        }
    )
    sns.verify(message, fetch=lambda url: SNS_CERT)
    with pytest.raises(sns.BadSignature, match="does not match"):
        sns.verify({**message, "Subject": "changed"}, fetch=lambda url: SNS_CERT)
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(sns.BadSignature, match="does not match"):
        sns.verify(sns_signed(message, key=other_key), fetch=lambda url: SNS_CERT)
    with pytest.raises(sns.BadSignature, match="not an Amazon SNS https URL"):
        sns.verify({**message, "SigningCertURL": "http://sns.eu-west-1.amazonaws.com/c.pem"})


def test_industry_4_a_provider_event_is_classified_like_a_dsn() -> None:
    """Our Message-ID wins over the provider's id (SES quotes ours among the headers); a
    deferral is never hard, whatever its code; a 5.7.26 is the sender's problem."""
    from feedback.parsers.report import OriginalMessage
    from feedback.webhooks import ProviderEvent, to_report

    ses = ProviderEvent(
        esp="amazon_ses",
        kind="bounce",
        recipient="anna@example.org",
        message_id="0102018d2c3f6a1b-000000",
        status="5.1.1",
        original=OriginalMessage(message_id="<20261201.abc@news.alice-shop.example>"),
    )
    report = to_report(ses)
    assert report.original.message_id == "<20261201.abc@news.alice-shop.example>"
    assert (report.failed[0].reason, report.failed[0].hard) == ("user_unknown", True)
    deferral = to_report(ProviderEvent("sendgrid", "deferral", "anna@example.org", status="5.1.1"))
    assert deferral.failed[0].hard is False
    dmarc = to_report(
        ProviderEvent(
            "postmark",
            "bounce",
            "anna@example.org",
            diagnostic="smtp;550 5.7.26 Unauthenticated email is not accepted",
        )
    )
    result = dmarc.failed[0]
    assert (result.status, result.hard, result.sender_side) == ("5.7.26", False, True)
