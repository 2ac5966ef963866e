"""The audit trail of what people do besides moving a filing: members, invitations, the
organization's details, attachments, reviewer appointments, the working-day calendar.

``record`` is called inside the transaction of the change it records, so the row exists exactly
when the change does. It stores facts (field names and stored values); ``describe`` renders them
in the reader's language. This module imports models only: any layer may call it.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from filings.models import AuditEntry, CalendarPeriod
from filings.registry.identifiers import mask_ric

Action = AuditEntry.Action

# Facts that are not a field of the object's model, and their labels.
LABELS = {
    "email": _("email address"),
    "role": _("role"),
    "office": _("office"),
    "periods": _("periods"),
    "file": _("file name"),
    "kind": _("kind"),
    "sha256": "SHA-256",
    "size": _("size"),
    "filing": _("filing"),
    "user": _("account"),
    "attachments": _("attachments"),
    "steps": _("steps completed"),
    "created_at": _("started on"),
    "holder": _("handled by"),
    "token": _("API token"),
    "scope": _("scope"),
    "rule": _("retention rule"),
    "files": _("files"),
    "fields": _("personal details"),
    "reason": _("reason"),
    "field": _("field"),
}
# Values never kept in full in the trail.
MASKED = {"responsible_person_id_number": mask_ric}


def record(
    action: str,
    *,
    actor,
    obj=None,
    organization=None,
    before: dict | None = None,
    after: dict | None = None,
    object_repr: str = "",
    address: str | None = None,
) -> AuditEntry:
    """Write one audit row. ``before`` and ``after`` hold only what the action changed."""

    def facts(values):
        return {
            key: MASKED[key](value) if key in MASKED and value else value
            for key, value in (values or {}).items()
        }

    return AuditEntry.objects.create(
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        organization=organization,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:200],
        before=facts(before),
        after=facts(after),
        address=address,
    )


def record_look(request, action: str, *, obj, organization, facts: dict | None = None):
    """One look at a file or at a full ID number, by whoever asked: a person signed in to the
    pages or the review workspace, or a program with an API token (recorded in the name of the
    token's maker, with the token named). ``request`` gives the actor and the client's address."""
    from accounts.throttling import client_address

    facts = dict(facts or {})
    token = getattr(request, "auth", None)
    if getattr(token, "prefix", None):
        facts["token"] = f"{token.name} (frp_{token.prefix})"
    return record(
        action,
        actor=request.user,
        obj=obj,
        organization=organization,
        object_repr=str(facts.get("file") or obj)[:200],
        after=facts,
        address=client_address(request),
    )


def record_made_file(request, filing, name: str):
    """A PDF the portal makes on request from a filing (a letter, the system information form)."""
    return record_look(
        request,
        Action.FILE_READ,
        obj=filing,
        organization=filing.organization,
        facts={"file": name, "filing": filing.receipt_number or f"#{filing.pk}"},
    )


def record_file_look(request, row, *, facts: dict | None = None):
    """A look at a stored file: an attachment (its name and hash) or a generated document."""
    from filings.models import Attachment

    filing = row.filing
    reference = filing.receipt_number or f"#{filing.pk}"
    if isinstance(row, Attachment):
        action, shown = Action.ATTACHMENT_READ, {"file": row.original_name, "sha256": row.sha256}
    else:
        action, shown = Action.DOCUMENT_READ, {"file": row.download_name, "sha256": row.sha256}
    return record_look(
        request,
        action,
        obj=row,
        organization=filing.organization,
        facts={**shown, "filing": reference, **(facts or {})},
    )


def record_member(action: str, *, actor, membership, before: bool = False, after: bool = False):
    """A membership's row: the member's address and role, as they were (``before``) or are now
    (``after``)."""
    facts = {"email": membership.user.email, "role": membership.role}
    return record(
        action,
        actor=actor,
        obj=membership,
        organization=membership.organization,
        object_repr=membership.user.email,
        before=facts if before else None,
        after=facts if after else None,
    )


def field_values(instance, fields) -> dict:
    """The stored values of ``fields`` as JSON facts (dates as ISO text, relations as their id)."""
    values = {}
    for name in fields:
        field = instance._meta.get_field(name)
        value = getattr(instance, field.attname)
        values[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return values


def changed(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the facts that differ."""
    keys = [key for key in after if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


def period_facts(periods) -> list[list[str]]:
    """A calendar year's periods as facts: [kind code, first day, last day, label]."""
    return [
        [
            str(period.kind),
            period.first_day.isoformat(),
            period.last_day.isoformat(),
            period.label,
        ]
        for period in periods
    ]


def describe(entry: AuditEntry) -> list[tuple[str, str, str]]:
    model = entry.content_type.model_class() if entry.content_type_id else None
    rows = []
    for key in [*entry.before, *[k for k in entry.after if k not in entry.before]]:
        field = _model_field(model, key)
        label = LABELS.get(key) or (field.verbose_name if field is not None else key)
        rows.append(
            (
                str(label),
                _value(key, field, entry.before.get(key)),
                _value(key, field, entry.after.get(key)),
            )
        )
    return rows


def _model_field(model, name):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except Exception:  # FieldDoesNotExist, or a reverse relation
        return None


def _organization_field_label(name: str) -> str:
    from filings.models import Organization

    try:
        return str(Organization._meta.get_field(name).verbose_name)
    except Exception:  # FieldDoesNotExist: a name of another model
        return name


def _value(key, field, value) -> str:
    from filings.models import Document, Filing, Membership

    if value is None or value == "" or value == []:
        return "—"
    if key == "periods":
        kinds = dict(CalendarPeriod.Kind.choices)
        return "; ".join(
            f"{kinds.get(kind, kind)} {first}–{last}{f' {label}' if label else ''}"
            for kind, first, last, label in value
        )
    if key == "role":
        return str(dict(Membership.Role.choices).get(value, value))
    if key == "rule":
        return str(dict(Filing.Status.choices).get(value, value))
    if key in ("field", "fields"):
        names = value if isinstance(value, list) else [value]
        return ", ".join(_organization_field_label(name) for name in names)
    if key == "files" and isinstance(value, list):
        kinds = dict(Document.Kind.choices)
        return ", ".join(
            f"{kinds[item.split(' ')[0]]} {item.split(' ', 1)[1]}"
            if " " in item and item.split(" ")[0] in kinds
            else item
            for item in value
        )
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if field is not None and getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)
