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


# The office's roles beside reviewing (filings/review/handling.py): a group each, with the one
# permission that grants the role. An administrator adds a reviewer to a group in the users' page.
LEAD_GROUP = "处室负责人"
SIGNER_GROUP = "签发人"
ROLE_PERMISSIONS = {LEAD_GROUP: "assign_filing", SIGNER_GROUP: "sign_off_filing"}


def ensure_role_groups(**kwargs) -> dict[str, Group]:
    """Idempotent, like ensure_reviewer_group: the lead's and the signer's groups."""
    groups = {}
    for name, codename in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        permission = Permission.objects.filter(
            content_type__app_label="filings", codename=codename
        ).first()
        if permission is not None:
            group.permissions.set([permission])
        groups[name] = group
    return groups
