"""Reviews past their due date, told to the office's lead on the day they are missed.

The daily digest run (``filings.tasks.send_reminders``) calls ``escalate_missed_reviews`` after the
reviewers' digests: each lead (a reviewer in the group ``reviewer_group.LEAD_GROUP``) gets
one email listing the filings of their own office that a decision still waits for and whose
review due date has passed since they were last told. A ``ReviewEscalation`` row per (filing, due
date, lead) is the claim: a second run the same day, or the next day, tells nothing again; a
filing whose due date moves (a calendar entered, a resubmission) is told again when the new date
is missed."""

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from filings.models import Filing, Reviewer, ReviewEscalation
from filings.models.filings import OPEN_FOR_REVIEW
from filings.review.reviewer_group import LEAD_GROUP
from notifications import emails

MAX_LISTED = 200


def missed_reviews(office_id: int, lead, today: date):
    """The office's filings past their review due date not yet told to ``lead``."""
    told = ReviewEscalation.objects.filter(
        filing=OuterRef("pk"), review_due=OuterRef("review_due"), lead=lead
    )
    return (
        Filing.objects.filter(office_id=office_id, status__in=OPEN_FOR_REVIEW)
        .filter(review_due__lt=today)
        .exclude(Exists(told))
        .select_related("organization")
        .defer("data")
        .order_by("review_due", "pk")
    )


def escalate_missed_reviews(today: date | None = None) -> int:
    """One email to each lead whose office has newly missed reviews; returns how many went."""
    today = today or timezone.localdate()
    sent = 0
    leads = Reviewer.objects.select_related("user", "office").filter(
        user__is_active=True, user__groups__name=LEAD_GROUP
    )
    for lead in leads:
        filings = list(missed_reviews(lead.office_id, lead.user, today)[:MAX_LISTED])
        if not filings:
            continue
        try:
            with transaction.atomic():
                ReviewEscalation.objects.bulk_create(
                    ReviewEscalation(
                        filing=filing, review_due=filing.review_due, lead=lead.user, sent_on=today
                    )
                    for filing in filings
                )
                emails.send(
                    "review_escalation",
                    to=lead.user.email,
                    language=lead.user.language,
                    context={
                        "user": lead.user,
                        "office": lead.office,
                        "filings": filings,
                        "today": today,
                    },
                )
        except IntegrityError:
            continue  # another run told this lead already
        sent += 1
    return sent
