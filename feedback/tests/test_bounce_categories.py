"""BOUNCE-1, INDUSTRY-4: each way a bounce used to be misread, with messages written here
(not the shared corpus): rejections after DATA, delivery-time expiry, Google Groups and
bulk-marked bounces, unknown mailboxes and hosts, the formats that name their recipient
in their own way, SES / JMRP / success reports, and one result per recipient."""

from __future__ import annotations

import base64
import json

import pytest

from feedback.parsers import FeedbackReport, parse_feedback


def dsn(*groups: str, text: str = "", headers: str = "") -> bytes:
    """An RFC 3464 report: one field group per recipient, and the human text part."""
    fields = "\n\n".join(groups)
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\n"
        "Subject: Undelivered Mail Returned to Sender\n" + headers + "MIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n'
        f"--b\nContent-Type: text/plain\n\n{text}\n\n"
        "--b\nContent-Type: message/delivery-status\n\n"
        f"Reporting-MTA: dns; mx.example.net\n\n{fields}\n\n"
        "--b\nContent-Type: text/rfc822-headers\n\n"
        "From: news@news.example.com\nMessage-ID: <m1@news.example.com>\n\n--b--\n"
    ).encode()


def group(recipient: str, status: str, diagnostic: str = "", action: str = "failed") -> str:
    lines = [f"Final-Recipient: rfc822; {recipient}", f"Action: {action}", f"Status: {status}"]
    if diagnostic:
        lines.append(f"Diagnostic-Code: smtp; {diagnostic}")
    return "\n".join(lines)


def plain(subject: str, body: str, *, sender: str = "MAILER-DAEMON@mx.example.net") -> bytes:
    return (
        f"From: Mail Delivery System <{sender}>\nSubject: {subject}\n"
        f"Content-Type: text/plain; charset=utf-8\n\n{body}\n"
    ).encode()


def only(report: FeedbackReport) -> tuple[str, str, str, bool, bool]:
    (result,) = report.recipients
    return (report.kind, result.recipient, result.reason, result.hard, result.sender_side)


# -- rejections of the message after DATA are not "user unknown" --------------------------


@pytest.mark.parametrize(
    ("diagnostic", "reason"),
    [
        ("550 5.7.1 Message rejected as spam by Content Filtering", "spam_block"),
        ("554 5.7.1 Blocked by policy: message refused", "policy_block"),
        ("550 5.7.1 Service unavailable, client host blocked using zen.spamhaus.org", "spam_block"),
        ("550 Message filtered. Refer to the Troubleshooting page", "content_rejected"),
        ("552 5.3.4 Message size exceeds fixed maximum message size", "content_rejected"),
    ],
)
def test_a_content_or_policy_rejection_is_the_senders_and_soft(
    diagnostic: str, reason: str
) -> None:
    report = parse_feedback(dsn(group("lea@example.org", "5.0.0", diagnostic)))
    assert only(report) == ("bounce", "lea@example.org", reason, False, True)


def test_user_unknown_words_after_data_are_a_filters_verdict() -> None:
    """The recipient was accepted at RCPT TO; the refusal came after the message was read."""
    text = (
        "<lea@example.org>: host mx.example.org[192.0.2.1] said: 550 : User unknown (in reply\n"
        "    to end of DATA command)"
    )
    report = parse_feedback(dsn(group("lea@example.org", "5.0.0", "550 : User unknown"), text=text))
    assert only(report) == ("bounce", "lea@example.org", "content_rejected", False, True)


@pytest.mark.parametrize(
    ("status", "diagnostic", "reason"),
    [
        # User-unknown words that nothing backs (no address code, no command): soft.
        ("5.0.0", "550 <lea@example.org>: User unknown", "user_unknown"),
        # A name server that did not answer is no proof that the domain is gone.
        ("4.4.3", "Name service error: Host not found, try again", "other"),
    ],
)
def test_answers_that_prove_nothing_about_the_address_are_soft(
    status: str, diagnostic: str, reason: str
) -> None:
    report = parse_feedback(dsn(group("lea@example.org", status, diagnostic)))
    assert only(report) == ("bounce", "lea@example.org", reason, False, False)


# -- delivery-time expiry ------------------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        dsn(group("tom@example.org", "4.4.7", "retry timeout exceeded")),
        dsn(group("tom@example.org", "5.4.7", "Delivery time expired")),
        dsn(
            group("tom@example.org", "4.4.1", ""),
            text="<tom@example.org>: connect to mx.example.org[192.0.2.9]:25: Connection timed out",
        ),
        plain(
            "Mail delivery failed",
            "There was an error delivering your mail to <tom@example.org>.\n\n"
            "Could not deliver for the last 432000 seconds. Giving up.\n",
        ),
        plain(
            "Returned mail: see transcript for details",
            "tom@example.org\n    Message expired: the message was in the queue too long\n",
        ),
    ],
)
def test_delivery_time_expiry_is_expired(message: bytes) -> None:
    report = parse_feedback(message)
    assert only(report) == ("bounce", "tom@example.org", "expired", False, False)


