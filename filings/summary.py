"""A filing's content as labelled rows, for the review page, the filing page and documents.

Labels and choice names come from the step forms themselves, so what a person typed is shown under
the same words that asked for it.
"""

from django import forms
from django.utils.translation import gettext as _

from filings import steps
from filings.forms.filing_steps import STEP_FORMS, DeploymentForm
from filings.identifiers import mask_ric

MASKED = {"responsible_person_id_number"}


def _display(field: forms.Field, value) -> str:
    if value in (None, "", []):
        return "—"
    if isinstance(field, forms.BooleanField):
        return _("Yes") if value else _("No")
    if isinstance(field, forms.ChoiceField):
        names = dict(field.choices)
        if isinstance(value, list):
            return "、".join(str(names.get(item, item)) for item in value)
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
