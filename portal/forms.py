"""Form errors as the GOV.UK pattern has them, for every form of the project.

- A required field left empty says which field it is ("请填写法定代表人姓名"), never Django's
  generic "这个字段是必填项。": the renderer (settings.FORM_RENDERER) gives every form a
  bound field that words the "required" error from the field's own label, whatever form class
  it belongs to (the project's, Django's own, the admin's).
- ``form_errors(context)`` lists the errors of every bound form and formset a page shows, each with
  the id of the field it belongs to: the summary at the top of the page links to them
  (templates/includes/error_summary.html) and the page's title starts with "错误" / "Error".
"""

from dataclasses import dataclass

from django import forms
from django.forms.boundfield import BoundField
from django.forms.formsets import BaseFormSet
from django.forms.renderers import DjangoTemplates
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


def required_message(field: forms.Field, label: str) -> str:
    """The words for a required field left empty, naming it: type for a box one types in, choose
    for a list or a set of options, tick for a box, choose a file for an upload."""
    label = str(label).strip().rstrip(":：")
    if isinstance(field, forms.FileField):
        return format_lazy(_("Choose the file: {label}"), label=label)
    if isinstance(field, forms.BooleanField):
        return format_lazy(_("Tick the box: {label}"), label=label)
    if isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
        return format_lazy(_("Select {label}"), label=_lower_first(label))
    return format_lazy(_("Enter {label}"), label=_lower_first(label))


def _lower_first(label: str) -> str:
    """'Legal representative' reads 'Enter legal representative'; an acronym ('USCC') stays."""
    if len(label) > 1 and label[0].isupper() and not label[1].isupper():
        return label[0].lower() + label[1:]
    return label


class NamedErrorsBoundField(BoundField):
    @property
    def errors(self):
        errors = super().errors
        if not any(getattr(error, "code", None) == "required" for error in errors.as_data()):
            return errors
        message = required_message(self.field, self.label or self.name)
        named = self.form.error_class(
            [
                message if getattr(error, "code", None) == "required" else error
                for error in errors.as_data()
            ],
            renderer=self.form.renderer,
        )
        return named


class Renderer(DjangoTemplates):
    bound_field_class = NamedErrorsBoundField


@dataclass(frozen=True)
class FormError:
    message: str
    target: str  # the id of the field to go to; "" for an error of the whole form


def _field_target(bound: BoundField) -> str:
    target = bound.id_for_label
    if not target and bound.auto_id:
        # Radio buttons and ticked lists label no single input: go to the first option.
        subwidgets = bound.subwidgets
        target = subwidgets[0].id_for_label if subwidgets else bound.auto_id
    return target or ""


def _errors_of_form(form, prefix: str = "") -> list[FormError]:
    found = [FormError(f"{prefix}{message}", "") for message in form.non_field_errors()]
    for name in form.errors:
        if name == forms.forms.NON_FIELD_ERRORS or name not in form.fields:
            continue
        bound = form[name]
        target = "" if bound.is_hidden else _field_target(bound)
        found += [FormError(f"{prefix}{message}", target) for message in bound.errors]
    return found


def form_errors(context) -> list[FormError]:
    """Every error of the bound forms and formsets in a template's context, in the order the
    context holds them (a view puts its forms in the order the page shows them)."""
    found: list[FormError] = []
    seen: set[int] = set()
    for value in context.flatten().values():
        if id(value) in seen:
            continue
        seen.add(id(value))
        if isinstance(value, BaseFormSet) and value.is_bound:
            found += [FormError(str(message), "") for message in value.non_form_errors()]
            for number, form in enumerate(value.forms, start=1):
                if form.errors:
                    prefix = format_lazy(_("Item {number}: "), number=number)
                    found += _errors_of_form(form, str(prefix))
        elif isinstance(value, forms.BaseForm) and value.is_bound and value.errors:
            found += _errors_of_form(value)
    return found
