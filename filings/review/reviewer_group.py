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
