"""Reading DSNs, ARF reports and non-standard bounces (BOUNCE-1, COMPLAINT-1, INDUSTRY-4):
the fields the matching step needs, auto-replies that are not bounces, sender-side
rejections that never bounce the recipient, and garbage that never raises (invariant 7)."""

from __future__ import annotations

import base64
import quopri
import re
import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback.parsers import MAX_MESSAGE, FeedbackReport, parse_feedback
from feedback.parsers.heuristics import MAX_RECIPIENTS, read_gmail
from feedback.parsers.mime import unsubscribe_token, verp_token

MESSAGES = Path(__file__).parent / "messages"
ALL = sorted(MESSAGES.glob("*/*.eml"))


def parse(name: str) -> FeedbackReport:
    return parse_feedback((MESSAGES / name).read_bytes())


def test_it_reads_every_recipient_of_an_rfc3464_report() -> None:
    report = parse("bounces/rfc3464_multi.eml")
    assert (report.kind, report.source_format) == ("bounce", "rfc3464")
    failed, delayed = report.recipients
    assert (failed.action, failed.status, failed.reason, failed.hard) == (
        "failed",
        "5.1.1",
        "user_unknown",
        True,
    )
    assert failed.original_recipient == "jonas.berger@example.org"
    assert failed.remote_mta == "mx.example.org"
    assert "User unknown in virtual mailbox table" in failed.diagnostic
    # A delay warning is news, never a bounce (STATUS-3 counts failures only).
    assert (delayed.action, delayed.status, delayed.hard) == ("delayed", "4.4.1", False)
    assert report.failed == (failed,)


def test_it_finds_the_original_message_ids_and_the_tokens() -> None:
    """Matching (BOUNCE-1) uses the VERP token, then X-Mailing-ID / Message-ID."""
    report = parse("bounces/rfc3464_multi.eml")
    assert report.verp_token == "k7Qm2.c118.r90431"
    assert report.original.message_id == "<20261130091238.c118.r90431@news.example.com>"
    assert report.original.mailing_id == "c118"
    assert report.original.to == "jonas.berger@example.org"
    assert report.original.unsubscribe_token == "Zr4vTq0p"


def test_it_reads_the_original_from_an_attached_message_or_quoted_headers() -> None:
    assert parse("bounces/mailbox_full.eml").original.message_id == (
        "<20261130103950.c118.r4410@news.example.com>"
    )
    for name in ("bounces/qmail.eml", "bounces/sendmail.eml", "bounces/t-online.eml"):
        assert parse(name).original.mailing_id == "c118", name


def test_a_dmarc_rejection_is_the_senders_problem_not_a_recipient_bounce() -> None:
    """INDUSTRY-4: Gmail's 5.7.26 never marks the address bounced."""
    (result,) = parse("bounces/dmarc_5726.eml").recipients
    assert result.status == "5.7.26"
    assert result.sender_side and not result.hard
    assert result.reason == "auth_failure"


def test_outlooks_authentication_rejection_is_sender_side() -> None:
    """INDUSTRY-4: Outlook's 5.7.515 never marks the address bounced."""
    (result,) = parse("bounces/outlook_5_7_515.eml").recipients
    assert (result.status, result.reason, result.sender_side, result.hard) == (
        "5.7.515",
        "auth_failure",
        True,
        False,
    )


def test_a_deferral_for_volume_is_a_sender_side_delay() -> None:
    (result,) = parse("bounces/yahoo_deferred.eml").recipients
    assert (result.action, result.reason, result.sender_side, result.hard) == (
        "delayed",
        "rate_limited",
        True,
        False,
    )


def test_a_blocklisted_sending_ip_is_sender_side() -> None:
    (result,) = parse("bounces/t-online_blocked.eml").recipients
    assert (result.reason, result.sender_side, result.hard) == ("spam_block", True, False)


def test_a_full_mailbox_is_soft() -> None:
    (result,) = parse("bounces/mailbox_full.eml").recipients
    assert (result.status, result.reason, result.hard, result.sender_side) == (
        "5.2.2",
        "mailbox_full",
        False,
        False,
    )


def test_an_out_of_office_reply_is_not_a_bounce() -> None:
    """Issue 8: auto-replies are recognised and are not bounces, even when sent to the VERP
    address."""
    report = parse("bounces/autoreply.eml")
    assert report.kind == "autoreply"
    assert report.recipients == ()
    assert parse("autoreply_de.eml").kind == "autoreply"


