"""Which filings a member of staff may see in the review workspace. Every admin page, export,
download and statistic of filings starts from ``filings_visible_to``."""

from django.db.models import Exists, OuterRef, Prefetch, Q, prefetch_related_objects

from filings.models import Filing, Jurisdiction, Reviewer
from filings.models.filings import OUTSIDE_THE_QUEUE


def office_of(user) -> Jurisdiction | None:
    """The reviewer's office, read with the appointment in one query and kept on the user for the
    rest of the request (every page of the workspace asks for it, some several times)."""
    if not user.is_authenticated:
        return None
    appointment = Reviewer.objects.select_related("office")
    prefetch_related_objects([user], Prefetch("reviewer", queryset=appointment))
    reviewer = getattr(user, "reviewer", None)
    return reviewer.office if reviewer else None


def _in_jurisdiction(user, queryset, office: str):
    """``queryset`` cut to the user's jurisdiction, ``office`` naming the path from its rows to
    their office ("office", or "" when the rows are offices): a superuser sees all; a reviewer
    its office's (a provincial office also its prefectures'); anyone else nothing."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return queryset.none()
    if user.is_superuser:
        return queryset
    own = office_of(user)
    if own is None:
        return queryset.none()
    path = f"{office}__" if office else ""
    mine = Q(**{f"{path}pk": own.pk})
    if own.level == Jurisdiction.Level.PROVINCE:
        mine |= Q(**{f"{path}province": own})
    return queryset.filter(mine)


def filings_visible_to(user, queryset=None):
    """Superusers see every submitted filing; a reviewer those of its office (a provincial office
    also those of its prefectures); anyone else none. Drafts are the organization's own, and so is
    a filing it withdrew before any review: the office's queue no longer shows it."""
    queryset = Filing.objects.all() if queryset is None else queryset
    queryset = queryset.exclude(status__in=OUTSIDE_THE_QUEUE)
    return _in_jurisdiction(user, queryset, "office")


def offices_visible_to(user):
    """The offices whose filings the user sees and that hold at least one, by division code: one
    EXISTS probe per office on the filings' office index, whatever the number of filings."""
    holding = Filing.objects.filter(office=OuterRef("pk")).exclude(status__in=OUTSIDE_THE_QUEUE)
    offices = Jurisdiction.objects.filter(Exists(holding)).order_by("code")
    return _in_jurisdiction(user, offices, "")


def offices_in_jurisdiction(user):
    """Every office whose filings the user sees, whether or not it holds any."""
    return _in_jurisdiction(user, Jurisdiction.objects.all(), "")


def may_review(user) -> bool:
    return user.is_superuser or (
        office_of(user) is not None and user.has_perm("filings.review_filing")
    )


def obligations_visible_to(user, queryset=None):
    """The duties of the organizations in a reviewer's jurisdiction: those whose office is the
    reviewer's (a provincial office also its prefectures'); superusers all, anyone else none."""
    from filings.models import Obligation

    queryset = Obligation.objects.all() if queryset is None else queryset
    return _in_jurisdiction(user, queryset, "office")
