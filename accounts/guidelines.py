"""The platform's anti-spam guidelines and terms (ACCOUNT-1, ACCOUNT-4): versioned texts.

A change of the guidelines is a new `GUIDELINES_VERSION` with its texts: every account's
users see the new version and accept it again before their next send. The words shown are
published as a consent wording and cited by the evidence record of each acceptance.
"""

from __future__ import annotations

from typing import Final

GUIDELINES_KEY: Final = "platform.guidelines"
TERMS_KEY: Final = "platform.terms"
GUIDELINES_VERSION: Final = 1
TERMS_VERSION: Final = 1
LANGUAGES: Final = ("en", "de", "fr")

GUIDELINES: Final[dict[str, str]] = {
    "en": (
        "Anti-spam guidelines of this platform. 1. Mail only people who gave you their "
        "consent, and keep the proof (who, when, on which form and wording). 2. Never buy, "
        "rent, borrow or collect addresses without consent; no addresses from public "
        "directories or websites. 3. Every mail is clearly your advertising, names you as "
        "the sender, carries your imprint and a working unsubscribe link, and its subject "
        "does not mislead. 4. An unsubscribe takes effect at once, also one by reply, "
        "phone or letter. 5. Keep your lists clean: remove hard bounces, do not mail "
        "addresses whose consent has gone stale. 6. Nothing illegal, pornographic, "
        "extremist, defamatory or harmful. 7. The operator may slow down, hold or stop "
        "sends and suspend the account when complaints, bounces or reports show a breach."
    ),
    "de": (
        "Anti-Spam-Richtlinien dieser Plattform. 1. Schreiben Sie nur Menschen an, die "
        "Ihnen ihre Einwilligung gegeben haben, und bewahren Sie den Nachweis auf (wer, "
        "wann, über welches Formular und welchen Wortlaut). 2. Kaufen, mieten, leihen oder "
        "sammeln Sie niemals Adressen ohne Einwilligung; keine Adressen aus öffentlichen "
        "Verzeichnissen oder Websites. 3. Jede Mail ist klar als Ihre Werbung erkennbar, "
        "nennt Sie als Absender, enthält Ihr Impressum und einen funktionierenden "
        "Abmeldelink, und ihr Betreff täuscht nicht. 4. Eine Abmeldung wirkt sofort, auch "
        "per Antwort, Telefon oder Brief. 5. Halten Sie Ihre Listen sauber: Entfernen Sie "
        "harte Bounces und schreiben Sie keine Adressen an, deren Einwilligung veraltet ist. "
        "6. Nichts Illegales, Pornografisches, Extremistisches, Verleumderisches oder "
        "Schädliches. 7. Der Betreiber kann Versände verlangsamen, anhalten oder stoppen "
        "und das Konto sperren, wenn Beschwerden, Bounces oder Meldungen einen Verstoß zeigen."
    ),
    "fr": (
        "Règles anti-spam de cette plateforme. 1. N'écrivez qu'aux personnes qui vous ont "
        "donné leur consentement, et gardez-en la preuve (qui, quand, par quel formulaire "
        "et quel texte). 2. N'achetez, ne louez, n'empruntez ni ne collectez jamais "
        "d'adresses sans consentement ; aucune adresse tirée d'annuaires ou de sites "
        "publics. 3. Chaque message est clairement votre publicité, vous nomme comme "
        "expéditeur, contient vos mentions légales et un lien de désabonnement fonctionnel, "
        "et son objet n'induit pas en erreur. 4. Un désabonnement prend effet aussitôt, "
        "aussi par réponse, téléphone ou courrier. 5. Tenez vos listes propres : retirez "
        "les rebonds définitifs, n'écrivez pas aux adresses dont le consentement est "
        "périmé. 6. Rien d'illégal, de pornographique, d'extrémiste, de diffamatoire ou de "
        "nuisible. 7. L'opérateur peut ralentir, retenir ou arrêter des envois et suspendre "
        "le compte quand des plaintes, des rebonds ou des signalements montrent une infraction."
    ),
}

TERMS: Final[dict[str, str]] = {
    "en": (
        "Terms of use: the account holder is responsible for the mail sent from the "
        "account and for the lawfulness of its lists; the operator reviews the account "
        "before activating it and may ask for proof of consent at any time. A successful "
        "import or send is no legal approval of a list."
    ),
    "de": (
        "Nutzungsbedingungen: Der Kontoinhaber ist für die aus dem Konto versandten Mails "
        "und die Rechtmäßigkeit seiner Listen verantwortlich; der Betreiber prüft das Konto "
        "vor der Freischaltung und kann jederzeit Einwilligungsnachweise verlangen. Ein "
        "erfolgreicher Import oder Versand ist keine rechtliche Freigabe einer Liste."
    ),
    "fr": (
        "Conditions d'utilisation : le titulaire du compte est responsable des messages "
        "envoyés depuis le compte et de la licéité de ses listes ; l'opérateur examine le "
        "compte avant de l'activer et peut demander à tout moment la preuve du "
        "consentement. Un import ou un envoi réussi n'est pas une validation juridique "
        "d'une liste."
    ),
}


def language_of(language: str) -> str:
    return language if language in LANGUAGES else "en"


def guidelines_text(language: str) -> str:
    return GUIDELINES[language_of(language)]


def terms_text(language: str) -> str:
    return TERMS[language_of(language)]