def test_a_person_s_reply_is_not_feedback() -> None:
    for name in ("reply_de.eml", "reply_fr.eml", "reply_question.eml"):
        report = parse(name)
        assert report.kind == "unknown" and report.note, name


def test_it_reads_an_arf_abuse_report() -> None:
    """COMPLAINT-1: the feedback report's fields and the original's ids."""
    report = parse("arf/abuse_fbl.eml")
    assert (report.kind, report.source_format) == ("complaint", "arf")
    complaint = report.complaint
    assert complaint is not None
    assert complaint.feedback_type == "abuse"
    assert complaint.user_agent == "MailProviderFBL/2.4"
    assert complaint.original_mail_from == "bounces+k7Qm2.c118.r90432@bounce.news.example.com"
    assert complaint.original_rcpt_to == ("heike.brandt@mailprovider.example",)
    assert complaint.arrival_date == "Mon, 30 Nov 2026 10:12:39 +0000"
    assert complaint.reported_domain == "news.example.com"
    assert complaint.source_ip == "203.0.113.10"
    assert report.original.mailing_id == "c118"
    assert report.original.unsubscribe_token == "Hb3xQ9aa"
    assert report.verp_token == "k7Qm2.c118.r90432"
    (recipient,) = report.recipients
    assert (recipient.recipient, recipient.reason, recipient.hard) == (
        "heike.brandt@mailprovider.example",
        "abuse",
        False,
    )


def test_it_reads_an_arf_report_with_only_the_original_headers() -> None:
    report = parse("arf/headers_only.eml")
    assert report.kind == "complaint"
    assert report.complaint is not None and report.complaint.original_rcpt_to == ()
    assert report.original.message_id == "<20261201064058.c121.r1204@news.example.com>"
    assert report.original.mailing_id == "c121"
    assert report.original.unsubscribe_token == "Mm4tt0"
    # Redacted recipient: the token of the original envelope sender still leads back.
    assert report.verp_token == "Rr2kk.c121.r1204"


def test_a_not_spam_report_is_no_complaint() -> None:
    raw = (
        (MESSAGES / "arf/abuse_fbl.eml")
        .read_bytes()
        .replace(b"Feedback-Type: abuse", b"Feedback-Type: not-spam")
    )
    report = parse_feedback(raw)
    assert report.kind == "unknown" and "not-spam" in report.note


def test_the_readable_text_alone_gives_the_same_answer_as_the_dsn() -> None:
    """Heuristics: with the machine-readable part removed, the human text of a Gmail, Office
    365 or Postfix DSN still yields the recipient and reason."""
    for name in (
        "gmail.eml",
        "office365.eml",
        "rfc3464_multi.eml",
        "dmarc_5726.eml",
        "outlook_5_7_515.eml",
        "yahoo_deferred.eml",
    ):
        raw = (MESSAGES / "bounces" / name).read_bytes()
        # The machine-readable part gone, its fields too (they are read wherever they are).
        stripped = raw.replace(b"message/delivery-status", b"text/x-removed")
        stripped = stripped.replace(b"Final-Recipient:", b"X-Removed:")
        full, text_only = parse_feedback(raw), parse_feedback(stripped)
        assert text_only.kind == "bounce", name
        assert text_only.source_format != "rfc3464"
        first, again = full.recipients[0], text_only.recipients[0]
        assert (again.recipient, again.reason, again.hard, again.sender_side) == (
            first.recipient,
            first.reason,
            first.hard,
            first.sender_side,
        ), name


def test_it_names_the_mail_system_that_wrote_a_bounce() -> None:
    formats = {
        "postfix": "postfix",
        "exim": "exim",
        "sendmail": "sendmail",
        "qmail": "qmail",
        "exchange": "exchange",
        "yahoo": "yahoo",
        "gmx": "gmx",
        "webde": "gmx",
        "t-online": "t-online",
        "orange": "orange",
        "plain_en": "plain",
    }
    for name, expected in formats.items():
        assert parse(f"bounces/{name}.eml").source_format == expected, name


def test_gmails_old_wording_is_read_too() -> None:
    text = (
        "Delivery to the following recipient failed permanently:\n\n"
        "     tom.riedel@gmail.com\n\n"
        "Technical details of permanent failure:\n"
        "The email account that you tried to reach does not exist.\n"
    )
    assert read_gmail(text) == [
        ("tom.riedel@gmail.com", "The email account that you tried to reach does not exist.")
    ]


