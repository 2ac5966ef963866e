"""The Django admin: set-up pages for administrators (calendar, jurisdictions, organizations) and
the review workspace for reviewers (filings, scoped to their office)."""

from filings.admin import audit, overdue, retention, review, reviewers, setup  # noqa: F401 - registers the ModelAdmins
