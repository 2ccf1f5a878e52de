"""Moments the domains app announces to the apps that build on it.

Receivers connect when Django starts (their AppConfig.ready) and run inside the check's
transaction: an error in one rolls the status change back.
"""

from __future__ import annotations

from django.dispatch import Signal

# DOMAIN-1: a sender domain's status moved (a check or the periodic recheck). Sent with
# `domain` (the SenderDomain), `previous` and `status` (DomainStatus values) and `reason`
# (the failing checks' messages, empty when it passes).
domain_status_changed = Signal()
