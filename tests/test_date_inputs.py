"""Every date the browser's date picker shows is ISO 8601, whatever the language of the page.

In the Chinese UI Django's locale writes dates as 2026/10/09, which <input type="date"> does not
read: the field showed empty and saving a system failed with 这个字段是必填项.
"""

import inspect

import pytest
from django import forms
from django.urls import reverse
from django.utils import translation

from filings.forms import filing_steps, organizations, systems, uploads
from tests.factories import MembershipFactory
from tests.test_obligations import declare

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_editing_a_system_shows_and_keeps_its_date_in_both_languages(client, language):
    membership = MembershipFactory(user__language=language)
    system = declare(membership.organization, membership.user, 12_000, reached="2026-02-09")
    client.force_login(membership.user)
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    url = reverse("system_edit", args=[membership.organization.pk, system.pk])
    html = client.get(url).content.decode()
    assert 'type="date"' in html
    assert 'value="2026-02-09"' in html
    response = client.post(
        url,
        {
            "name": system.name,
            "people_stored": "13000",
            "count_reached_on": "2026-02-09",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    system.refresh_from_db()
    assert system.people_stored == 13_000


def date_fields():
    for module in (filing_steps, organizations, systems, uploads):
        for name, form_class in inspect.getmembers(module, inspect.isclass):
            if (
                not issubclass(form_class, forms.BaseForm)
                or form_class.__module__ != module.__name__
            ):
                continue
            try:
                form = form_class()
            except TypeError:
                continue  # needs arguments; its fields are checked through its base
            for field_name, field in form.fields.items():
                if isinstance(field, forms.DateField):
                    yield f"{module.__name__}.{name}.{field_name}", field


def test_every_date_field_renders_iso_dates_in_chinese():
    from datetime import date

    found = list(date_fields())
    assert found
    with translation.override("zh-hans"):
        for where, field in found:
            html = field.widget.render("d", date(2026, 10, 9))
            assert 'value="2026-10-09"' in html, (where, html)
            assert 'type="date"' in html, (where, html)
