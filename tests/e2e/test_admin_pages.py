"""The administrator's admin in Chinese (issue 25, point 2.9): every page the walk opens is checked
by axe (0 serious or critical violations), for English left in the Chinese interface and, as every
page of the e2e is, against the Content-Security-Policy (the admin's change forms keep it); the
index lists the portal's own work before Celery's scheduling; the login page has a heading, a
language switch and a forgotten-password link; "变更" is "修改" throughout."""

import re

import pytest
from django.test import Client
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from playwright.sync_api import expect

from filings.models import CalendarYear, Jurisdiction, Reviewer
from portal.celery import app as celery_app
from tests.factories import UserFactory, login_with_second_factor, reviewer_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def staff_cookie(user, url):
    client = Client()
    login_with_second_factor(client, user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": url}


def test_the_admin_login_page_has_a_heading_a_language_switch_and_a_reset_link(
    live_server, page, auditor_for
):
    auditor = auditor_for("zh-hans", "admin-login")
    page.goto(f"{live_server.url}/admin/login/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="忘记密码？")).to_have_attribute(
        "href", "/accounts/password/reset/"
    )
    expect(page.get_by_role("button", name="English")).to_be_visible()
    auditor.check(page, "login")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("link", name="Forgotten your password?")).to_be_visible()


def test_every_admin_page_of_the_walk_is_accessible_and_chinese(live_server, page, auditor_for):
    administrator = UserFactory(
        email="root@cac.example", is_staff=True, is_superuser=True, language="zh-hans"
    )
    auditor = auditor_for("zh-hans", "admin-walk")
    # The portal's task names are code, listed as the worker knows them.
    celery_app.loader.import_default_modules()
    auditor.typed += ["root@cac.example", *celery_app.tasks]
    page.context.add_cookies([staff_cookie(administrator, live_server.url)])
    year = CalendarYear.objects.order_by("-year").first()
    group_id = __import__("django.contrib.auth.models", fromlist=["Group"]).Group.objects.first()
    office = Jurisdiction.objects.get(code="440300")
    reviewer_of("440300", "walk-reviewer@cac.example")  # the reviewers' list shows its columns
    pages = {
        "index": "/admin/",
        "users": "/admin/accounts/user/",
        "user-add": "/admin/accounts/user/add/",
        "user-change": f"/admin/accounts/user/{administrator.pk}/change/",
        "groups": "/admin/auth/group/",
        "calendar-years": "/admin/filings/calendaryear/",
        "calendar-year-add": "/admin/filings/calendaryear/add/",
        "calendar-year-change": f"/admin/filings/calendaryear/{year.pk}/change/",
        "reviewers": "/admin/filings/reviewer/",
        "reviewer-add": "/admin/filings/reviewer/add/",
        "jurisdiction-change": f"/admin/filings/jurisdiction/{office.pk}/change/",
        "filings": "/admin/filings/filing/",
        "emails": "/admin/notifications/notification/",
        "periodic-tasks": "/admin/django_celery_beat/periodictask/",
    }
    every_day = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.DAYS)
    task = PeriodicTask.objects.create(
        name="每日提醒", task="filings.tasks.send_reminders", interval=every_day
    )
    pages["periodic-task-change"] = f"/admin/django_celery_beat/periodictask/{task.pk}/change/"
    if group_id is not None:
        pages["group-change"] = f"/admin/auth/group/{group_id.pk}/change/"
    for name, path in pages.items():
        response = page.goto(live_server.url + path)
        assert response.status == 200, (name, response.status)
        auditor.check(page, name)
        # 修改 (edit), never 变更, which is a change filing (变更备案) here (the queue's filter
        # by kind of filing says 变更 rightly).
        if name != "filings":
            assert not re.search(r"变更(?!备案)", page.inner_text("body")), name
        # A column or a section named in one English word slips past the check of English runs.
        headers = [
            text.strip()
            for text in page.locator("thead th, fieldset h2, fieldset summary").all_inner_texts()
        ]
        assert not [h for h in headers if re.fullmatch(r"[A-Za-z]{3,}", h)], (name, headers)
    page.goto(live_server.url + "/admin/")
    apps = page.locator("#content-main .app-list > div, #content-main div.module").all_inner_texts()
    assert apps, "no application on the index"
    assert "周期任务" not in apps[0]


def test_an_administrator_appoints_a_reviewer_in_one_form(live_server, page, auditor_for):
    """Name, address, office (the autocomplete, under the page's policy), a role: one save."""
    administrator = UserFactory(
        email="root@cac.example", is_staff=True, is_superuser=True, language="zh-hans"
    )
    auditor = auditor_for("zh-hans", "admin-appoint")
    auditor.typed += ["root@cac.example", "chen@cac.example"]
    page.context.add_cookies([staff_cookie(administrator, live_server.url)])
    page.goto(f"{live_server.url}/admin/filings/reviewer/add/")
    page.get_by_label("姓名").fill("陈审核")
    page.get_by_label("电子邮箱").fill("chen@cac.example")
    page.locator(".select2-selection").click()
    page.locator(".select2-search__field").fill("深圳")
    page.locator(".select2-results__option", has_text="深圳").first.click()
    page.get_by_label("签发人：签发他人提请的决定").check()
    auditor.check(page, "filled")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text(
        "已任命 chen@cac.example，设置密码的邀请已发出。"
    )
    auditor.check(page, "appointed")
    reviewer = Reviewer.objects.select_related("user", "office").get(user__email="chen@cac.example")
    assert reviewer.office.code == "440300"
    assert reviewer.user.groups.filter(name="签发人").exists()
    assert not auditor.problems, auditor.report()
