"""The site skeleton: the home page in Chinese first, the language switch, health, error pages."""

import pytest
from django.urls import reverse

from portal import embedded_redis
from tests.integration.conftest import broker_at, broker_unreachable

pytestmark = pytest.mark.django_db


def test_home_is_in_chinese_even_for_an_english_browser(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="zh-CN"' in html
    assert "人脸识别技术应用备案系统" in html
    assert "Facial Recognition Filing Portal" not in html


def test_language_switch_turns_the_site_english_and_back(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert 'lang="en"' in html
    assert "Facial Recognition Filing Portal" in html
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "人脸识别技术应用备案系统" in client.get("/").content.decode()


def test_page_header_offers_both_languages(client):
    html = client.get("/").content.decode()
    assert 'name="language" value="en"' in html
    assert 'name="language" value="zh-hans"' in html


def test_assets_are_served_locally_not_from_a_cdn(client):
    html = client.get("/").content.decode()
    assert "/static/vendor/bootstrap/" in html
    assert "cdn" not in html.lower()
    assert "https://" not in html


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


@pytest.fixture
def broker_down():
    """Point the app at a port where nothing listens: a real refused connection, no mock."""
    with broker_unreachable():
        yield


def test_healthz_is_503_when_the_broker_is_down(client, broker_down):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "ok"
    assert body["broker"].startswith("error")


@pytest.fixture
def broker_of_our_own(tmp_path):
    """The app pointed at a Redis of this test's own, which the test stops and starts again."""
    with broker_at(embedded_redis.broker_url(tmp_path)):
        yield tmp_path


def test_healthz_follows_the_broker_going_away_and_coming_back(client, broker_of_our_own):
    with embedded_redis.running(broker_of_our_own):
        assert client.get("/healthz").status_code == 200
    # Redis stopped: the probe's pooled connection fails on its round trip.
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")
    # Back on the same socket: the same web process answers 200 again, without a restart.
    with embedded_redis.running(broker_of_our_own):
        assert client.get("/healthz").json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_healthz_reuses_one_broker_connection(client, broker_of_our_own):
    import redis

    with embedded_redis.running(broker_of_our_own) as sock:
        for _ in range(20):
            assert client.get("/healthz").status_code == 200
        clients = redis.Redis(unix_socket_path=str(sock)).client_list()
    # This test's own client_list connection, and one for the twenty probes.
    assert len(clients) == 2, clients


def test_not_found_page_is_friendly_in_both_languages(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get("/no-such-page/")
    assert "Page not found" in response.content.decode()


def test_server_error_page_renders_in_both_languages(rf):
    from django.utils import translation
    from django.views.defaults import server_error

    for language, text in (("zh-hans", "没有丢失"), ("en", "Nothing you submitted has been lost")):
        with translation.override(language):
            response = server_error(rf.get("/"))
        assert response.status_code == 500
        assert text in response.content.decode()


def test_forbidden_page_renders_in_chinese(rf):
    from django.core.exceptions import PermissionDenied
    from django.utils import translation
    from django.views.defaults import permission_denied

    with translation.override("zh-hans"):
        response = permission_denied(rf.get("/"), PermissionDenied())
    assert response.status_code == 403
    assert "无权" in response.content.decode()


def test_admin_is_at_admin(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_admin_pages_name_the_portals_icon(client):
    from django.contrib.staticfiles import finders

    html = client.get(reverse("admin:login")).content.decode()
    assert '<link rel="icon" href="/static/img/favicon' in html
    assert finders.find("img/favicon.svg")
    assert "审核" in html  # still the portal's own header


def test_admin_pages_build_the_list_of_models_only_where_a_page_shows_it(
    client, city_reviewer, monkeypatch
):
    """Django builds the list of every model a person may open (the navigation sidebar's) on each
    admin page; with the sidebar off, only the index, which shows it, builds it, and once."""
    from django.contrib import admin

    from tests.factories import login_with_second_factor

    built = []
    build = admin.site._build_app_dict
    monkeypatch.setattr(
        admin.site,
        "_build_app_dict",
        lambda *args, **kwargs: built.append(1) or build(*args, **kwargs),
    )
    login_with_second_factor(client, city_reviewer)

    queue = client.get(reverse("admin:filings_filing_changelist"))
    assert queue.status_code == 200
    assert built == []

    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert built == [1]
    assert reverse("admin:filings_filing_changelist") in index.content.decode()
