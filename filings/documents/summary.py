"""A filing's content as labelled rows, for the review page, the filing page and documents.

Labels and choice names come from the step forms themselves, so what a person typed is shown under
the same words that asked for it.
"""

import re

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from filings.documents import diffs
from filings.forms.filing_steps import STEP_FORMS, DeclarationStep, DeploymentForm
from filings.forms.organizations import address_label
from filings.law import steps
from filings.registry.identifiers import mask_ric

MASKED = {"responsible_person_id_number"}


def _display(field: forms.Field, value) -> str:
    if value in (None, "", []):
        return "—"
    if isinstance(field, forms.BooleanField):
        return _("Yes") if value else _("No")
    if isinstance(field, forms.ChoiceField):
        names = dict(field.choices)
        if isinstance(value, list):
            separator = "、" if (get_language() or "").startswith("zh") else ", "
            return separator.join(str(names.get(item, item)) for item in value)
        return str(names.get(value, value))
    return str(value)


def _rows(form_class, section: dict, mask: bool) -> list[tuple[str, str]]:
    rows = []
    for name, field in form_class.base_fields.items():
        value = (section or {}).get(name)
        if mask and name in MASKED and value:
            value = mask_ric(value)
        rows.append((str(field.label), _display(field, value)))
    return rows


def sections(filing_kind: str, data: dict, *, mask: bool = True) -> list[dict]:
    """[{key, label, rows}] for every content step of the kind, in order; deployments as groups."""
    result = []
    for key in steps.STEPS_BY_KIND[filing_kind]:
        if key == "review":
            continue
        if key == "deployments":
            groups = [_rows(DeploymentForm, item, mask) for item in (data.get(key) or [])]
            result.append({"key": key, "label": steps.LABELS[key], "groups": groups})
        else:
            result.append(
                {
                    "key": key,
                    "label": steps.LABELS[key],
                    "rows": _rows(STEP_FORMS[key], data.get(key) or {}, mask),
                }
            )
    return result


_DEPLOYMENT_FIELD = re.compile(r"\[(\d+)\]\.(\w+)")


def _changed_field(section: str, key: str) -> tuple[str, forms.Field | None]:
    """The words a changed field was asked with, and its form field (None when it has none)."""
    section_label = str(steps.LABELS.get(section, section))
    if section == "deployments" and (match := _DEPLOYMENT_FIELD.fullmatch(key)):
        number, name = match.groups()
        field = DeploymentForm.base_fields.get(name)
        place = _("Place or system %(n)s") % {"n": number}
        return f"{section_label} · {place} · {field.label if field else name}", field
    if section == "organization" and key == "address_division":
        return f"{section_label} · {_('Registered address')}", None
    form_class = DeclarationStep if section == "declaration" else STEP_FORMS.get(section)
    field = form_class.base_fields.get(key) if form_class else None
    return f"{section_label} · {field.label if field else key}", field


def changes(before: dict, after: dict, *, mask: bool = True) -> list[dict]:
    """What changed between two versions, [{label, before, after}], under the same words and
    with the same values as the summary shows them."""
    rows = []
    for change in diffs.changes(before or {}, after or {}):
        label, field = _changed_field(change.section, change.field)
        values = []
        for value in (change.before, change.after):
            if mask and change.field.rsplit(".", 1)[-1] in MASKED and value:
                value = mask_ric(value)
            if field is not None:
                values.append(_display(field, value))
            elif change.field == "address_division" and value:
                values.append(address_label(value))
            else:
                values.append("—" if value in (None, "", []) else str(value))
        rows.append(
            {"section": change.section, "label": label, "before": values[0], "after": values[1]}
        )
    return rows
