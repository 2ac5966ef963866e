"""The reviewers' group and what it may do: read filings and their records, decide on them."""

from django.contrib.auth.models import Group, Permission

REVIEWER_GROUP = "Reviewers"
REVIEWER_PERMISSIONS = [
    ("filings", "view_filing"),
    ("filings", "review_filing"),
    ("filings", "view_filingevent"),
    ("filings", "view_document"),
    ("filings", "view_overdueduty"),
    ("filings", "view_correctionorder"),
]


def ensure_reviewer_group(**kwargs) -> Group:
    """Idempotent; run after every migrate so the group's permissions match the code."""
    group, _created = Group.objects.get_or_create(name=REVIEWER_GROUP)
    permissions = [
        Permission.objects.filter(content_type__app_label=app, codename=codename).first()
        for app, codename in REVIEWER_PERMISSIONS
    ]
    group.permissions.set([p for p in permissions if p is not None])
    return group


# The office lead's role: a reviewer in this group sees the office's overdue reviews, is told by
# the digest when a review is missed, and (at a provincial office) may take a city's filing to the
# province. Named in Chinese as the offices name it; migration 0021 creates it if missing.
OFFICE_LEAD_GROUP = "处室负责人"


LEAD_PERMISSION = ("filings", "lead_office")


def ensure_office_lead_group(**kwargs) -> Group:
    """Idempotent, after every migrate: the lead's group holds the permission that says so, so
    that a page asks ``has_perm`` (the permissions Django reads once a request) and no query of
    its own."""
    group, _created = Group.objects.get_or_create(name=OFFICE_LEAD_GROUP)
    app, codename = LEAD_PERMISSION
    permission = Permission.objects.filter(content_type__app_label=app, codename=codename).first()
    if permission is not None:
        group.permissions.add(permission)
    return group


def is_office_lead(user) -> bool:
    """Whether ``user`` holds the office lead's role (superusers act as leads everywhere)."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    return user.has_perm(".".join(LEAD_PERMISSION))
