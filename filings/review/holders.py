"""The reviewers a reviewer may filter the queue by ("held by …"): those of the offices whose
filings they see, and of their province's office.

Every page of the queue lists them, and they change only when a reviewer is appointed, moved or
removed, or renamed, or an office is moved to another province. The list is kept in the cache,
stamped with a version that any such change replaces (``forget``, connected to those models'
signals in filings/apps.py): the next page reads the list again. One cache read a page instead
of a query; a stamp of the past is never served, and an hour bounds what a change made outside
the ORM's signals (a raw UPDATE) could leave.
"""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q

from filings.models import Reviewer
from filings.review import handling
from filings.review.review_scope import office_of, offices_in_jurisdiction

VERSION_KEY = "queue-holders:version"
KEPT_FOR = 60 * 60
LIMIT = 100


def _listed(user) -> list[tuple[int, str]]:
    own = office_of(user)
    seeing = Q(office__in=offices_in_jurisdiction(user))
    if own is not None and own.province_id:
        seeing |= Q(office_id=own.province_id)
    reviewers = (
        Reviewer.objects.filter(seeing, user__is_active=True)
        .select_related("user")
        .order_by("user__name", "user__email")[:LIMIT]
    )
    return [(reviewer.user_id, handling.person(reviewer.user)) for reviewer in reviewers]


def reviewers_seen_by(user) -> list[tuple[int, str]]:
    """(user id, name) of the active reviewers whose filings ``user`` sees, by name."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return []
    if user.is_superuser:
        scope = "all"
    else:
        own = office_of(user)
        if own is None:
            return []
        scope = str(own.pk)
    key = f"queue-holders:{scope}"
    found = cache.get_many([VERSION_KEY, key])
    version = found.get(VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        cache.add(VERSION_KEY, version, None)
        version = cache.get(VERSION_KEY, version)
    kept = found.get(key)
    if kept is not None and kept[0] == version:
        return kept[1]
    listed = _listed(user)
    cache.set(key, (version, listed), KEPT_FOR)
    return listed


def forget(sender=None, **kwargs) -> None:
    """A reviewer, an account or an office changed: every kept list is out of date."""
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and set(update_fields) <= {"last_login", "password"}:
        return  # a sign-in or a new password: nothing the lists show
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)
    # Again once the change is committed: a page that read the list meanwhile, before the commit,
    # kept it under the version just set.
    transaction.on_commit(lambda: cache.set(VERSION_KEY, uuid.uuid4().hex, None))
