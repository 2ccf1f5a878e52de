"""The footer of every marketing mail: the account's imprint (CONTENT-2) and, for
existing_customer recipients, the UWG §7(3) objection notice (INDUSTRY-6). Pure.

The texts are in the mail's language (the campaign's), not the reader's UI language, so
they live here per language rather than in the UI catalogues.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

LANGUAGES = ("de", "en", "fr")

LABELS: dict[str, dict[str, str]] = {
    "de": {
        "title": "Impressum",
        "contact": "Kontakt",
        "register": "Registereintrag",
        "vat_id": "USt-IdNr.",
        "representative": "Vertreten durch",
        "unsubscribe": "Vom Newsletter abmelden",
        # UWG §7(3) Nr. 4: objection at any time, no costs beyond the basic rates.
        "objection": (
            "Sie erhalten diese E-Mail als unser Kunde. Sie können der Verwendung Ihrer "
            "E-Mail-Adresse für Werbung jederzeit widersprechen, ohne dass hierfür andere als "
            "die Übermittlungskosten nach den Basistarifen entstehen."
        ),
    },
    "en": {
        "title": "Imprint",
        "contact": "Contact",
        "register": "Register entry",
        "vat_id": "VAT ID",
        "representative": "Represented by",
        "unsubscribe": "Unsubscribe from this newsletter",
        "objection": (
            "You receive this email as our customer. You may object to the use of your email "
            "address for advertising at any time, at no cost other than the transmission "
            "costs at basic rates."
        ),
    },
    "fr": {
        "title": "Mentions légales",
        "contact": "Contact",
        "register": "Immatriculation",
        "vat_id": "N° TVA intracommunautaire",
        "representative": "Représenté par",
        "unsubscribe": "Se désabonner de cette newsletter",
        "objection": (
            "Vous recevez cet e-mail en tant que client. Vous pouvez vous opposer à tout moment "
            "à l'utilisation de votre adresse e-mail à des fins publicitaires, sans frais autres "
            "que ceux de transmission aux tarifs de base."
        ),
    },
}


@dataclass(frozen=True)
class Imprint:
    name: str = ""
    address: str = ""
    contact: str = ""
    register: str = ""
    vat_id: str = ""
    representative: str = ""

    @property
    def complete(self) -> bool:
        """CONTENT-2 needs at least the name, the postal address and a contact."""
        return bool(self.name and self.address and self.contact)


def missing_fields(imprint: Imprint) -> list[str]:
    return [f for f in ("name", "address", "contact") if not getattr(imprint, f)]


def _lines(imprint: Imprint, language: str) -> list[str]:
    labels = LABELS[language]
    lines = [imprint.name, *[line.strip() for line in imprint.address.splitlines() if line.strip()]]
    for field in ("contact", "register", "vat_id", "representative"):
        value = getattr(imprint, field)
        if value:
            lines.append(f"{labels[field]}: {value}")
    return [line for line in lines if line]


def footer_text(imprint: Imprint, language: str, *, objection: bool) -> str:
    labels = LABELS[language if language in LABELS else "en"]
    parts = [
        "-- ",
        f"{labels['title']}:",
        *_lines(imprint, language if language in LABELS else "en"),
    ]
    if objection:
        parts += ["", labels["objection"]]
    return "\n".join(parts)


def footer_html(imprint: Imprint, language: str, *, objection: bool) -> str:
    language = language if language in LABELS else "en"
    labels = LABELS[language]
    body = "<br>".join(escape(line) for line in _lines(imprint, language))
    html = (
        '<div class="consentry-imprint" style="font-size:12px;color:#555;margin-top:24px">'
        f"<strong>{escape(labels['title'])}</strong><br>{body}"
    )
    if objection:
        notice = escape(labels["objection"])
        html += f'<p class="consentry-objection" style="margin:8px 0 0">{notice}</p>'
    return html + "</div>"
