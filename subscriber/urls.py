from __future__ import annotations

from django.urls import path

from subscriber import abuse, tracking, unsubscribe, views

app_name = "subscriber"
urlpatterns = [
    path("report-abuse/", abuse.report_abuse, name="report_abuse"),
    path("report-abuse/thanks/", abuse.abuse_thanks, name="abuse_thanks"),
    path("f/<str:public_id>/", views.signup, name="signup"),
    path("f/<str:public_id>/thanks/", views.signup_thanks, name="signup_thanks"),
    path("c/<str:token>/", views.confirm, name="confirm"),
    # No trailing slash: the List-Unsubscribe URL is used as it is, and a one-click POST
    # must never be answered with a redirect (RFC 8058).
    path("u/<str:token>", unsubscribe.unsubscribe, name="unsubscribe"),
    path("u/<str:token>/preferences", unsubscribe.preferences, name="preferences"),
    path("u/<str:token>/erase", unsubscribe.erase, name="erase"),
    path("u/<str:token>/data", unsubscribe.personal_data, name="personal_data"),
    # CONSENT-4: the open pixel and the signed click redirect; no trailing slash either.
    path("t/o/<str:token>", tracking.open_pixel, name="open_pixel"),
    path("t/c/<str:token>", tracking.click, name="click"),
]
