"""The public sign-up (ACCOUNT-1): a pending account, its owner, the answers as evidence.

The terms and guidelines accepted are versioned wordings cited by evidence records in the
new account's chain; the owner's address is confirmed by a signed link mailed through the
normal outbound path, and the click puts the case in the operator's review queue.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import guidelines as texts
from accounts import review
from accounts.models import Application
from campaigns import guidelines
from consent import services as evidence
from core.actors import Actor
from delivery.platform_mail import send_platform_mail


def owner_link(application: Application) -> str:
    return f"{settings.BASE_URL}/signup/confirm/{review.owner_token_of(application)}/"


def sign_up(data: review.SignupData, *, actor: Actor) -> tuple[Application, str]:
    """Create the pending account; returns it and the relay's answer to the owner's mail."""
    language = texts.language_of(data.language)
    with transaction.atomic():
        application = review.register(data, terms_version=texts.TERMS_VERSION)
        account = application.account
        evidence.record(
            account,
            "account.signed_up",
            actor=actor,
            wording=guidelines.terms_wording(language),
            payload={
                "terms_version": texts.TERMS_VERSION,
                "website": application.website,
                "expected_volume": application.expected_volume,
                "frequency": application.frequency,
                "address_sources": application.address_sources,
                "consent_method": application.consent_method,
            },
            personal={"owner_email": application.owner_email},
        )
        owner = Actor("user", str(application.owner_id), actor.ip, actor.user_agent)
        guidelines.accept(account, actor=owner, context="signup", language=language)
    return application, mail_owner_link(application)


def mail_owner_link(application: Application) -> str:
    """The owner's confirmation mail (again, when asked); the relay's answer."""
    text = "\n\n".join(
        [
            _("Hello,"),
            _(
                "you signed up the account %(account)s on consentry. To confirm this address, "
                "open this link:"
            )
            % {"account": application.account.name}
            + "\n"
            + owner_link(application),
            _(
                "Then the platform operator reviews your answers. If you did not sign up, "
                "ignore this email."
            ),
        ]
    )
    return send_platform_mail(
        to=application.owner_email,
        subject=_("Confirm your address for %(account)s") % {"account": application.account.name},
        text=text,
        account_id=application.account_id,
        what=f"sign-up {application.pk} owner confirmation",
    )


def confirm_owner(token: str, *, actor: Actor) -> Application:
    with transaction.atomic():
        application = review.confirm_owner(token)
        evidence.record(
            application.account,
            "account.owner_confirmed",
            actor=actor,
            payload={"application": application.pk},
            personal={"owner_email": application.owner_email},
        )
    return application
