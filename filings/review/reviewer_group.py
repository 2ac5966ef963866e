"""The reviewers' group and what it may do: read filings and their records, decide on them."""

from django.contrib.auth.models import Group, Permission

REVIEWER_GROUP = "审核人员"
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


# The office's roles beside reviewing (filings/review/handling.py): a group each, with the
# permissions that grant the role. An administrator adds a reviewer to a group in the users' page.
# The lead (处室负责人) assigns the office's filings, sees its overdue reviews, is told by the
# digest when a review is missed, and (at a provincial office) may take a city's filing over.
LEAD_GROUP = "处室负责人"
SIGNER_GROUP = "签发人"
LEAD_PERMISSION = ("filings", "lead_office")
ROLE_PERMISSIONS = {
    LEAD_GROUP: ("assign_filing", "lead_office"),
    SIGNER_GROUP: ("sign_off_filing",),
}


def ensure_role_groups(**kwargs) -> dict[str, Group]:
    """Idempotent, after every migrate, like ensure_reviewer_group: the lead's and the signer's
    groups, each holding the permissions that say so (a page asks ``has_perm``, which Django reads
    once a request, and makes no query of its own)."""
    groups = {}
    for name, codenames in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="filings", codename__in=codenames)
        )
        groups[name] = group
    return groups


def is_office_lead(user) -> bool:
    """Whether ``user`` holds the office lead's role (superusers act as leads everywhere)."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    return user.has_perm(".".join(LEAD_PERMISSION))