def test_a_bounce_sent_to_the_verp_address_without_known_wording_is_still_read() -> None:
    raw = (
        b"From: someone@example.org\r\nTo: bounces+Tk1.c9.r3@bounce.news.example.com\r\n"
        b"Subject: your mail\r\n\r\nDelivery to lea@example.org failed: 550 5.1.1 user unknown\r\n"
    )
    report = parse_feedback(raw)
    assert report.kind == "bounce" and report.verp_token == "Tk1.c9.r3"
    assert [(r.recipient, r.reason, r.hard) for r in report.recipients] == [
        ("lea@example.org", "user_unknown", True)
    ]


def test_the_envelope_recipient_is_the_first_place_for_the_verp_token() -> None:
    raw = (MESSAGES / "bounces/exim.eml").read_bytes()
    report = parse_feedback(raw, envelope_to=["bounces+FromEnvelope@bounce.news.example.com"])
    assert report.verp_token == "FromEnvelope"


def test_token_helpers() -> None:
    assert verp_token("x", "<bounces+a.b-c_d@b.example>") == "a.b-c_d"
    assert verp_token("news@example.com") == ""
    assert unsubscribe_token("<https://n.example/u/AbC>, <mailto:unsubscribe+XyZ@n.example>") == (
        "XyZ"
    )
    assert unsubscribe_token("<https://n.example/u/AbC/>") == "AbC"
    assert unsubscribe_token("") == ""


def test_a_broken_charset_and_8bit_headers_do_not_stop_the_reading() -> None:
    raw = (
        b"From: MAILER-DAEMON@example.net\r\nSubject: Unzustellbar \xfc\xff\r\n"
        b"Content-Type: text/plain; charset=no-such-charset\r\n\r\n"
        b"<j\xfcrgen@example.de>: 550 5.1.1 Benutzer unbekannt \xe4\xf6\r\n"
    )
    report = parse_feedback(raw)
    assert report.kind == "bounce"
    (result,) = report.recipients
    assert result.recipient.endswith("@example.de") and result.hard


def test_garbage_gives_unknown_with_a_reason() -> None:
    for raw in (b"", b"   \r\n", b"\x00\x01\x02\xff" * 50, b"no headers at all"):
        report = parse_feedback(raw)
        assert report.kind == "unknown" and report.note, raw


def test_truncated_reports_never_raise() -> None:
    for path in ALL:
        raw = path.read_bytes()
        for end in range(0, len(raw), max(1, len(raw) // 40)):
            report = parse_feedback(raw[:end])
            assert report.kind in ("bounce", "complaint", "autoreply", "unknown")
            if report.kind == "unknown":
                assert report.note or report.recipients


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000))
def test_random_bytes_never_raise(raw: bytes) -> None:
    """Invariant 7: any input gets an answer."""
    report = parse_feedback(raw)
    assert report.kind in ("bounce", "complaint", "autoreply", "unknown")
    assert not report.note.startswith("could not be read"), report.note


_FIXTURES = [p.read_bytes() for p in ALL]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(_FIXTURES),
    st.lists(st.tuples(st.integers(min_value=0), st.binary(max_size=8)), max_size=12),
)
def test_damaged_fixtures_never_raise(raw: bytes, damage: list[tuple[int, bytes]]) -> None:
    data = bytearray(raw)
    for position, junk in damage:
        at = position % (len(data) + 1)
        data[at : at + len(junk)] = junk
    report = parse_feedback(bytes(data))
    assert not report.note.startswith("could not be read"), report.note
    for result in report.recipients:
        assert not (result.hard and result.sender_side)
        assert re.fullmatch(r"|[245]\.\d{1,3}\.\d{1,3}|[245]\d\d", result.status)


def test_the_verp_token_is_found_in_delivered_to_whatever_its_case() -> None:
    raw = (
        (MESSAGES / "bounces/gmx.eml")
        .read_bytes()
        .replace(
            b"To: bounces+Gm1xx.c118.r5560@bounce.news.example.com",
            b"DELIVERED-TO: bounces+InDeliveredTo@bounce.news.example.com\n"
            b"To: postmaster@example.com",
        )
    )
    report = parse_feedback(raw)
    assert report.verp_token == "InDeliveredTo"
    assert report.kind == "bounce"


