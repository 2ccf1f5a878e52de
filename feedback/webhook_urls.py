"""`/webhooks/…`: provider tracking webhooks and the generic JSON webhook (BOUNCE-2)."""

from __future__ import annotations

from django.urls import path

from feedback import webhook_views

app_name = "webhooks"
urlpatterns = [
    path("generic/", webhook_views.generic, name="generic"),
    *(
        path(f"{esp}/tracking/", webhook_views.provider_door(esp), name=f"{esp}_tracking")
        for esp in webhook_views.VIEWS
    ),
]
