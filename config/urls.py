from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from api.api import api
from config.views import bad_request, healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("console/", include("console.urls")),
    path("webhooks/", include("feedback.webhook_urls")),
    path("", include("subscriber.urls")),
    path("", include("web.urls")),
]

# The API answers in JSON even when Django refuses the request before routing it.
handler400 = bad_request
