from __future__ import annotations

from django.urls import path

from subscriber import views

app_name = "subscriber"
urlpatterns = [
    path("f/<str:public_id>/", views.signup, name="signup"),
    path("f/<str:public_id>/thanks/", views.signup_thanks, name="signup_thanks"),
    path("c/<str:token>/", views.confirm, name="confirm"),
]
