"""Pages anyone may open without an account."""

from django.urls import path

from filings.views import rules, verify

urlpatterns = [
    path("verify/", verify.verify_number, name="verify"),
    path("rules/", rules.rules, name="rules"),
]
