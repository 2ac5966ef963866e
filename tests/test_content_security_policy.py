"""A Content-Security-Policy on every page, and templates it leaves whole: no inline script, no
inline style, no event-handler attribute, nothing from another origin."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import UserFactory, login_with_second_factor

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Rendered by WeasyPrint and by mail clients, never served as a page.
NOT_PAGES = ("documents", "emails")

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
STYLE_ELEMENT = re.compile(r"<style\b", re.I)
STYLE_ATTRIBUTE = re.compile(r"\sstyle=", re.I)
HANDLER_ATTRIBUTE = re.compile(r"\son[a-z]+=", re.I)
HX_ON = re.compile(r"\shx-on", re.I)
OTHER_ORIGIN = re.compile(r"(?:src|href)=\"(?:https?:)?//", re.I)


def page_templates():
    for path in sorted(TEMPLATES.rglob("*.html")):
        if path.relative_to(TEMPLATES).parts[0] not in NOT_PAGES:
            yield path


def test_the_policy_allows_nothing_inline_and_no_other_origin():
    policy = dict(
        directive.strip().split(" ", 1) for directive in settings.CONTENT_SECURITY_POLICY.split(";")
    )
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["default-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in settings.CONTENT_SECURITY_POLICY
    assert "http" not in settings.CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("name", ["home", "login", "register", "verify", "admin:login"])
def test_every_page_carries_the_policy(client, name):
    response = client.get(reverse(name))
    assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY


def test_error_pages_and_the_admin_carry_it_too(client):
    assert client.get("/no-such-page/")["Content-Security-Policy"]
    login_with_second_factor(client, UserFactory(is_staff=True, is_superuser=True))
    for url in ("/admin/", "/admin/filings/filing/", "/admin/filings/filing/statistics/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY


@pytest.mark.parametrize(
    ("pattern", "what"),
    [
        (INLINE_SCRIPT, "an inline script"),
        (STYLE_ELEMENT, "a <style> element"),
        (STYLE_ATTRIBUTE, "a style attribute"),
        (HANDLER_ATTRIBUTE, "an event-handler attribute"),
        (HX_ON, "an hx-on attribute (eval)"),
        (OTHER_ORIGIN, "a file from another origin"),
    ],
)
def test_no_page_template_needs_what_the_policy_forbids(pattern, what):
    found = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0)}"
        for path in page_templates()
        for match in pattern.finditer(path.read_text())
    ]
    assert not found, f"{what} in: {found}"


@pytest.mark.parametrize("name", ["home", "login", "register", "verify", "password_reset"])
def test_rendered_pages_have_nothing_the_policy_forbids(client, name):
    # Widgets add attributes the template scan cannot see (the province's htmx attributes).
    html = client.get(reverse(name)).content.decode()
    for pattern in (INLINE_SCRIPT, STYLE_ELEMENT, STYLE_ATTRIBUTE, HANDLER_ATTRIBUTE, HX_ON):
        assert not pattern.search(html), pattern.search(html).group(0)


def test_the_admin_statistics_chart_has_no_style_attribute(client):
    login_with_second_factor(client, UserFactory(is_staff=True, is_superuser=True))
    html = client.get("/admin/filings/filing/statistics/").content.decode()
    assert "<svg" in html
    assert not STYLE_ATTRIBUTE.search(html)


def test_the_periodic_task_form_keeps_its_script_in_a_static_file(client):
    login_with_second_factor(client, UserFactory(is_staff=True, is_superuser=True))
    html = client.get("/admin/django_celery_beat/periodictask/add/").content.decode()
    assert "js/periodic-task" in html
    assert 'id="readable-crontabs"' in html
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html).group(0)


def test_no_admin_list_or_add_page_has_anything_the_policy_forbids(client):
    from django.contrib import admin

    login_with_second_factor(client, UserFactory(is_staff=True, is_superuser=True))
    offenders = []
    for model in admin.site._registry:
        opts = model._meta
        for view in ("changelist", "add"):
            response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}"))
            if response.status_code != 200:
                continue  # an admin without that page (no adding by hand)
            html = response.content.decode()
            for pattern in (INLINE_SCRIPT, STYLE_ELEMENT, STYLE_ATTRIBUTE, HANDLER_ATTRIBUTE):
                offenders += [f"{opts.label} {view}: {m.group(0)}" for m in pattern.finditer(html)]
    assert not offenders, offenders