# -- bounces that carry automatic-reply markers --------------------------------------------


GOOGLE_GROUPS = (
    b"From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
    b"Subject: Delivery Status Notification (Failure)\n"
    b"Auto-Submitted: auto-replied\n"
    b"X-Failed-Recipients: team@groups.example.org\n"
    b"Content-Type: text/plain; charset=UTF-8\n\n"
    b"Hello news@news.example.com,\n\n"
    b"We're writing to let you know that the group you tried to contact (team) may not\n"
    b"exist, or you may not have permission to post messages to the group.\n"
)
BULK_POSTFIX = (
    b"From: MAILER-DAEMON@mail.example.net (Mail Delivery System)\n"
    b"Subject: Undelivered Mail Returned to Sender\nPrecedence: bulk\n"
    b"Content-Type: text/plain\n\n"
    b"<ida@example.org>: host mx.example.org[192.0.2.7] said: 550 5.1.1\n"
    b"    <ida@example.org>: Recipient address rejected: User unknown (in reply to RCPT\n"
    b"    TO command)\n"
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (GOOGLE_GROUPS, ("bounce", "team@groups.example.org", "policy_block", False, True)),
        (BULK_POSTFIX, ("bounce", "ida@example.org", "user_unknown", True, False)),
    ],
)
def test_a_bounce_with_automatic_reply_markers_is_still_a_bounce(
    raw: bytes, expected: tuple[str, str, str, bool, bool]
) -> None:
    """Google Groups' refusal (Auto-Submitted) and a Postfix bounce marked Precedence: bulk."""
    assert only(parse_feedback(raw)) == expected


# -- unknown mailboxes and hosts -----------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "diagnostic", "text"),
    [
        ("5.2.1", "550 5.2.1 <ole@example.org>... User Unknown", ">>> RCPT To:<ole@example.org>"),
        (
            "5.0.0",
            "550 <ole@example.org>: Recipient address rejected: User unknown in local table",
            "<ole@example.org>: host mx said: 550 ... (in reply to RCPT TO command)",
        ),
        ("5.1.1", "550 5.1.1 The email account that you tried to reach does not exist", ""),
        ("5.0.0", "550 Requested action not taken: mailbox unavailable", ""),
        ("5.7.1", "553 Invalid recipient ole@example.org", ">>> RCPT TO:<ole@example.org>"),
    ],
)
def test_mailbox_unknown_answers_are_user_unknown_and_hard(
    status: str, diagnostic: str, text: str
) -> None:
    report = parse_feedback(dsn(group("ole@example.org", status, diagnostic), text=text))
    assert only(report) == ("bounce", "ole@example.org", "user_unknown", True, False)


@pytest.mark.parametrize(
    "message",
    [
        dsn(group("eve@nowhere.example", "5.0.0", "554 550 Host unknown (Authoritative answer)")),
        dsn(group("eve@nowhere.example", "5.4.4", "Host or domain name not found")),
        dsn(
            group("eve@nowhere.example", "5.0.0"),
            text="eve@nowhere.example: Domain does not exist",
        ),
    ],
)
def test_host_unknown_is_domain_unknown_and_hard(message: bytes) -> None:
    report = parse_feedback(message)
    assert only(report) == ("bounce", "eve@nowhere.example", "domain_unknown", True, False)


# -- formats that name their recipient in their own way ------------------------------------


