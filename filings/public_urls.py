"""Pages anyone may open without an account."""

from django.urls import path

from filings.views import verify

urlpatterns = [
    path("verify/", verify.verify_number, name="verify"),
]
