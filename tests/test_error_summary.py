"""Errors as the GOV.UK pattern has them, on every page with a form (issue 25, point 2.3): a
summary at the top with each error a link to its field, the title starting with 错误, and a
required field's message that names the field instead of Django's "这个字段是必填项。"."""

import re

import pytest
from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from filings.lifecycle import services
from portal.forms import required_message

pytestmark = pytest.mark.django_db


def summary_links(html: str) -> list[tuple[str, str]]:
    summary = re.search(r"<div[^>]*data-error-summary.*?</div>", html, re.S)
    assert summary, "no error summary on the page"
    return re.findall(r'<a href="#([^"]+)"[^>]*>([^<]+)</a>', summary.group(0))


def title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1)


def test_a_step_lists_each_error_as_a_link_to_its_field(client, filer):
    client.force_login(filer.user)
    filing = services.start_initial_filing(filer.organization, filer.user)
    url = reverse("filing_step", args=[filer.organization.pk, filing.pk, "purpose"])
    html = client.post(url, {"purpose": "", "scope": ""}).content.decode()
    links = summary_links(html)
    assert ("id_purpose", "请填写使用人脸识别技术的目的") in links
    assert [target for target, _ in links][:2] == ["id_purpose", "id_scope"]
    assert title(html).startswith("错误：")
    # The field itself says the same, never the generic words.
    assert "这个字段是必填项" not in html
    assert html.count("请填写使用人脸识别技术的目的") == 2


def test_registration_lists_the_errors_of_both_forms_in_the_page_order(client):
    html = client.post(reverse("register"), {"name": ""}).content.decode()
    targets = [target for target, _ in summary_links(html)]
    assert targets[0] == "id_name"
    assert "id_account-email" in targets
    assert targets.index("id_contact_email") < targets.index("id_account-email")
    assert "请填写法定代表人" in html


def test_a_page_without_errors_has_no_summary_and_a_plain_title(client, filer):
    client.force_login(filer.user)
    filing = services.start_initial_filing(filer.organization, filer.user)
    url = reverse("filing_step", args=[filer.organization.pk, filing.pk, "purpose"])
    html = client.get(url).content.decode()
    assert "data-error-summary" not in html
    assert not title(html).startswith("错误")


def test_the_english_title_starts_with_error(client):
    client.post(reverse("set_language"), {"language": "en"})
    html = client.post(reverse("register"), {"name": ""}).content.decode()
    assert title(html).startswith("Error: ")
    assert "Enter organization name" in html


@pytest.mark.parametrize(
    ("field", "chinese", "english"),
    [
        (forms.CharField(), "请填写法定代表人", "Enter legal representative"),
        (forms.ChoiceField(choices=[("a", "")]), "请选择法定代表人", "Select legal representative"),
        (forms.BooleanField(), "请勾选：法定代表人", "Tick the box: Legal representative"),
        (
            forms.FileField(),
            "请选择要上传的文件：法定代表人",
            "Choose the file: Legal representative",
        ),
    ],
)
def test_a_required_message_names_the_field_by_its_kind(field, chinese, english):
    with translation.override("zh-hans"):
        assert str(required_message(field, "法定代表人")) == chinese
    with translation.override("en"):
        assert str(required_message(field, "Legal representative")) == english


def test_djangos_own_forms_name_their_fields_too(filer):
    form = PasswordChangeForm(filer.user, data={})
    with translation.override("zh-hans"):
        assert form["old_password"].errors == ["请填写旧密码"]


@override_settings(FORM_RENDERER="django.forms.renderers.DjangoTemplates")
def test_without_the_renderer_the_message_is_djangos_generic_one(filer):
    form = PasswordChangeForm(filer.user, data={})
    with translation.override("zh-hans"):
        assert form["old_password"].errors == ["这个字段是必填项。"]
