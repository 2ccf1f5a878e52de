"""The open pixel and the rewritten links of a tracked message (CONSENT-4).

Only a recipient who consented to tracking gets them (delivery decides). Each web link of
the HTML part goes through `<BASE_URL>/t/c/<token>?u=<URL>`, the token signing the row
and the URL, so the redirect sends nobody anywhere we did not write. The unsubscribe link
and the platform's own pages stay as they are: tracking them would count an unsubscribe
as a click, and a person must be able to leave untracked.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from urllib.parse import quote

from carrier.tokens import OPEN, make_link_token, make_token

# A link longer than this is left as it is: a tracked URL must stay a usable URL.
MAX_TRACKED_URL = 2000
PLAIN_PIECES = 4096  # kept per campaign; a template has far fewer literal pieces

_HREF = re.compile(r"""(<a\b[^>]*?\bhref\s*=\s*)(["'])(https?://[^"'<>\s]+)\2""", re.IGNORECASE)
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)


class LinkTracker:
    """Rewrites one campaign's messages for recipients who consented to tracking."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._own = f"{self.base_url}/"
        self._escaped_base = html.escape(self.base_url, quote=True)
        # The same links in every message: each URL unescaped and quoted once.
        self._targets: dict[str, tuple[str, str] | None] = {}
        # Pieces that need no change (no link, no end of the body, no tag cut short).
        self._plain: set[str] = set()

    def open_url(self, entry_id: int) -> str:
        return f"{self.base_url}/t/o/{make_token(OPEN, entry_id)}"

    def _target(self, href: str) -> tuple[str, str] | None:
        """(URL, URL quoted for the query) of an href as written, None if not tracked."""
        found = self._targets.get(href, False)
        if found is False:
            url = html.unescape(href)
            found = None
            if not url.startswith(self._own) and len(url) <= MAX_TRACKED_URL:
                found = (url, quote(url, safe=""))
            if len(self._targets) < 1000:
                self._targets[href] = found
        return found  # type: ignore[return-value]

    def _links(self, piece: str, entry_id: int) -> str:
        def tracked(match: re.Match[str]) -> str:
            target = self._target(match.group(3))
            if target is None:
                return match.group(0)
            # Token and quoted URL hold no character HTML would need escaped.
            token = make_link_token(entry_id, target[0])
            mark = match.group(2)
            return f"{match.group(1)}{mark}{self._escaped_base}/t/c/{token}?u={target[1]}{mark}"

        return _HREF.sub(tracked, piece)

    def pixel(self, entry_id: int) -> str:
        return (
            f'<img src="{html.escape(self.open_url(entry_id))}" width="1" height="1" alt=""'
            ' style="display:block;border:0">'
        )

    def rewrite_pieces(self, pieces: Iterable[str], entry_id: int) -> Iterator[str]:
        """The HTML's web links tracked and the open pixel at the end of its body, over the
        pieces a compiled template yields: pieces without a link pass unchanged (the
        encoder keeps their encoding), a tag cut between pieces is joined first."""
        # Pieces may be markupsafe.Markup: joined by "+", a Markup escapes the other side.
        held = ""
        placed = False
        plain = self._plain
        for piece in pieces:
            if not held and piece in plain:  # a literal seen before: nothing to do
                yield piece
                continue
            if held:
                piece, held = "".join((held, piece)), ""
            if piece.rfind("<") > piece.rfind(">"):  # a tag goes on in the next piece
                held = piece
                continue
            changed = False
            if "ref" in piece or "REF" in piece or "Ref" in piece:
                piece, changed = self._links(str(piece), entry_id), True
            if not placed and ("body" in piece or "BODY" in piece or "Body" in piece):
                ends = list(_BODY_END.finditer(piece))
                if ends:
                    at = ends[-1].start()
                    piece = "".join((piece[:at], self.pixel(entry_id), piece[at:]))
                    placed = changed = True
            if not changed and len(plain) < PLAIN_PIECES:
                plain.add(piece)
            yield piece
        if held:
            yield self._links(held, entry_id)
        if not placed:
            yield self.pixel(entry_id)
