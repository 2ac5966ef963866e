"""The public verification page: anyone checks a filing number and learns whether it is valid,
for which organization and since when; nothing else; a limited number of times per client."""

import re
from datetime import date, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from filings.documents import documents, verification
from filings.lifecycle import obligations, services
from filings.models import Filing
from filings.views import verify as verify_view
from tests.factories import MembershipFactory
from tests.filing_data import complete_filing
from tests.test_filings import complete_draft, upload_report

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
FILED_AT = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
CANCELLED_AT = datetime(2026, 4, 8, 15, 30, tzinfo=SHANGHAI)
NUMBER = "网信人脸备440300202600001号"
UNKNOWN_NUMBER = "网信人脸备440300202699999号"


@pytest.fixture(autouse=True)
def _empty_cache():
    """The lookup counts live in the cache: each test starts and leaves it empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(FILED_AT, tick=False) as traveller:
        yield traveller


@pytest.fixture
def member():
    membership = MembershipFactory(role="admin", organization__name="深圳<示例>人脸科技有限公司")
    obligations.declare_system(
        membership.organization,
        membership.user,
        name="门禁",
        people_stored=12_000,
        used_in_public_place=False,
        count_reached_on=date(2026, 2, 2),
    )
    return membership


def filed_data(organization) -> dict:
    """A complete filing that names the organization as its profile does (as starting one does)."""
    data = complete_filing()
    data["organization"].update(name=organization.name, uscc=organization.uscc)
    return data


@pytest.fixture
def filed(member, city_reviewer) -> Filing:
    filing = complete_draft(member, filed_data(member.organization))
    services.submit_filing(filing.pk, member.user)
    return services.approve_filing(filing.pk, city_reviewer)


def follow_up(member, city_reviewer, original, kind, step_values) -> Filing:
    filing = services.start_follow_up(original, member.user, kind)
    services.save_step(filing, member.user, kind, step_values)
    services.save_step(filing, member.user, "declaration", {"truthful": True})
    if kind == Filing.Kind.CHANGE:
        upload_report(filing, member.user)
    services.submit_filing(filing.pk, member.user)
    return services.approve_filing(filing.pk, city_reviewer)


def cancel(member, city_reviewer, original) -> Filing:
    values = {"stopped_on": "2026-04-01", "deletion_method": "deleted", "deletion_detail": "已删除"}
    return follow_up(member, city_reviewer, original, Filing.Kind.CANCELLATION, values)


def change(member, city_reviewer, original) -> Filing:
    values = {
        "description": "新增两处闸机",
        "effective_date": "2026-03-10",
        "sections": ["deployments"],
    }
    return follow_up(member, city_reviewer, original, Filing.Kind.CHANGE, values)


def look_up(client, number, **extra):
    return client.get(reverse("verify"), {"number": number}, **extra)


def result_of(response) -> str:
    """The result region of the page, from its opening tag to the note below it."""
    html = response.content.decode()
    start = html.index('<div id="verify-result" aria-live="polite">')
    return html[start : html.index('id="verify-note"', start)]


@pytest.fixture
def english(client):
    client.cookies["portal_language"] = "en"
    return client


# --- Valid, cancelled, unknown -------------------------------------------------------------------


def test_the_page_has_a_labelled_field_and_needs_no_account(client):
    response = client.get(reverse("verify"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="verify-number"' in html
    assert 'id="verify-number" name="number"' in html
    assert 'aria-live="polite"' in html
    assert "card" not in result_of(response)  # no result before a lookup
    assert reverse("verify") == "/verify/"


def test_a_filed_number_is_valid_with_the_organization_its_code_the_office_and_the_date(
    client, filed, member
):
    assert filed.filing_number == NUMBER
    response = look_up(client, NUMBER)
    assert response.status_code == 200
    html = result_of(response)
    assert "text-bg-success" in html
    assert NUMBER in html
    organization = member.organization
    assert "深圳&lt;示例&gt;人脸科技有限公司" in html  # shown as text
    assert organization.uscc in html
    assert filed.office.office_name in html
    assert "2026-03-02" in html
    assert response["X-Robots-Tag"] == "noindex"
    assert "no-cache" in response["Cache-Control"]


def test_a_cancelled_filing_shows_when_it_was_filed_and_when_cancelled(
    english, filed, member, city_reviewer, clock
):
    clock.move_to(CANCELLED_AT)
    cancellation = cancel(member, city_reviewer, filed)
    assert cancellation.filing_number == "网信人脸备440300202600001-注销1号"
    html = result_of(look_up(english, NUMBER))
    assert "text-bg-secondary" in html
    assert "Cancelled" in html
    assert "This filing was cancelled on 2026-04-08." in html
    assert "2026-03-02" in html  # filed on
    assert filed.office.office_name_en in html
    assert "text-bg-success" not in html


def test_a_cancellation_number_is_the_record_of_the_cancellation_of_the_original(
    english, filed, member, city_reviewer, clock
):
    clock.move_to(CANCELLED_AT)
    cancellation = cancel(member, city_reviewer, filed)
    # Without its 号, as someone may type it.
    html = result_of(look_up(english, cancellation.filing_number.removesuffix("号")))
    assert "This number records the cancellation of filing" in html
    assert NUMBER in html
    assert "cancelled on 2026-04-08" in html
    assert member.organization.uscc in html


def test_a_change_number_is_a_valid_record_of_a_change_and_lapses_with_the_original(
    english, filed, member, city_reviewer, clock
):
    clock.move_to(datetime(2026, 3, 20, 9, 0, tzinfo=SHANGHAI))
    changed = change(member, city_reviewer, filed)
    assert changed.filing_number == "网信人脸备440300202600001-变更1号"
    html = result_of(look_up(english, changed.filing_number))
    assert "text-bg-success" in html
    assert "This number records a change to filing" in html
    assert "which is valid" in html
    assert NUMBER in html
    assert "2026-03-20" in html  # the change's own date
    assert "text-bg-success" in result_of(look_up(english, NUMBER))  # the original is still valid

    clock.move_to(CANCELLED_AT)
    cancel(member, city_reviewer, filed)
    html = result_of(look_up(english, changed.filing_number))
    assert "text-bg-secondary" in html
    assert "which was cancelled on 2026-04-08" in html


def test_the_approved_record_is_shown_not_the_profile_renamed_since(client, filed, member):
    """Issue 30: a filer renamed the organization in its profile and the public page said at once
    that the filing was valid for the new name, which no office reviewed."""
    organization = member.organization
    approved_name, approved_uscc = organization.name, organization.uscc
    organization.name = "中国移动通信集团广东有限公司深圳分公司"
    organization.uscc = "91440300MA5FUTURE1"
    organization.save()
    html = result_of(look_up(client, NUMBER))
    assert "text-bg-success" in html
    assert approved_name.replace("<", "&lt;").replace(">", "&gt;") in html
    assert approved_uscc in html
    assert "中国移动" not in html
    assert "91440300MA5FUTURE1" not in html
    assert 'id="verify-differs"' in html
    assert "备案通过后已有变更" in html
    # The systems as filed in that version, whatever the organization declares now.
    systems = [d["name"] for d in filed.versions.get().data["deployments"]]
    assert all(name in html for name in systems)
    assert "备案的系统" in html


def test_the_page_says_nothing_of_changes_when_the_profile_still_matches(client, filed):
    html = result_of(look_up(client, NUMBER))
    assert 'id="verify-differs"' not in html


def test_after_an_approved_change_the_original_number_shows_the_record_as_changed(
    english, filed, member, city_reviewer, clock
):
    clock.move_to(datetime(2026, 3, 20, 9, 0, tzinfo=SHANGHAI))
    changing = services.start_follow_up(filed, member.user, Filing.Kind.CHANGE)
    changing.data["organization"]["name"] = "深圳新名称人脸科技有限公司"
    changing.data["deployments"][0]["name"] = "新的人脸闸机"
    changing.save(update_fields=["data"])
    services.save_step(
        changing,
        member.user,
        Filing.Kind.CHANGE,
        {"description": "更名", "effective_date": "2026-03-10", "sections": ["organization"]},
    )
    services.save_step(changing, member.user, "declaration", {"truthful": True})
    upload_report(changing, member.user)
    services.submit_filing(changing.pk, member.user)
    # Submitted but not approved: the record is still the approved one.
    assert "深圳新名称人脸科技有限公司" not in result_of(look_up(english, NUMBER))
    services.approve_filing(changing.pk, city_reviewer)
    html = result_of(look_up(english, NUMBER))
    assert "深圳新名称人脸科技有限公司" in html
    assert "新的人脸闸机" in html


def test_an_unknown_number_says_no_filing_has_it(english, filed):
    response = look_up(english, UNKNOWN_NUMBER)
    assert response.status_code == 200
    html = result_of(response)
    assert "text-bg-warning" in html
    assert "No filing has this number." in html
    assert "text-bg-success" not in html


def test_a_draft_or_submitted_filing_is_unknown(english, member):
    filing = complete_draft(member)
    services.submit_filing(filing.pk, member.user)
    filing.refresh_from_db()
    assert "No filing has this number." in result_of(look_up(english, filing.receipt_number))
    assert verification.verify(filing.receipt_number).status == "unknown"


@pytest.mark.parametrize(
    "number",
    [
        "",
        "   ",
        "<script>alert(1)</script>",
        "x" * 10_000,
        "' OR 1=1 --",
        "网信人脸备%' OR '1'='1号",
        "网信人脸备４４０３００２０２６９９９９９号",  # full-width digits of an unknown number
        "号",
        "网信人脸备440300202600001-变更99号",
    ],
)
def test_malformed_input_gets_the_unknown_answer_never_an_error(english, filed, number):
    response = look_up(english, number)
    assert response.status_code == 200
    html = result_of(response)
    assert html == result_of(look_up(english, UNKNOWN_NUMBER))
    assert "No filing has this number." in html
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_a_nul_in_the_number_is_refused_by_the_portal_like_any_nul(english, filed):
    # portal.middleware refuses a NUL in any parameter before a view sees it: a clean 400 page.
    response = look_up(english, "网信人脸备440300202600001\x00号")
    assert response.status_code == 400
    assert "U+0000" in response.content.decode()


@pytest.mark.parametrize(
    "typed",
    [
        NUMBER.removesuffix("号"),
        f"  {NUMBER}\n",
        "网信人脸备 440300 2026 00001 号",
        "网信人脸备４４０３００２０２６００００１号",  # full-width digits from an input method
        "\u3000网信人脸备440300202600001\u3000",  # ideographic spaces, no 号
        "440300202600001",  # the digits alone, as people read them out
        "440300 2026 00001号",
    ],
)
def test_the_number_is_found_however_it_was_typed(client, filed, typed):
    html = result_of(look_up(client, typed))
    assert "text-bg-success" in html
    assert NUMBER in html


def test_the_qr_code_address_on_the_notice_opens_the_result(client, filed, member):
    address = urlsplit(documents.verification_url(filed.filing_number))
    assert address.path == reverse("verify")
    response = client.get(f"{address.path}?{address.query}")
    assert response.status_code == 200
    html = result_of(response)
    assert "text-bg-success" in html
    assert member.organization.name.replace("<", "&lt;").replace(">", "&gt;") in html


def test_nothing_private_is_shown(client, filed, member):
    html = look_up(client, NUMBER).content.decode()
    organization = member.organization
    section = filed.versions.get().data["organization"]
    private = [
        organization.responsible_person_id_number,
        organization.street_address,
        organization.contact_email,
        organization.contact_mobile,
        organization.responsible_person,
        organization.legal_representative,
        organization.contact_name,
        section["responsible_person_id_number"],
        section["street_address"],
        section["contact_email"],
        section["contact_mobile"],
        filed.versions.get().data["purpose"]["purpose"],
        filed.receipt_number,
        member.user.email,
    ]
    for value in private:
        assert value not in html, value


def test_the_home_page_footer_links_to_the_page(client):
    html = client.get("/").content.decode()
    assert f'href="{reverse("verify")}"' in html


# --- Languages -----------------------------------------------------------------------------------


def test_chinese_by_default_even_for_an_english_browser(client, filed, member):
    response = look_up(client, NUMBER, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert 'lang="zh-CN"' in html
    assert filed.office.office_name in html
    assert member.organization.uscc in html


def test_english_with_the_language_cookie(english, filed):
    html = look_up(english, NUMBER).content.decode()
    assert 'lang="en"' in html
    assert "Verify a filing number" in html
    assert "Valid" in html
    assert "This filing is valid." in html
    assert "Unified social credit code" in html
    assert filed.office.office_name_en in html


# --- Rate limit ----------------------------------------------------------------------------------


def test_the_thirty_first_lookup_in_ten_minutes_gets_429(client, filed, clock):
    assert verify_view.RATE_LIMIT == 30
    assert verify_view.RATE_WINDOW == 600
    for index in range(verify_view.RATE_LIMIT):
        clock.shift(15)  # spread over seven and a half minutes
        response = look_up(client, NUMBER if index % 2 else UNKNOWN_NUMBER)
        assert response.status_code == 200, index
    response = look_up(client, NUMBER)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= verify_view.RATE_WINDOW + 60
    html = response.content.decode()
    assert 'lang="zh-CN"' in html
    assert "text-bg-success" not in html
    assert NUMBER in html  # kept in the field, not looked up
    # The form itself, and another client, are not limited.
    assert client.get(reverse("verify")).status_code == 200
    assert look_up(client, NUMBER, REMOTE_ADDR="198.51.100.7").status_code == 200
    # Refused lookups are not counted: once the window has passed, lookups are allowed again.
    clock.shift(verify_view.RATE_WINDOW + 60)
    assert look_up(client, NUMBER).status_code == 200


def test_the_limit_page_is_friendly_and_in_the_users_language(english, filed):
    for _ in range(verify_view.RATE_LIMIT):
        look_up(english, NUMBER)
    response = look_up(english, NUMBER)
    assert response.status_code == 429
    html = response.content.decode()
    assert 'lang="en"' in html
    assert "Too many lookups" in html
    assert re.search(r"try\s+again in \d+ minutes?\.", html)


def test_no_window_of_ten_minutes_holds_more_than_thirty_lookups(clock):
    allowed = []
    for second in range(0, 40 * 60, 7):
        clock.move_to(FILED_AT.timestamp() + second)
        if verify_view.take_lookup("203.0.113.9") == 0:
            allowed.append(second)
    assert len(allowed) > verify_view.RATE_LIMIT  # the limit lets lookups through again
    for index, start in enumerate(allowed):
        in_window = [s for s in allowed[index:] if s < start + verify_view.RATE_WINDOW]
        assert len(in_window) <= verify_view.RATE_LIMIT


def test_an_ipv6_client_is_counted_by_its_network(rf):
    one = rf.get("/", REMOTE_ADDR="2001:db8:1:2::1")
    other = rf.get("/", REMOTE_ADDR="2001:db8:1:2:ffff::9")
    elsewhere = rf.get("/", REMOTE_ADDR="2001:db8:1:3::1")
    assert verify_view.client_key(one) == verify_view.client_key(other)
    assert verify_view.client_key(one) != verify_view.client_key(elsewhere)
    forwarded = rf.get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert verify_view.client_key(forwarded) == "192.0.2.1"


def test_the_page_stays_up_when_the_cache_is_away(client, filed, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise ConnectionError("cache unreachable")

    monkeypatch.setattr(verify_view, "take_lookup", broken)
    response = look_up(client, NUMBER)
    assert response.status_code == 200
    assert "text-bg-success" in result_of(response)
    assert "rate limit unavailable" in caplog.text


def test_the_example_number_is_one_that_can_never_be_issued(client):
    from filings.lifecycle.services import next_number
    from filings.views.verify import EXAMPLE_NUMBER

    html = client.get(reverse("verify")).content.decode()
    assert f"例如：{EXAMPLE_NUMBER}。" in html
    assert EXAMPLE_NUMBER.endswith("00000号")
    assert next_number("filing:440300:2026") == 1  # the sequence starts at 1, never 0


def test_behind_the_tls_proxy_each_visitor_counts_by_the_hop_the_proxy_added(rf, settings):
    """Behind the proxy every request comes from its address: counting by the socket would make
    one visitor of everybody. Only the last X-Forwarded-For hop is the proxy's; earlier ones are
    whatever the client wrote."""
    settings.BEHIND_TLS_PROXY = True
    proxy = "10.0.0.2"
    alice = rf.get("/", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.1")
    bob = rf.get("/", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.9")
    forged = rf.get("/", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="192.0.2.77, 198.51.100.1")
    assert verify_view.client_key(alice) == "198.51.100.1"
    assert verify_view.client_key(bob) == "203.0.113.9"
    assert verify_view.client_key(forged) == verify_view.client_key(alice)
