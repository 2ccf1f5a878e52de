"""Reading replies (UNSUB-3): unsubscribe requests in German, English and French; quoted
originals and automatic answers do not count."""

from __future__ import annotations

import pytest

from feedback.rules import asks_to_unsubscribe, is_auto_reply, own_words


@pytest.mark.parametrize(
    ("subject", "text"),
    [
        ("Abmelden", ""),
        ("AW: Newsletter", "Bitte tragen Sie mich aus, ich möchte mich abmelden."),
        ("Re:", "Ich möchte keine E-Mails mehr von Ihnen."),
        ("", "Löschen Sie meine Adresse."),
        ("Re: Offers", "Please unsubscribe me."),
        ("", "remove me from this list"),
        ("Fwd: RE: news", "STOP sending me these"),
        ("Réponse", "Merci de me désinscrire."),
        ("", "Je ne veux plus recevoir vos messages."),
        ("TR: lettre", "Désabonnement svp"),
    ],
)
def test_it_recognises_a_request_to_unsubscribe(subject: str, text: str) -> None:
    assert asks_to_unsubscribe(subject, text)


@pytest.mark.parametrize(
    ("subject", "text"),
    [
        ("Re: Herbstkollektion", "Liefern Sie auch nach Österreich?"),
        (
            "Re: news",
            "Thanks, great offer!\n\nOn Mon, 23 Nov 2026, Shop wrote:\n> To unsubscribe click",
        ),
        ("AW: news", "Danke!\n> Abmelden: https://example.com/u/x"),
        ("Re: news", "Merci!\nLe lun. 23 nov. 2026, Shop a écrit :\nPour vous désinscrire ..."),
        ("Re: news", "I'd like to subscribe my colleague too."),
    ],
)
def test_the_quoted_mailing_and_ordinary_replies_do_not_count(subject: str, text: str) -> None:
    assert not asks_to_unsubscribe(subject, text)


def test_own_words_stop_at_the_quote() -> None:
    text = "Bitte abmelden.\n\nAm 23.11.2026 um 10:00 schrieb Shop <a@b.de>:\n> Hallo"
    assert own_words(text).strip() == "Bitte abmelden."


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied", "Subject": "Re: x"},
        {"Precedence": "auto_reply", "Subject": "x"},
        {"X-Autoreply": "yes", "Subject": "x"},
        {"Subject": "Out of Office: Newsletter"},
        {"Subject": "Abwesenheitsnotiz: Newsletter"},
        {"Subject": "Réponse automatique : Newsletter"},
    ],
)
def test_automatic_answers_are_recognised(headers: dict[str, str]) -> None:
    assert is_auto_reply(headers)


def test_an_ordinary_reply_is_not_automatic() -> None:
    assert not is_auto_reply({"Subject": "Re: Newsletter", "Auto-Submitted": "no"})
    assert not is_auto_reply({"Subject": "Re: x", "X-Auto-Response-Suppress": "All"})
