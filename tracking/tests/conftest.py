"""Fixtures of other apps' tests that tracking's tests need too."""

from __future__ import annotations

import pytest

from campaigns.models import Campaign
from contacts.models import Contact
from contacts.testing import SYSTEM
from contacts.tracking import set_tracking_consent
from delivery.testing import Sendable
from domains.tests.conftest import platform  # noqa: F401 (the loopback DNS of `verified`)
from imports.tests.conftest import verified  # noqa: F401 (alice's account may import)
from tracking.testing import links_campaign, send


@pytest.fixture
def sent(sendable: Sendable) -> tuple[Sendable, Campaign, Contact]:
    """A tracking campaign with two web links sent; anna consented to tracking, the
    others did not."""
    anna = Contact.objects.get(address="anna@example.org")
    set_tracking_consent(anna, True, actor=SYSTEM, basis="preference_centre")
    campaign = links_campaign(sendable)
    send(sendable, campaign)
    return sendable, campaign, anna