@pytest.mark.parametrize(
    ("subject", "body", "reason", "hard"),
    [
        (  # Lotus Domino / Notes
            "Undeliverable message",
            "------- Failure Reasons  --------\n\nUser not listed in Domino Directory\n"
            "max@example.org\n\n------- Returned Message --------\n",
            "user_unknown",
            True,
        ),
        (  # Exchange 2003
            "Undeliverable: Autumn news",
            "Your message\n\n  To:      news@news.example.com\n  Subject: Autumn news\n\n"
            "did not reach the following recipient(s):\n\n"
            "max@example.org on Mon, 30 Nov 2026 10:00:00 +0100\n"
            "    The recipient name is not recognized\n",
            "user_unknown",
            True,
        ),
        (  # DragonFly Mail Agent
            "Mail delivery failed",
            "This is the DragonFly Mail Agent at df.example.net.\n\n"
            "There was an error delivering your mail to <max@example.org>.\n\n"
            "mx.example.org [192.0.2.25] did not like our RCPT TO:\n"
            "550 5.1.1 <max@example.org>: Recipient address rejected: User unknown\n\n"
            "Message headers follow.\n",
            "user_unknown",
            True,
        ),
        (  # OpenSMTPD
            "Delivery status notification: error",
            "    An error has occurred while attempting to deliver a message for\n"
            "    the following list of recipients:\n\n"
            "max@example.org: 552 5.2.2 <max@example.org>: Mailbox full\n\n"
            "    Below is a copy of the original message:\n",
            "mailbox_full",
            False,
        ),
        (  # qmail: the refusal came at RCPT TO ("does not like recipient")
            "failure notice",
            "Hi. This is the qmail-send program at mx.example.net.\n\n<max@example.org>:\n"
            "192.0.2.1 does not like recipient.\n"
            "Remote host said: 550 Requested action not taken: no such user here\n"
            "Giving up on 192.0.2.1.\n",
            "user_unknown",
            True,
        ),
        (  # Lotus Domino
            "DELIVERY FAILURE: User max not listed in Domino Directory",
            "Your message\n\n  Subject: News\n\nwas not delivered to:\n\n  max@example.org\n\n"
            "because:\n\n  User max (max@example.org) not listed in Domino Directory\n",
            "user_unknown",
            True,
        ),
        (  # Exim: no host to deliver to
            "Mail delivery failed: returning message to sender",
            "A message that you sent could not be delivered to one or more of its\n"
            "recipients. This is a permanent error. The following address(es) failed:\n\n"
            "  max@example.org\n    all relevant MX records point to non-existent hosts\n",
            "domain_unknown",
            True,
        ),
        (  # Sendmail giving up after days in the queue
            "Returned mail: Cannot send message for 5 days",
            "   ----- The following addresses had permanent fatal errors -----\n"
            "<max@example.org>\n\n   ----- Transcript of session follows -----\n"
            "451 example.org: Name server timeout\nMessage could not be delivered for 5 days\n",
            "expired",
            False,
        ),
        (  # a Japanese gateway: the address under a heading, the reply below it
            "failure notice",
            "以下のメールアドレスへの送信に失敗しました。\nmax@example.org\n\n\n"
            "-------server message\n550 5.2.2 mailbox full\n",
            "mailbox_full",
            False,
        ),
    ],
)
def test_formats_that_name_the_recipient_their_own_way(
    subject: str, body: str, reason: str, hard: bool
) -> None:
    report = parse_feedback(plain(subject, body, sender="postmaster@mx.example.net"))
    assert only(report) == ("bounce", "max@example.org", reason, hard, False)


def test_report_fields_quoted_in_a_forwarded_text_are_read() -> None:
    body = (
        "The following is the error message.\n\n"
        "Reporting-MTA: dns; relay.example.net\n\n"
        "Final-Recipient: rfc822; kai@example.org\nAction: failed\nStatus: 5.1.1\n"
        "Diagnostic-Code: smtp; 550 5.1.1 <kai@example.org>: User unknown\n"
    )
    report = parse_feedback(plain("Undelivered Mail Returned to Sender", body))
    assert only(report) == ("bounce", "kai@example.org", "user_unknown", True, False)


# -- what is not a bounce: SES notifications, JMRP complaints, success reports -------------


def ses_mail(notification: dict[str, object], *, envelope: bool) -> bytes:
    body = json.dumps(notification)
    if envelope:
        body = json.dumps({"Type": "Notification", "Message": body})
    return (
        "From: AWS Notifications <no-reply@sns.amazonaws.com>\n"
        f"Subject: AWS Notification Message\nContent-Type: text/plain\n\n{body}\n"
    ).encode()


@pytest.mark.parametrize("envelope", [True, False])
def test_an_amazon_ses_bounce_notification_is_a_bounce(envelope: bool) -> None:
    notification = {
        "notificationType": "Bounce",
        "bounce": {
            "bounceType": "Permanent",
            "bounceSubType": "General",
            "bouncedRecipients": [
                {
                    "emailAddress": "ana@example.org",
                    "status": "5.1.1",
                    "diagnosticCode": "smtp; 550 5.1.1 user unknown",
                },
                {"emailAddress": "ben@example.org"},
            ],
        },
        "mail": {"headers": [{"name": "Message-ID", "value": "<m9@news.example.com>"}]},
    }
    report = parse_feedback(ses_mail(notification, envelope=envelope))
    assert report.kind == "bounce" and report.source_format == "ses"
    assert report.original.message_id == "<m9@news.example.com>"
    assert [(r.recipient, r.reason, r.hard) for r in report.recipients] == [
        ("ana@example.org", "user_unknown", True),
        ("ben@example.org", "other", False),
    ]


