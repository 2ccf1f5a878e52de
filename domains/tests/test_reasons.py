"""A check's reason, kept in English, said again in the reader's language."""

from __future__ import annotations

from django.utils import translation

from domains.reasons import kind_label, localized
from domains.rules import check_dmarc, check_ownership
from domains.spf import check_spf


def dmarc_reason(record: str) -> str:
    records = {("_dmarc.news.example.com", "TXT"): [record]}
    result = check_dmarc(
        "news.example.com",
        lambda name, rdtype: records.get((name, rdtype), []),
        dkim_domain="news.example.com",
        spf_domain="news.example.com",
    )
    return result.message


def test_a_reason_is_said_in_german_and_french() -> None:
    reason = check_ownership("news.example.com", "token", lambda name, rdtype: []).message
    assert reason == "no TXT record at _consentry.news.example.com"
    with translation.override("de"):
        assert localized(reason) == "kein TXT-Eintrag unter _consentry.news.example.com"
    with translation.override("fr"):
        assert localized(reason) == "aucun enregistrement TXT à _consentry.news.example.com"


def test_a_reason_inside_a_reason_is_translated_too() -> None:
    reason = dmarc_reason("v=DMARC1; p=maybe")
    assert reason == (
        "the DMARC record at _dmarc.news.example.com: "
        "p= must be none, quarantine or reject, got 'maybe'"
    )
    with translation.override("de"):
        assert localized(reason) == (
            "der DMARC-Eintrag unter _dmarc.news.example.com: "
            "p= muss none, quarantine oder reject sein, gefunden: 'maybe'"
        )


def test_a_passing_alignment_names_both_identifiers_in_the_readers_words() -> None:
    reason = dmarc_reason("v=DMARC1; p=none")
    with translation.override("fr"):
        shown = localized(reason)
    assert shown.startswith("politique DMARC none à _dmarc.news.example.com ; From est aligné")
    assert " et SPF (news.example.com, aspf=r)" in shown


def test_a_text_no_template_made_is_shown_as_it_is() -> None:
    with translation.override("de"):
        assert localized("an older wording") == "an older wording"
        assert localized("") == ""


def test_a_check_is_named_by_its_label() -> None:
    with translation.override("de"):
        assert kind_label("ownership") == "Eigentum"
        assert kind_label("dkim") == "DKIM"
        assert kind_label("unknown-kind") == "unknown-kind"


def test_an_spf_permerror_is_said_with_its_cause() -> None:
    records = {("news.example.com", "TXT"): ["v=spf1 include:esp.example ~all"]}
    result = check_spf(
        "news.example.com",
        lambda name, rdtype: records.get((name, rdtype), []),
        include="esp.example",
        ips=[],
    )
    assert result.message == "SPF permerror: include:esp.example has no SPF record"
    with translation.override("de"):
        assert localized(result.message) == (
            "SPF-Fehler (permerror): include:esp.example hat keinen SPF-Eintrag"
        )
