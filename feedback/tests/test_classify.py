"""`consentry feedback classify` over every raw fixture (BOUNCE-1, COMPLAINT-1,
INDUSTRY-4): each format's kind, recipient, status, reason and hard/soft, by call_command
and as a subprocess that has no database to reach."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given
from hypothesis import strategies as st

from feedback.parsers.classify import (
    HARD_REASONS,
    REASONS,
    SENDER_SIDE_REASONS,
    classify,
    find_enhanced_code,
    find_smtp_code,
)

MESSAGES = Path(__file__).parent / "messages"
REPO = Path(__file__).resolve().parents[2]

# file -> [(kind, recipient, status, reason, hard)], one tuple per recipient row.
EXPECTED: dict[str, list[tuple[str, str, str, str, bool]]] = {
    "bounces/rfc3464_multi.eml": [
        ("bounce", "jonas.berger@example.org", "5.1.1", "user_unknown", True),
        ("bounce", "c.martin@example.net", "4.4.1", "other", False),
    ],
    "bounces/dmarc_5726.eml": [("bounce", "lena.vogt@gmail.com", "5.7.26", "auth_failure", False)],
    "bounces/outlook_5_7_515.eml": [
        ("bounce", "noah.fischer@outlook.de", "5.7.515", "auth_failure", False)
    ],
    "bounces/yahoo_deferred.eml": [
        ("bounce", "mia.richter@yahoo.de", "4.7.0", "rate_limited", False)
    ],
    "bounces/mailbox_full.eml": [
        ("bounce", "peter.lorenz@example.com", "5.2.2", "mailbox_full", False)
    ],
    "bounces/postfix.eml": [("bounce", "m.schulze@example.de", "5.1.1", "user_unknown", True)],
    "bounces/exim.eml": [("bounce", "oliver.hughes@example.co.uk", "5.1.1", "user_unknown", True)],
    "bounces/sendmail.eml": [("bounce", "prof.weiss@example.edu", "5.1.1", "user_unknown", True)],
    "bounces/qmail.eml": [("bounce", "sanne.devries@example.nl", "5.1.1", "user_unknown", True)],
    "bounces/exchange.eml": [
        ("bounce", "t.keller@corp.example.com", "5.1.1", "user_unknown", True)
    ],
    "bounces/office365.eml": [
        ("bounce", "s.nowak@contoso.example.com", "5.1.10", "user_unknown", True)
    ],
    "bounces/gmail.eml": [("bounce", "felix.hartmann@gmail.com", "5.1.1", "user_unknown", True)],
    "bounces/yahoo.eml": [("bounce", "kim.baker@yahoo.com", "554", "user_unknown", True)],
    "bounces/gmx.eml": [("bounce", "sabine.krueger@gmx.de", "550", "user_unknown", True)],
    "bounces/webde.eml": [("bounce", "karl.huber@web.de", "550", "user_unknown", True)],
    # No code and no SMTP command: "user unknown" words alone are a soft bounce (reasons.toml).
    "bounces/t-online.eml": [("bounce", "w.schmitt@t-online.de", "", "user_unknown", False)],
    "bounces/t-online_blocked.eml": [
        ("bounce", "anja.frank@t-online.de", "554", "spam_block", False)
    ],
    "bounces/orange.eml": [("bounce", "camille.petit@orange.fr", "5.1.1", "user_unknown", True)],
    "bounces/plain_en.eml": [
        ("bounce", "harry.cole@smallhost.example.org", "", "user_unknown", False)
    ],
    "bounces/plain_de.eml": [
        ("bounce", "g.sommer@stadtwerke-example.de", "", "user_unknown", False)
    ],
    "bounces/plain_fr.eml": [
        ("bounce", "julien.moreau@mairie-example.fr", "", "user_unknown", False)
    ],
    "bounces/autoreply.eml": [("autoreply", "", "", "", False)],
    "arf/abuse_fbl.eml": [("complaint", "heike.brandt@mailprovider.example", "", "abuse", False)],
    "arf/headers_only.eml": [("complaint", "redacted@isp.example", "", "abuse", False)],
}
FILES = sorted(str(p.relative_to(MESSAGES)) for p in MESSAGES.glob("*/*.eml"))


def _rows(output: str) -> dict[str, list[tuple[str, str, str, str, bool]]]:
    found: dict[str, list[tuple[str, str, str, str, bool]]] = {}
    for row in json.loads(output):
        assert set(row) >= {"file", "kind", "recipient", "status", "reason", "hard"}
        name = str(Path(row["file"]).resolve().relative_to(MESSAGES.resolve()))
        values = (row["kind"], row["recipient"], row["status"], row["reason"], row["hard"])
        found.setdefault(name, []).append(values)
    return found


def test_every_fixture_has_an_expectation() -> None:
    assert sorted(EXPECTED) == FILES


def test_it_classifies_every_format_listed_in_the_issue() -> None:
    """BOUNCE-1: each fixture's kind, recipient, status, reason and hard/soft."""
    out = io.StringIO()
    call_command("feedback", "classify", *(str(MESSAGES / f) for f in FILES), "--json", stdout=out)
    assert _rows(out.getvalue()) == EXPECTED


