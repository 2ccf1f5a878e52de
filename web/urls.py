from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path

from web.views import (
    accounts,
    addresses,
    admission,
    api_keys,
    campaigns,
    contacts,
    domains,
    imports,
    inbox,
    layouts,
    lists,
    own_addresses,
    passwords,
    profile,
    reports,
    sandbox,
    schedules,
    segments,
    signup,
    signup_forms,
    unsubscribe_requests,
    violations,
)

app_name = "web"

# Everything under /a/<slug>/ belongs to one account and goes through web.access.
account_patterns = [
    path("", accounts.account_home, name="account"),
    path("contacts/", contacts.contacts, name="contacts"),
    path("contacts/check/", addresses.address_check, name="address_check"),
    path("contacts/<int:contact_id>/", contacts.contact, name="contact"),
    path("contacts/<int:contact_id>/status/", contacts.contact_status, name="contact_status"),
    path("contacts/<int:contact_id>/delete/", contacts.contact_delete, name="contact_delete"),
    path("contacts/<int:contact_id>/proof/", contacts.contact_proof, name="contact_proof"),
    path(
        "contacts/<int:contact_id>/personal-data/",
        contacts.contact_personal_data,
        name="contact_personal_data",
    ),
    path("lists/", lists.lists, name="lists"),
    path("lists/<int:list_id>/", lists.list_detail, name="list"),
    path("lists/<int:list_id>/forms/", signup_forms.form_create, name="signup_form_create"),
    path("lists/<int:list_id>/audit/", admission.audit_start, name="list_audit_start"),
    path("lists/<int:list_id>/audits/<int:audit_id>/", admission.audit_detail, name="list_audit"),
    path(
        "lists/<int:list_id>/audits/<int:audit_id>/problems.csv",
        admission.audit_problems,
        name="list_audit_problems",
    ),
    path("lists/<int:list_id>/attest/", admission.attest, name="list_attest"),
    path("lists/<int:list_id>/stale/", admission.stale, name="list_stale"),
    path("lists/<int:list_id>/reconfirm/", admission.reconfirm, name="list_reconfirm"),
    path("forms/<int:form_id>/", signup_forms.form_detail, name="signup_form"),
    path("segments/", segments.segment_list, name="segments"),
    path("segments/<int:segment_id>/", segments.segment_detail, name="segment"),
    path(
        "segments/<int:segment_id>/conditions/",
        segments.segment_condition_add,
        name="segment_condition_add",
    ),
    path(
        "segments/<int:segment_id>/conditions/<int:index>/remove/",
        segments.segment_condition_remove,
        name="segment_condition_remove",
    ),
    path("segments/<int:segment_id>/delete/", segments.segment_delete, name="segment_delete"),
    path("domains/", domains.domains, name="domains"),
    path("domains/<int:domain_id>/", domains.domain_detail, name="domain"),
    path("domains/<int:domain_id>/check/", domains.domain_check, name="domain_check"),
    path(
        "domains/<int:domain_id>/sandbox-dns/",
        domains.domain_sandbox_publish,
        name="domain_sandbox_publish",
    ),
    path("campaigns/", campaigns.campaigns, name="campaigns"),
    path("campaigns/<int:campaign_id>/", campaigns.campaign_detail, name="campaign"),
    path(
        "campaigns/<int:campaign_id>/progress/",
        campaigns.campaign_progress,
        name="campaign_progress",
    ),
    path(
        "campaigns/<int:campaign_id>/report/",
        reports.campaign_report_page,
        name="campaign_report",
    ),
    path(
        "campaigns/<int:campaign_id>/report.csv",
        reports.campaign_report_csv,
        name="campaign_report_csv",
    ),
    path("campaigns/<int:campaign_id>/send/", campaigns.campaign_send, name="campaign_send"),
    path("campaigns/<int:campaign_id>/test/", campaigns.campaign_test, name="campaign_test"),
    path(
        "campaigns/<int:campaign_id>/schedule/",
        schedules.campaign_schedule,
        name="campaign_schedule",
    ),
    path(
        "campaigns/<int:campaign_id>/unschedule/",
        schedules.campaign_unschedule,
        name="campaign_unschedule",
    ),
    path(
        "campaigns/<int:campaign_id>/duplicate/",
        schedules.campaign_duplicate,
        name="campaign_duplicate",
    ),
    path("templates/", layouts.templates, name="templates"),
    path("templates/<int:template_id>/", layouts.template_detail, name="template"),
    path("templates/<int:template_id>/delete/", layouts.template_delete, name="template_delete"),
    path("time-zone/", schedules.time_zone, name="time_zone"),
    path(
        "campaigns/<int:campaign_id>/<slug:action>/",
        campaigns.campaign_control,
        name="campaign_control",
    ),
    path("imprint/", campaigns.imprint, name="imprint"),
    path("review/", signup.account_review, name="account_review"),
    path("guidelines/", signup.guidelines_page, name="guidelines"),
    path("test-addresses/", own_addresses.test_address_list, name="test_addresses"),
    path(
        "test-addresses/<int:address_id>/remove/",
        own_addresses.test_address_remove,
        name="test_address_remove",
    ),
    path(
        "violations/<int:violation_id>/remediation/",
        violations.violation_remediation,
        name="violation_remediation",
    ),
    path("replies/", inbox.reply_inbox, name="replies"),
    path("replies/<int:reply_id>/", inbox.reply_detail, name="reply"),
    path("proof-requests/", inbox.proof_requests, name="proof_requests"),
    path("proof-requests/<int:case_id>/", inbox.proof_answer, name="proof_answer"),
    path("imports/", imports.imports, name="imports"),
    path("imports/<int:import_id>/", imports.import_detail, name="import"),
    path("imports/<int:import_id>/progress/", imports.import_progress, name="import_progress"),
    path(
        "imports/<int:import_id>/attest/<str:which>/", imports.import_attest, name="import_attest"
    ),
    path("imports/<int:import_id>/resume/", imports.import_resume, name="import_resume"),
    path("imports/<int:import_id>/report.csv", imports.import_report, name="import_report"),
    path(
        "unsubscribe-requests/",
        unsubscribe_requests.unsubscribe_requests,
        name="unsubscribe_requests",
    ),
    path(
        "unsubscribe-requests/<int:request_id>/<str:action>/",
        unsubscribe_requests.unsubscribe_request_action,
        name="unsubscribe_request_action",
    ),
    path("api-keys/", api_keys.api_keys, name="api_keys"),
    path("api-keys/<int:key_id>/revoke/", api_keys.api_key_revoke, name="api_key_revoke"),
    path("sandbox/", sandbox.sandbox, name="sandbox"),
    path("sandbox/<int:message_id>/", sandbox.sandbox_message, name="sandbox_message"),
    path(
        "sandbox/<int:message_id>/html/", sandbox.sandbox_message_html, name="sandbox_message_html"
    ),
    path("sandbox/<int:message_id>/raw/", sandbox.sandbox_message_raw, name="sandbox_message_raw"),
    path(
        "sandbox/<int:message_id>/simulate/<slug:kind>/",
        sandbox.sandbox_simulate,
        name="sandbox_simulate",
    ),
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("", accounts.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="web/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("profile/", profile.profile, name="profile"),
    path("password-reset/", passwords.password_reset, name="password_reset"),
    path("password-reset/sent/", passwords.password_reset_done, name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        passwords.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        passwords.password_reset_complete,
        name="password_reset_complete",
    ),
    # Django's LogoutView accepts POST only: a link or a prefetch cannot sign anyone out.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # ACCOUNT-1: the public sign-up and the link of the owner's confirmation mail.
    path("signup/", signup.signup_page, name="signup"),
    path("signup/confirm/<str:token>/", signup.signup_confirm, name="signup_confirm"),
    path("a/<slug:slug>/", include(account_patterns)),
    # The link of a test address's confirmation mail: no sign-in, the link proves the mailbox.
    path(
        "test-address/<str:token>/",
        own_addresses.test_address_confirm,
        name="test_address_confirm",
    ),
    # Operators: the sandbox mailbox of every account, and platform mail of none.
    path("sandbox/", sandbox.sandbox_all, name="sandbox_all"),
    path("sandbox/<int:message_id>/", sandbox.sandbox_all_message, name="sandbox_all_message"),
    path(
        "sandbox/<int:message_id>/html/",
        sandbox.sandbox_all_message_html,
        name="sandbox_all_message_html",
    ),
    path(
        "sandbox/<int:message_id>/raw/",
        sandbox.sandbox_all_message_raw,
        name="sandbox_all_message_raw",
    ),
]
