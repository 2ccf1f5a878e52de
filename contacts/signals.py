"""Moments the contacts app announces to the apps that build on it.

Receivers connect when Django starts (their AppConfig.ready) and run inside the sending
transaction: an error in one rolls the whole change back.
"""

from __future__ import annotations

from django.dispatch import Signal

# STATUS-4/PRIVACY-1: a contact was erased; whoever keeps its personal data elsewhere
# (evidence keys, import reports) forgets it now. Sent with `contact`.
contact_erased = Signal()
