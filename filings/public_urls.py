"""Pages anyone may open without an account."""

from django.urls import path

from filings.views import account_rights, rules, self_check, verify

urlpatterns = [
    path("verify/", verify.verify_number, name="verify"),
    path("rules/", rules.rules, name="rules"),
    path("check/", self_check.self_check_page, name="self_check"),
    path("privacy/", account_rights.privacy, name="privacy"),
]
