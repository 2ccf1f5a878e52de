"""Templates: an account's saved layouts, and the platform's starter set.

A layout is HTML with one content area (`{{ content }}`) and a text version with the same
area (or none: the text is then made from the HTML). A campaign made from a layout gets the
layout with the author's content in its area: from then on it is the campaign's own HTML,
checked like any other when saved. A layout is checked when it is saved, with sample
content in its area: a syntax or render-time error is refused naming its line.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from campaigns.models import Template
from campaigns.render import check_template, text_from_html
from campaigns.rules import content_areas, fill_content_area
from campaigns.sandbox import MAX_OUTPUT
from campaigns.selectors import max_output_of
from consent import services as evidence
from core.actors import Actor
from core.errors import Conflict, InvalidInput, NotFound
from core.text import clean_text

if TYPE_CHECKING:
    from accounts.models import Account

STARTERS = ("letter", "newsletter", "announcement")
_STARTER_DIR = Path(__file__).resolve().parent / "starters"
# What a layout's content area holds while it is checked: one line, so lines keep their number.
_SAMPLE_CONTENT = "<p>Sample text of a campaign.</p>"
MAX_SOURCE = 500_000


@cache
def starter(name: str) -> tuple[str, str]:
    """A starter layout's HTML and text."""
    if name not in STARTERS:
        raise NotFound(f"no starter template {name!r} (starters: {', '.join(STARTERS)})")
    return (
        (_STARTER_DIR / f"{name}.html").read_text(encoding="utf-8"),
        (_STARTER_DIR / f"{name}.txt").read_text(encoding="utf-8"),
    )


def templates_of(account: Account) -> QuerySet[Template]:
    return Template.objects.filter(account=account)


def template_of(account: Account, template_id: int) -> Template:
    found = templates_of(account).filter(pk=template_id).first()
    if found is None:
        raise NotFound("no such template")
    return found


def layout_of(account: Account, ref: str) -> tuple[str, str]:
    """The HTML and text of a layout named by `ref`: a starter's name or a template's id."""
    ref = (ref or "").strip()
    if ref.isdigit():
        found = template_of(account, int(ref))
        return found.html, found.text
    return starter(ref)


def compose(layout: tuple[str, str], content: str) -> dict[str, str]:
    """A campaign's HTML and text: the layout with `content` (HTML) in its content area."""
    html, text = layout
    content = clean_text(content or "", field="content", max_length=MAX_SOURCE, multiline=True)
    body_text = fill_content_area(text, text_from_html(content).rstrip()) if text else ""
    return {"html": fill_content_area(html, content), "text": body_text}


def _checked(name: str, html: str, text: str, max_output: int = MAX_OUTPUT) -> dict[str, str]:
    name = clean_text(name or "", field="name", max_length=200).strip()
    if not name:
        raise InvalidInput("a template needs a name")
    html = clean_text(html or "", field="html", max_length=MAX_SOURCE, multiline=True)
    text = clean_text(text or "", field="text", max_length=MAX_SOURCE, multiline=True)
    if content_areas(html) != 1:
        raise InvalidInput("the template's HTML needs exactly one content area: {{ content }}")
    if content_areas(text) > 1:
        raise InvalidInput("the template's text has more than one content area")
    check_template(
        fill_content_area(html, _SAMPLE_CONTENT), part="template's HTML", max_output=max_output
    )
    if text:
        check_template(
            fill_content_area(text, "Sample text."),
            part="template's text",
            html=False,
            max_output=max_output,
        )
    return {"name": name, "html": html, "text": text}


@transaction.atomic
def create_template(
    account: Account,
    *,
    actor: Actor,
    name: str,
    html: str = "",
    text: str = "",
    starter_name: str = "",
) -> Template:
    """A saved layout; with `starter_name` and no HTML, a copy of that starter."""
    if starter_name and not html:
        html, text = starter(starter_name)
    values = _checked(name, html, text, max_output_of(account))
    try:
        with transaction.atomic():
            template = Template.objects.create(account=account, **values)
    except IntegrityError:
        raise Conflict(f"name: a template named {values['name']!r} exists") from None
    evidence.record(account, "template.created", actor=actor, payload={"template": template.pk})
    return template


@transaction.atomic
def update_template(
    template: Template, *, actor: Actor, name: str, html: str, text: str = ""
) -> Template:
    values = _checked(name, html, text, max_output_of(template.account))
    if templates_of(template.account).filter(name=values["name"]).exclude(pk=template.pk).exists():
        raise Conflict(f"name: a template named {values['name']!r} exists")
    for field, value in values.items():
        setattr(template, field, value)
    template.save()
    evidence.record(
        template.account, "template.updated", actor=actor, payload={"template": template.pk}
    )
    return template


@transaction.atomic
def delete_template(template: Template, *, actor: Actor) -> None:
    """Campaigns made from it keep their HTML: they copied it."""
    evidence.record(
        template.account, "template.deleted", actor=actor, payload={"template": template.pk}
    )
    template.delete()
