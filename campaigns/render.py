"""Campaign templates: Jinja2 in a SandboxedEnvironment, compiled once per campaign.

The HTML gets its CSS inlined (css-inline) once, before compiling; the text part, when the
campaign gives none, is made from that HTML template (campaigns.textpart: links kept as
`label (url)`), so the template tags survive into the text template. Per recipient only
the compiled templates run. User HTML shown in the UI passes nh3 first (`sanitised`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import css_inline
import nh3
from jinja2 import ChainableUndefined, TemplateSyntaxError, meta
from markupsafe import Markup

from campaigns.imprint import Imprint, footer_html, footer_text
from campaigns.rules import KNOWN_NAMES
from campaigns.sandbox import MAX_OUTPUT, BoundedSandbox, bounded
from campaigns.textpart import text_from_html
from core.errors import InvalidInput

_HTML_ENV = BoundedSandbox(autoescape=True, keep_trailing_newline=True)
_TEXT_ENV = BoundedSandbox(autoescape=False, keep_trailing_newline=True)
# The save's trial rendering: a field the sample contact lacks is empty, as it may be.
_TRIAL_ENVS = {
    html: BoundedSandbox(autoescape=html, keep_trailing_newline=True, undefined=ChainableUndefined)
    for html in (True, False)
}
_SAMPLE = {
    "first_name": "Anna",
    "last_name": "Muster",
    "email": "anna@example.org",
    "fields": {},
    "unsubscribe_url": "https://example.org/u/sample/",
    "imprint": "Example GmbH, Musterstraße 1, 10115 Berlin",
}
# The <style> block stays as well: its media queries reach the clients that read them.
_INLINER = css_inline.CSSInliner(keep_style_tags=True, load_remote_stylesheets=False)

# What the preview shows of user HTML: layout and styling, never script or active content.
_PREVIEW_ATTRIBUTES: dict[str, set[str]] = {
    tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()
}
_PREVIEW_ATTRIBUTES["*"] = {"style", "class", "align", "width", "height", "bgcolor"}


# The mail's <style> block stays (its media queries make the mobile preview): the preview
# lives in a sandboxed frame whose policy refuses scripts and remote stylesheets.
_PREVIEW_TAGS = set(nh3.ALLOWED_TAGS) | {"style"}


def sanitised(html: str) -> str:
    """HTML safe to show inside the platform's own pages, in a sandboxed frame."""
    return nh3.clean(
        html, tags=_PREVIEW_TAGS, clean_content_tags={"script"}, attributes=_PREVIEW_ATTRIBUTES
    )


def inline_css(html: str) -> str:
    if "<style" not in html.lower():
        return html  # nothing to inline: keep the author's markup byte for byte
    return _INLINER.inline(html)


def template_names(source: str, *, html: bool = True) -> frozenset[str]:
    """The top-level names a template uses; InvalidInput on a syntax error."""
    env = _HTML_ENV if html else _TEXT_ENV
    try:
        return frozenset(meta.find_undeclared_variables(env.parse(source)))
    except TemplateSyntaxError as exc:
        raise InvalidInput(f"template error on line {exc.lineno}: {exc.message}") from None


def _template_line(exc: BaseException) -> int | None:
    """The template line a rendering failed on: Jinja rewrites the traceback so that the
    template's frames carry its own line numbers."""
    line, tb = None, exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def check_template(
    source: str, *, part: str, html: bool = True, max_output: int = MAX_OUTPUT
) -> None:
    """Refuses a template with unknown names, or one that fails or grows beyond the
    sandbox's bounds when rendered for a sample contact: refused when saved, not sent."""
    unknown = template_names(source, html=html) - KNOWN_NAMES
    if unknown:
        raise InvalidInput(
            f"the {part} uses unknown names: {', '.join(sorted(unknown))}",
            details=[f"known: {', '.join(sorted(KNOWN_NAMES))}"],
        )
    try:
        template = _TRIAL_ENVS[html].from_string(source)
        for _piece in bounded(template.generate(_SAMPLE), max_output):
            pass
    except Exception as exc:  # whatever the template raises, its author is told where
        line = _template_line(exc)
        where = f" on line {line}" if line else ""
        raise InvalidInput(f"the {part} fails{where}: {exc}") from None


@dataclass(frozen=True)
class Rendered:
    subject: str
    html: str
    text: str


@dataclass(frozen=True)
class RenderedPieces:
    """The bodies as the pieces the templates yield, for delivery's piecewise encoding."""

    subject: str
    html: Iterator[str]
    text: Iterator[str]


class CompiledCampaign:
    """Templates and footers of one campaign, ready to render each recipient's message."""

    def __init__(
        self,
        *,
        subject: str,
        html: str,
        text: str,
        imprint: Imprint,
        language: str,
        max_output: int = MAX_OUTPUT,
    ) -> None:
        self.max_output = max_output
        self.subject_source = subject
        self.html_source = inline_css(html)
        self.text_source = text or text_from_html(self.html_source)
        try:
            self.subject = _TEXT_ENV.from_string(subject)
            self.html = _HTML_ENV.from_string(self.html_source)
            self.text = _TEXT_ENV.from_string(self.text_source)
        except TemplateSyntaxError as exc:
            raise InvalidInput(f"template error on line {exc.lineno}: {exc.message}") from None
        for template in (self.subject, self.html, self.text):
            # The same names as a plain dict: Jinja merges a template's globals (a ChainMap
            # over the environment's) into every render's context, ~6 µs a render as a
            # ChainMap. Nothing changes the environment's globals after start-up.
            template.globals = dict(template.globals)
        # INDUSTRY-6: the objection notice goes to existing customers only.
        self.imprint_html = {
            flag: Markup(footer_html(imprint, language, objection=flag))  # noqa: S704
            for flag in (False, True)
        }
        self.imprint_text = {
            flag: footer_text(imprint, language, objection=flag) for flag in (False, True)
        }
        self.text_names = template_names(self.text_source, html=False)
        self.html_names = template_names(self.html_source)

    def _contexts(
        self, contact: Mapping[str, Any], unsubscribe_url: str, objection: bool
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        context = dict(contact)
        context["unsubscribe_url"] = unsubscribe_url
        text_context = dict(context, imprint=self.imprint_text[objection])
        context["imprint"] = self.imprint_html[objection]
        return context, text_context

    def render(
        self, contact: Mapping[str, Any], *, unsubscribe_url: str, objection: bool
    ) -> Rendered:
        """`contact` holds first_name, last_name, email and fields."""
        context, text_context = self._contexts(contact, unsubscribe_url, objection)
        subject = " ".join(
            "".join(bounded(self.subject.generate(text_context), self.max_output)).split()
        )
        return Rendered(
            subject,
            "".join(bounded(self.html.generate(context), self.max_output)),
            "".join(bounded(self.text.generate(text_context), self.max_output)),
        )

    def render_pieces(
        self, contact: Mapping[str, Any], *, unsubscribe_url: str, objection: bool
    ) -> RenderedPieces:
        """As `render`, the bodies left as the templates' pieces (the send's hot path)."""
        context, text_context = self._contexts(contact, unsubscribe_url, objection)
        subject = " ".join(
            "".join(bounded(self.subject.generate(text_context), self.max_output)).split()
        )
        return RenderedPieces(
            subject,
            bounded(self.html.generate(context), self.max_output),
            bounded(self.text.generate(text_context), self.max_output),
        )
