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
from urllib.parse import quote

from carrier.tokens import OPEN, make_link_token, make_token

# A link longer than this is left as it is: a tracked URL must stay a usable URL.
MAX_TRACKED_URL = 2000

_HREF = re.compile(r"""(<a\b[^>]*?\bhref\s*=\s*)(["'])(https?://[^"'<>\s]+)\2""", re.IGNORECASE)
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)


class LinkTracker:
    """Rewrites one campaign's messages for recipients who consented to tracking."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._own = f"{self.base_url}/"

    def click_url(self, entry_id: int, url: str) -> str:
        return f"{self.base_url}/t/c/{make_link_token(entry_id, url)}?u={quote(url, safe='')}"

    def open_url(self, entry_id: int) -> str:
        return f"{self.base_url}/t/o/{make_token(OPEN, entry_id)}"

    def rewrite(self, body: str, entry_id: int) -> str:
        """The HTML with its web links tracked and the open pixel at the end of its body."""

        def tracked(match: re.Match[str]) -> str:
            url = html.unescape(match.group(3))
            if url.startswith(self._own) or len(url) > MAX_TRACKED_URL:
                return match.group(0)
            quote_mark = match.group(2)
            new = html.escape(self.click_url(entry_id, url), quote=True)
            return f"{match.group(1)}{quote_mark}{new}{quote_mark}"

        body = _HREF.sub(tracked, body)
        pixel = (
            f'<img src="{html.escape(self.open_url(entry_id))}" width="1" height="1" alt=""'
            ' style="display:block;border:0">'
        )
        ends = list(_BODY_END.finditer(body))
        if not ends:
            return body + pixel
        at = ends[-1].start()
        return body[:at] + pixel + body[at:]
