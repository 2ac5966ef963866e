"""No two controls of a form share a label: a screen reader could not tell them apart.

The facial-information step had a storage box and the provider's name field both labelled
云服务提供者 in Chinese.
"""

import inspect
import re

import pytest
from django import forms
from django.utils import translation

from filings.forms import filing_steps, organizations, systems, uploads


def form_classes():
    for module in (filing_steps, organizations, systems, uploads):
        for name, form_class in inspect.getmembers(module, inspect.isclass):
            if issubclass(form_class, forms.BaseForm) and form_class.__module__ == module.__name__:
                try:
                    yield f"{module.__name__}.{name}", form_class()
                except TypeError:
                    continue  # needs arguments


def labels_of(form) -> list[str]:
    labels = []
    for field in form.fields.values():
        if field.label:
            labels.append(str(field.label))
        if isinstance(field.widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
            labels += [str(label) for value, label in field.choices if value != ""]
    return [re.sub(r"\s+", " ", label).strip() for label in labels]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_no_two_controls_of_a_form_share_a_label(language):
    found = []
    with translation.override(language):
        forms_seen = list(form_classes())
        assert forms_seen
        for where, form in forms_seen:
            labels = labels_of(form)
            duplicates = sorted({label for label in labels if labels.count(label) > 1})
            if duplicates:
                found.append((where, duplicates))
    assert not found, found
