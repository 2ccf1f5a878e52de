"""INDUSTRY-5: abuse reports answered within 24 hours; ABUSE-2: proof of consent within one
working day. Each deadline at its boundary."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from governance.abuse_rules import (
    answer_due_at,
    identifiers_in,
    identifiers_of_quoted,
    is_overdue,
    kind_of,
    proof_due_on,
    proof_is_overdue,
)


def test_industry_5_the_answer_is_due_24_hours_after_the_report_and_late_a_moment_after() -> None:
    opened = datetime(2026, 12, 4, 16, 30, tzinfo=UTC)  # a Friday afternoon: hours, not days
    due = answer_due_at(opened)
    assert due == datetime(2026, 12, 5, 16, 30, tzinfo=UTC)
    assert not is_overdue(due, due)
    assert is_overdue(due, due + timedelta(seconds=1))
    assert not is_overdue(due, opened + timedelta(hours=23, minutes=59))


def test_abuse_2_proof_asked_on_a_friday_is_due_on_monday_late_on_tuesday() -> None:
    friday = date(2026, 12, 4)
    due = proof_due_on(friday, "de")
    assert due == date(2026, 12, 7)  # Saturday and Sunday are no working days
    assert not proof_is_overdue(due, date(2026, 12, 7))
    assert proof_is_overdue(due, date(2026, 12, 8))


def test_abuse_2_proof_asked_on_a_weekday_is_due_the_next_day() -> None:
    assert proof_due_on(date(2026, 12, 1), "de") == date(2026, 12, 2)


def test_abuse_2_a_public_holiday_moves_the_day_as_for_the_unsubscribe_deadline() -> None:
    # 24 December 2026 is a Thursday; 25 and 26 are German holidays, then the weekend.
    assert proof_due_on(date(2026, 12, 24), "de") == date(2026, 12, 28)
    assert proof_due_on(date(2026, 12, 1), "de", [date(2026, 12, 2)]) == date(2026, 12, 3)


def test_abuse_2_blocklistings_and_authorities_are_cases_of_their_own_kind() -> None:
    assert kind_of("Listed on Spamhaus SBL", "") == "blocklisting"
    assert kind_of("Anfrage", "Die Verbraucherzentrale Hamburg bittet um ...") == "authority"
    assert kind_of("Plainte", "La CNIL a reçu une plainte") == "authority"
    assert kind_of("Spam!", "I never asked for this newsletter") == "complaint"


def test_abuse_1_a_report_quotes_our_identifiers_in_many_ways() -> None:
    text = (
        "X-Mailing-ID: consentry-4-17\n"
        "Feedback-ID: 17:4:regular:consentry\n"
        "Feedback-ID: 9:9:regular:othersender\n"
        "Return-Path: <bounces+2s.t1a2b3.abcdefghijklmnopqrstuvwxyz@news.example>\n"
        "> Message-ID: <20261204.abc@news.example>\n"
        "https://mail.example/u/2s.t1a2b3.zyxwvutsrqponmlkjihgfedcba\n"
    )
    found = identifiers_in(text, feedback_sender_id="consentry")
    assert found.mailing_ids == ((4, 17),)
    assert found.feedback_ids == ((17, 4),)  # another sender's id is not ours
    assert found.verp_tokens == ("2s.t1a2b3.abcdefghijklmnopqrstuvwxyz",)
    assert found.unsubscribe_tokens == ("2s.t1a2b3.zyxwvutsrqponmlkjihgfedcba",)
    assert found.message_ids == ("<20261204.abc@news.example>",)


def test_abuse_1_one_quoted_id_is_read_whatever_its_kind() -> None:
    assert identifiers_of_quoted(" consentry-4-17 ").mailing_ids == ((4, 17),)
    assert identifiers_of_quoted("20261204.abc@news.example").message_ids == (
        "<20261204.abc@news.example>",
    )
    token = "2s.t1a2b3.abcdefghijklmnopqrstuvwxyz"
    assert identifiers_of_quoted(token).verp_tokens == (token,)
    assert not identifiers_of_quoted("hello world")