HOSTILE_HEAD = b"From: MAILER-DAEMON@x.example\nSubject: Undelivered Mail\n\n"
HOSTILE_DSN = (
    b"From: MAILER-DAEMON@x.example\nContent-Type: multipart/report; boundary=x\n\n--x\n"
    b"Content-Type: message/delivery-status\n\nFinal-Recipient: rfc822; "
)


def hostile_bodies(size: int = 1_000_000) -> tuple[bytes, ...]:
    """A megabyte each of repeated address-like text, dashes, blank lines, phrases and
    encoded words: what once took the readers minutes (bench/feedback.py times them)."""
    return (
        b"a@b." * (size // 4),
        b"-" * size,
        b"--- \n\n" * (size // 6),
        b"Your message to " * (size // 16),
        b"=?utf-8?q?x?= " * (size // 14),
    )


def test_hostile_input_gives_a_report() -> None:
    """A bounce flood of junk cannot stop the inbound worker: each hostile megabyte is
    read to a report (unknown, nobody matched), not an exception. Its speed is measured
    in bench/feedback.py, not asserted here."""
    for body in hostile_bodies():
        for start in (HOSTILE_HEAD, HOSTILE_DSN):
            report = parse_feedback(start + body)
            assert len(report.recipients) <= MAX_RECIPIENTS


def test_only_the_first_two_megabytes_are_read() -> None:
    """The readers' bound, which keeps them linear: what lies past MAX_MESSAGE is never
    looked at; the report goes to the review queue with its note."""
    bounce = (
        b"From: MAILER-DAEMON@x.example\nSubject: Undelivered Mail Returned to Sender\n\n"
        b"This is the mail system at host mx.example.org.\n\n"
        b"I'm sorry to have to inform you that your message could not\n"
        b"be delivered to one or more recipients.\n\n"
        b"<late@example.org>: host mx.example.org said: 550 5.1.1 user unknown\n"
    )
    assert [r.recipient for r in parse_feedback(bounce).recipients] == ["late@example.org"]
    head, _sep, body = bounce.partition(b"\n\n")
    report = parse_feedback(head + b"\n\n" + b"x" * MAX_MESSAGE + b"\n" + body)
    assert [r.recipient for r in report.recipients] == []
    assert report.note  # kept for the operators' review queue


def test_it_reads_every_recipient_of_a_text_bounce() -> None:
    raw = b"""From: Mail Delivery System <Mailer-Daemon@mx.example.org>
To: bounces+Mx1@bounce.news.example.com
Subject: Mail delivery failed: returning message to sender

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  ada@example.org
    SMTP error from remote mail server after RCPT TO:<ada@example.org>:
    550 5.1.1 <ada@example.org>: Recipient address rejected: User unknown

  bert@example.org
    SMTP error from remote mail server after end of data:
    552 5.2.2 Mailbox full

  cleo@example.org
    retry timeout exceeded

------ This is a copy of the message, including all the headers. ------
To: ada@example.org, bert@example.org, cleo@example.org
X-Mailing-ID: c7
"""
    report = parse_feedback(raw)
    assert [(r.recipient, r.status, r.reason, r.hard) for r in report.recipients] == [
        ("ada@example.org", "5.1.1", "user_unknown", True),
        ("bert@example.org", "5.2.2", "mailbox_full", False),
        ("cleo@example.org", "", "expired", False),
    ]
    assert report.original.mailing_id == "c7"


def test_a_delay_warning_in_plain_text_is_not_a_failure() -> None:
    raw = b"""From: MAILER-DAEMON@mx1.news.example.com (Mail Delivery System)
To: bounces+Dw1@bounce.news.example.com
Subject: Delayed Mail (still being retried)

This is the mail system at host mx1.news.example.com.

####################################################################
# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #
####################################################################

Your message could not be delivered for more than 4 hour(s).
It will be retried until it is 5 day(s) old.

<dora@example.net>: connect to mx.example.net[192.0.2.9]:25: Connection timed out
"""
    report = parse_feedback(raw)
    (result,) = report.recipients
    assert (result.recipient, result.action, result.hard) == ("dora@example.net", "delayed", False)
    assert report.failed == ()


def test_the_parsers_are_pure_python_without_django() -> None:
    """Issue 8: the parsers run anywhere (a mailbox poller, a postmaster's laptop): importing
    them loads no Django and no models."""
    probe = "import sys, feedback.parsers; print(any(m.startswith('django') for m in sys.modules))"
    proc = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert proc.stdout.strip() == "False"


def test_a_report_without_original_rcpt_to_takes_the_providers_recipient_header() -> None:
    raw = (MESSAGES / "arf/abuse_fbl.eml").read_bytes()
    raw = raw.replace(b"Original-Rcpt-To: <heike.brandt@mailprovider.example>\n", b"")
    raw = raw.replace(
        b"To: heike.brandt@mailprovider.example\n",
        b"To: undisclosed-recipients:;\nX-HmXmrOriginalRecipient: <h.b@outlook.example>\n",
    )
    report = parse_feedback(raw)
    assert report.kind == "complaint"
    assert [r.recipient for r in report.recipients] == ["h.b@outlook.example"]


def test_a_dsn_without_the_original_headers_still_names_its_message_id() -> None:
    raw = (MESSAGES / "bounces/gmail.eml").read_bytes()
    raw = raw[: raw.index(b"Content-Type: text/rfc822-headers")]
    report = parse_feedback(raw)
    assert report.kind == "bounce"
    assert report.original.mailing_id == ""
    assert report.original.message_id == "<20261130092103.c118.r731@news.example.com>"


def test_a_huge_message_is_read_from_its_start_only() -> None:
    raw = (MESSAGES / "bounces/exim.eml").read_bytes() + b"x" * (3 * 1024 * 1024)
    report = parse_feedback(raw)
    assert report.kind == "bounce" and "first" in report.note
    assert report.recipients[0].recipient == "oliver.hughes@example.co.uk"


def test_a_bounce_is_recognised_by_its_subject_in_three_languages() -> None:
    for subject in (
        "Message not delivered",
        "Nachricht nicht zugestellt",
        "Non remis : Nouveautés",
    ):
        raw = (
            f"From: Service <noreply@mail.example.org>\nSubject: {subject}\n\n"
            "Your message to lea@example.org failed: 550 5.1.1 mailbox not found\n"
        ).encode()
        report = parse_feedback(raw)
        assert report.kind == "bounce", subject
        assert report.recipients[0].recipient == "lea@example.org"


def test_a_charset_name_with_a_nul_does_not_stop_the_reading() -> None:
    """Found by hypothesis: the stdlib raises ValueError on such a charset."""
    raw = (
        b"From: MAILER-DAEMON@example.net\nSubject: Undelivered Mail\n"
        b'Content-Type: text/plain; charset="utf\x00-8"\n\n'
        b"<ina@example.org>: 550 5.1.1 User unknown \xed\xa0\x80\n"
    )
    report = parse_feedback(raw)
    assert report.kind == "bounce"
    assert report.recipients[0].recipient == "ina@example.org"


def test_a_transfer_encoded_delivery_status_part_is_decoded() -> None:
    fields = (
        b"Reporting-MTA: dns; mx.example\n\nFinal-Recipient: rfc822; ole@example.org\n"
        b"Action: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 user unknown =\n\n"
    )
    for encoding, body in (
        (b"base64", base64.encodebytes(fields)),
        (b"quoted-printable", quopri.encodestring(fields)),
    ):
        raw = (
            b"From: MAILER-DAEMON@mx.example\nSubject: Undelivered Mail\n"
            b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n"
            b"--b\nContent-Type: message/delivery-status\nContent-Transfer-Encoding: "
            + encoding
            + b"\n\n"
            + body
            + b"\n--b--\n"
        )
        report = parse_feedback(raw)
        assert report.source_format == "rfc3464", encoding
        (result,) = report.recipients
        assert (result.recipient, result.status, result.diagnostic) == (
            "ole@example.org",
            "5.1.1",
            "550 5.1.1 user unknown =",
        ), encoding


def test_an_exchange_report_without_its_technical_part_is_read_from_its_wording() -> None:
    raw = (MESSAGES / "bounces/exchange.eml").read_bytes()
    raw = raw[: raw.index(b"Diagnostic information for administrators")]
    report = parse_feedback(raw)
    (result,) = report.recipients
    assert (result.recipient, result.reason, result.hard) == (
        "t.keller@corp.example.com",
        "user_unknown",
        True,
    )