def test_amazon_ses_complaint_and_delivery_notifications() -> None:
    complaint = parse_feedback(
        ses_mail(
            {
                "notificationType": "Complaint",
                "complaint": {"complainedRecipients": [{"emailAddress": "cem@example.org"}]},
                "mail": {},
            },
            envelope=True,
        )
    )
    assert complaint.kind == "complaint"
    assert [r.recipient for r in complaint.recipients] == ["cem@example.org"]
    delivery = parse_feedback(
        ses_mail(
            {"notificationType": "Delivery", "delivery": {"recipients": ["cem@example.org"]}},
            envelope=False,
        )
    )
    assert delivery.kind == "delivered" and not delivery.failed


def test_a_microsoft_jmrp_report_is_a_complaint() -> None:
    raw = (
        b"From: staff@hotmail.com\nSubject: complaint about message from 192.0.2.9\n"
        b'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="j"\n\n'
        b"--j\nContent-Type: message/rfc822\n\n"
        b"X-HmXmrOriginalRecipient: una@hotmail.com\nFrom: news@news.example.com\n"
        b"To: una@hotmail.com\nMessage-ID: <m5@news.example.com>\nSubject: News\n\nHello\n"
        b"--j--\n"
    )
    report = parse_feedback(raw)
    assert report.kind == "complaint"
    assert [r.recipient for r in report.recipients] == ["una@hotmail.com"]


def test_a_success_report_is_delivered() -> None:
    report = parse_feedback(dsn(group("dan@example.org", "2.0.0", "250 2.0.0 Ok", "delivered")))
    assert report.kind == "delivered" and not report.failed


# -- every recipient of a report is its own result -----------------------------------------


def test_each_recipient_of_a_report_is_its_own_result() -> None:
    report = parse_feedback(
        dsn(
            group("a@example.org", "5.1.1", "550 5.1.1 user unknown"),
            group("b@example.org", "5.2.2", "552 5.2.2 mailbox full"),
            group("c@example.org", "5.7.26", "550 5.7.26 DMARC policy"),
            group("d@example.org", "4.4.7", "delivery time expired", "delayed"),
        )
    )
    assert [(r.recipient, r.reason, r.hard, r.action) for r in report.recipients] == [
        ("a@example.org", "user_unknown", True, "failed"),
        ("b@example.org", "mailbox_full", False, "failed"),
        ("c@example.org", "auth_failure", False, "failed"),
        ("d@example.org", "expired", False, "delayed"),
    ]


def test_report_fields_in_an_encoded_text_part_are_read() -> None:
    """Amazon WorkMail writes the RFC 3464 fields into its (base64) text, under "Technical
    report:", with no delivery-status part."""
    fields = (
        "Delivery has failed.\n\nTechnical report:\n\nReporting-MTA: dns; out.example.net\n\n"
        "Action: failed\nFinal-Recipient: rfc822; max@example.org\n"
        "Diagnostic-Code: smtp; 550 5.1.1 <max@example.org>... User Unknown\nStatus: 5.1.1\n"
    )
    raw = (
        "From: MAILER-DAEMON@out.example.net\nSubject: Delivery Status Notification (Failure)\n"
        "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=x\n\n--x\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
        + base64.encodebytes(fields.encode()).decode()
        + "\n--x--\n"
    ).encode()
    assert only(parse_feedback(raw)) == ("bounce", "max@example.org", "user_unknown", True, False)


def test_an_arf_report_whose_fields_are_labelled_text_is_a_complaint() -> None:
    raw = (
        b"From: fbl@isp.example\nSubject: Complaint\nMIME-Version: 1.0\n"
        b"Content-Type: multipart/mixed; boundary=z\n\n"
        b"--z\nContent-Type: text/plain\n\nThis is an abuse report.\n\n"
        b"--z\nContent-Type: text/plain\n\nFeedback-Type: abuse\nUser-Agent: SomeFBL/1.0\n"
        b"Version: 1\nOriginal-Rcpt-To: <pia@isp.example>\n\n"
        b"--z\nContent-Type: message/rfc822\n\nFrom: news@news.example.com\n"
        b"To: pia@isp.example\nMessage-ID: <m7@news.example.com>\n\nhi\n--z--\n"
    )
    report = parse_feedback(raw)
    assert report.kind == "complaint" and report.complaint is not None
    assert report.complaint.feedback_type == "abuse"
    assert [r.recipient for r in report.recipients] == ["pia@isp.example"]