def test_it_runs_as_a_command_without_a_database(tmp_path: Path) -> None:
    """The postmaster's tool: `python -m config.cli feedback classify DIR --json` with a
    database that cannot be reached still answers for every file below the directories."""
    env = {
        **os.environ,
        # Nothing listens on port 9: any query would fail the command.
        "DATABASE_URL": "postgresql://nobody@127.0.0.1:9/nothing",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    proc = subprocess.run(
        [
            sys.executable,
            *("-m", "config.cli", "feedback", "classify", "--json"),
            str(MESSAGES / "bounces"),
            str(MESSAGES / "arf"),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert _rows(proc.stdout) == EXPECTED


def test_it_prints_a_readable_table_without_json() -> None:
    out = io.StringIO()
    call_command("feedback", "classify", str(MESSAGES / "bounces/dmarc_5726.eml"), stdout=out)
    header, row = out.getvalue().splitlines()
    assert header.split() == [
        "file",
        "kind",
        "recipient",
        "status",
        "reason",
        "hard",
        "sender_side",
    ]
    assert row.split()[1:] == [
        "bounce",
        "lena.vogt@gmail.com",
        "5.7.26",
        "auth_failure",
        "no",
        "yes",
    ]


def test_it_reports_unreadable_files_after_the_readable_ones(tmp_path: Path) -> None:
    junk = tmp_path / "junk.eml"
    junk.write_bytes(b"\x00\xff garbage \x80")
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"missing\.eml"):
        call_command(
            "feedback", "classify", str(junk), str(tmp_path / "missing.eml"), "--json", stdout=out
        )
    (row,) = json.loads(out.getvalue())
    assert row["kind"] == "unknown" and row["reason"]


# --- the rules: (status, diagnostic) -> (reason, hard, sender_side), INDUSTRY-4 ------------


@pytest.mark.parametrize(
    ("status", "diagnostic", "expected"),
    [
        ("5.1.1", "", ("user_unknown", True, False)),
        ("5.1.2", "", ("domain_unknown", True, False)),
        ("5.1.3", "", ("user_unknown", True, False)),
        ("5.1.6", "", ("user_unknown", True, False)),
        ("5.1.10", "RESOLVER.ADR.RecipientNotFound", ("user_unknown", True, False)),
        ("5.1.10", "Recipient address has null MX", ("domain_unknown", True, False)),
        (
            "5.2.1",
            "The email account that you tried to reach is disabled",
            ("mailbox_disabled", False, False),
        ),
        ("5.2.2", "Mailbox full", ("mailbox_full", False, False)),
        ("4.2.2", "over quota", ("mailbox_full", False, False)),
        ("5.4.4", "Host or domain name not found", ("domain_unknown", True, False)),
        ("4.4.7", "Delivery time expired", ("expired", False, False)),
        ("5.4.7", "", ("expired", False, False)),
        ("5.3.4", "Message too big for system", ("content_rejected", False, True)),
        (
            "5.7.1",
            "Service unavailable; client host blocked using zen.spamhaus.org",
            ("spam_block", False, True),
        ),
        ("5.7.1", "Relaying denied", ("policy_block", False, True)),
        (
            "5.7.25",
            "The IP address sending this message does not have a PTR record",
            ("auth_failure", False, True),
        ),
        (
            "5.7.26",
            "Unauthenticated email is not accepted due to domain's DMARC policy",
            ("auth_failure", False, True),
        ),
        (
            "5.7.515",
            "Access denied, sending domain does not meet the required authentication level",
            ("auth_failure", False, True),
        ),
        ("5.7.1", "User unknown", ("policy_block", False, True)),
        ("5.7.1", "550 5.7.1 User unknown", ("policy_block", False, True)),
        ("5.7.606", "Access denied, banned sending IP [203.0.113.10]", ("spam_block", False, True)),
        (
            "5.7.708",
            "Service unavailable. Access denied, traffic not accepted from this IP",
            ("spam_block", False, True),
        ),
        (
            "5.4.1",
            "Recipient address rejected: Access denied. AS(201806281)",
            ("user_unknown", True, False),
        ),
        (
            "4.7.0",
            "[TSS04] Messages from 203.0.113.10 temporarily deferred due to unexpected volume"
            " or user complaints",
            ("rate_limited", False, True),
        ),
        (
            "4.2.2",
            "The email account that you tried to reach is over quota",
            ("mailbox_full", False, False),
        ),
        ("4.7.0", "Try again later, closing connection", ("rate_limited", False, True)),
        ("4.7.28", "unusual rate of unsolicited mail", ("spam_block", False, True)),
        ("", "421 Too many connections from your IP", ("rate_limited", False, True)),
        ("5.0.0", "550 5.1.1 user unknown", ("user_unknown", True, False)),
        # "User unknown" words: hard with an address code or at RCPT TO, a filter's verdict
        # after DATA, soft where nothing says which (reasons.toml, precedence 5).
        ("5.0.0", "User unknown", ("user_unknown", False, False)),
        ("5.0.0", "User unknown (in reply to RCPT TO command)", ("user_unknown", True, False)),
        (
            "5.0.0",
            "User unknown (in reply to end of DATA command)",
            ("content_rejected", False, True),
        ),
        ("4.0.0", "User unknown", ("user_unknown", False, False)),
        ("550", "Requested action not taken: mailbox unavailable", ("user_unknown", True, False)),
        (
            "554",
            "delivery error: dd This user doesn't have a yahoo.com account",
            ("user_unknown", True, False),
        ),
        (
            "552",
            "Message size exceeds fixed maximum message size",
            ("content_rejected", False, True),
        ),
        ("554", "Message rejected: virus found", ("content_rejected", False, True)),
        ("", "Benutzer unbekannt", ("user_unknown", False, False)),
        ("", "Empfängeradresse ist ungültig", ("user_unknown", False, False)),
        ("550", "SMTP-Fehler nach RCPT TO: Benutzer unbekannt", ("user_unknown", True, False)),
        (
            "550",
            "Erreur après la commande DATA : utilisateur inconnu",
            ("content_rejected", False, True),
        ),
        ("", "Das Postfach ist voll", ("mailbox_full", False, False)),
        ("", "Postfach gesperrt", ("mailbox_disabled", False, False)),
        ("", "utilisateur inconnu", ("user_unknown", False, False)),
        ("", "Boîte aux lettres pleine", ("mailbox_full", False, False)),
        ("", "Adresse e-mail inexistante", ("user_unknown", False, False)),
        ("", "domaine inexistant", ("domain_unknown", True, False)),
        ("", "something odd happened", ("other", False, False)),
        ("2.0.0", "Ok: queued", ("other", False, False)),
    ],
)
def test_it_classifies_codes_and_wordings(
    status: str, diagnostic: str, expected: tuple[str, bool, bool]
) -> None:
    verdict = classify(status, diagnostic)
    assert (verdict.reason, verdict.hard, verdict.sender_side) == expected


_TEXTS = st.sampled_from(
    [
        "",
        "user unknown",
        "mailbox full",
        "spam",
        "DMARC",
        "Benutzer unbekannt",
        "quota",
        "utilisateur inconnu",
        "rate limit",
        "virus",
        "host not found",
        "x",
    ]
) | st.text(max_size=60)
_CODES = st.builds(
    lambda c, s, d: f"{c}.{s}.{d}",
    st.sampled_from("245"),
    st.integers(0, 9),
    st.integers(0, 999),
)


@given(_CODES, _TEXTS)
def test_the_rules_hold_for_every_code(status: str, diagnostic: str) -> None:
    """INDUSTRY-4 over the whole code space: one of the fixed reasons; 4.x.x is never hard;
    x.7.x is sender-side (unless it is only the report's gloss on a server reply without an
    enhanced code); sender-side is never hard; 5.1.1/5.1.2/5.1.3/5.1.6 are hard unless the
    text names a cause that is not the address; x.2.2 is mailbox_full and soft."""
    verdict = classify(status, diagnostic)
    klass, subject, detail = (int(n) for n in status.split("."))
    assert verdict.reason in REASONS
    assert not (verdict.hard and verdict.sender_side)
    if klass in (2, 4):
        assert not verdict.hard
    server_gloss = find_smtp_code(diagnostic) and not find_enhanced_code(diagnostic)
    if subject == 7 and klass != 2 and not server_gloss:
        assert verdict.sender_side
    if klass == 5 and (subject, detail) in ((1, 1), (1, 2), (1, 3), (1, 6)):
        assert verdict.hard or verdict.reason in ("mailbox_full", "content_rejected", "other")
    if (subject, detail) == (2, 2) and klass != 2:
        assert verdict.reason == "mailbox_full" and not verdict.hard
    if verdict.hard:
        assert klass == 5 and verdict.reason in HARD_REASONS
    if klass != 2:
        assert verdict.sender_side == (verdict.reason in SENDER_SIDE_REASONS or subject == 7) or (
            server_gloss and subject == 7
        )


@given(st.text(max_size=200), st.text(max_size=20))
def test_any_text_gets_a_fixed_reason(diagnostic: str, status: str) -> None:
    verdict = classify(status, diagnostic)
    assert verdict.reason in REASONS
    assert not (verdict.hard and verdict.sender_side)
