"""What a submitted version is compared with, for the reviewer and the filer.

A resubmission is compared with the version before it; the first version of a change with what was
filed when the change was started (the original filing, or its last approved change then).
"""

from django.utils.translation import gettext as _

from filings.documents import summary
from filings.models import Filing
from filings.registry.identifiers import without_personal_details


def in_force(original: Filing, *, at=None) -> Filing:
    """What was filed at ``at`` (now when None): the last change of ``original`` approved by
    then, or ``original`` itself."""
    changes = original.follow_ups.filter(kind=Filing.Kind.CHANGE, status=Filing.Status.FILED)
    if at is not None:
        changes = changes.filter(filed_at__lte=at)
    return changes.order_by("-filed_at", "-pk").first() or original


def changes_shown(filing: Filing, versions: list) -> dict | None:
    """{heading, rows} for the latest of ``versions`` (ordered by number), or None."""
    own = {"declaration"}  # ticked anew at each submission
    if len(versions) > 1:
        before = versions[-2].data
        heading = _("Changed since the previous version")
    elif versions and filing.kind == Filing.Kind.CHANGE and filing.original_id:
        basis = in_force(filing.original, at=filing.created_at)
        filed = basis.versions.order_by("-number").first()
        if filed is None:
            return None
        before = filed.data
        heading = _("Changed from what is filed (%(number)s)") % {"number": basis.filing_number}
        own.add("change")  # the change's own description, not a change of the content
    else:
        return None
    if filing.purged_at:
        # Its personal details were deleted: that is not a change the organization made.
        before = without_personal_details(before)
    rows = [row for row in summary.changes(before, versions[-1].data) if row["section"] not in own]
    return {"heading": heading, "rows": rows} if rows else None
