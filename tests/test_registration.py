"""Registering an organization, confirming the registrant's email, and the registration profile."""

import base64
import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from filings.models import Membership, Organization
from notifications.models import Notification
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory, valid_uscc

pytestmark = pytest.mark.django_db

HUAWEI_USCC = "914403001922038216"
SAMPLE_RIC = "11010519491231002X"
PASSWORD = "a-long-passphrase-2026"


def registration(**overrides):
    data = {
        "name": "深圳市示例科技有限公司",
        "uscc": HUAWEI_USCC,
        "province": "440000",
        "city": "440300",
        "street_address": "南山区科技园一路1号",
        "legal_representative": "张三",
        "responsible_person": "李四",
        "responsible_person_id_number": SAMPLE_RIC,
        "contact_name": "王五",
        "contact_mobile": "+86 138 0013 8000",
        "contact_email": "contact@example.com",
        "account-name": "赵六",
        "account-email": "Zhao.Liu@example.com",
        "account-password1": PASSWORD,
        "account-password2": PASSWORD,
    }
    data.update(overrides)
    return data


def link_path(message, name):
    """The path of the portal link in an email body, e.g. /register/confirm/<token>/."""
    prefix = reverse(name, args=["TOKEN"]).split("TOKEN")[0]
    match = re.search(r"http://[^/\s]+(" + re.escape(prefix) + r"[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def page_text(response) -> str:
    """The page's main content, without the per-response CSRF token."""
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", main)


def field_codes(response, form, field):
    return [error.code for error in response.context[form].errors.as_data().get(field, [])]


def register(client, capture, **overrides):
    with capture(execute=True):
        return client.post(reverse("register"), registration(**overrides))


def test_registration_creates_an_inactive_administrator_and_emails_a_working_link(
    client, django_capture_on_commit_callbacks
):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = register(client, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response["Location"] == reverse("registration_done")

    organization = Organization.objects.get()
    assert organization.uscc == HUAWEI_USCC
    assert organization.address_division == "440300"
    assert organization.contact_mobile == "13800138000"
    assert organization.responsible_person_id_number == SAMPLE_RIC
    user = User.objects.get()
    assert user.email == "zhao.liu@example.com"
    assert user.name == "赵六"
    assert user.language == "en"
    assert not user.is_active
    assert user.check_password(PASSWORD)
    membership = Membership.objects.get()
    assert (membership.user, membership.organization, membership.role) == (
        user,
        organization,
        Membership.Role.ADMIN,
    )

    notification = Notification.objects.get()
    assert (notification.kind, notification.language) == ("confirm_email", "en")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["zhao.liu@example.com"]
    assert message.subject.endswith("Confirm your email address")
    assert "深圳市示例科技有限公司" in message.body
    html = message.alternatives[0][0]
    assert 'href="http://' in html
    assert "深圳市示例科技有限公司" in html

    done = client.get(reverse("registration_done"))
    assert "zhao.liu@example.com" in done.content.decode()

    path = link_path(message, "confirm_email")
    payload = path.split("/")[3].split(":")[0]
    assert b"example.com" not in base64.urlsafe_b64decode(payload + "==")  # no address in URLs
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard", args=[organization.pk])
    user.refresh_from_db()
    assert user.is_active
    assert int(client.session["_auth_user_id"]) == user.pk


def test_a_chinese_visitor_gets_a_chinese_account_and_email(
    client, django_capture_on_commit_callbacks
):
    register(client, django_capture_on_commit_callbacks)
    assert User.objects.get().language == "zh-hans"
    assert Notification.objects.get().language == "zh-hans"


def test_a_confirmation_link_works_once(client, django_capture_on_commit_callbacks):
    register(client, django_capture_on_commit_callbacks)
    path = link_path(mail.outbox[0], "confirm_email")
    assert client.get(path).status_code == 302
    client.logout()
    response = client.get(path)
    assert response.status_code == 400
    assert response.context["reason"] == "used"
    assert "_auth_user_id" not in client.session


def test_an_expired_confirmation_link_is_refused_and_offers_a_new_one(
    client, django_capture_on_commit_callbacks
):
    register(client, django_capture_on_commit_callbacks)
    path = link_path(mail.outbox[0], "confirm_email")
    with time_machine.travel(timezone.now() + timedelta(days=3, minutes=1), tick=False):
        response = client.get(path)
    assert response.status_code == 400
    assert response.context["reason"] == "expired"
    assert reverse("resend_confirmation") in response.content.decode()
    assert not User.objects.get().is_active
    assert "_auth_user_id" not in client.session


def test_a_tampered_confirmation_link_is_refused(client, django_capture_on_commit_callbacks):
    register(client, django_capture_on_commit_callbacks)
    path = link_path(mail.outbox[0], "confirm_email")
    response = client.get(path[:-3] + "x/")
    assert response.status_code == 400
    assert response.context["reason"] == "invalid"
    assert client.get(reverse("confirm_email", args=["x" * 10_000])).status_code == 400
    assert not User.objects.get().is_active


def test_resending_the_confirmation_never_tells_whether_the_address_exists(
    client, django_capture_on_commit_callbacks
):
    register(client, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    answers = []
    for email in ("ZHAO.LIU@example.com", "nobody@example.com"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("resend_confirmation"), {"email": email}, follow=True)
        assert response.status_code == 200
        answers.append([str(m) for m in response.context["messages"]])
    assert answers[0] == answers[1]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["zhao.liu@example.com"]
    assert client.get(link_path(mail.outbox[0], "confirm_email")).status_code == 302
    assert User.objects.get().is_active


def test_registering_again_before_confirming_sends_a_new_link_and_says_nothing_more(
    client, django_capture_on_commit_callbacks
):
    register(client, django_capture_on_commit_callbacks)
    first_page = page_text(client.get(reverse("registration_done")))
    mail.outbox.clear()
    response = register(client, django_capture_on_commit_callbacks, uscc="91440300000000001H")
    assert response.status_code == 302
    assert response["Location"] == reverse("registration_done")
    assert page_text(client.get(reverse("registration_done"))) == first_page
    assert Organization.objects.count() == 1
    (message,) = mail.outbox
    assert message.to == ["zhao.liu@example.com"]
    assert client.get(link_path(message, "confirm_email")).status_code == 302
    assert User.objects.get().is_active


def test_an_invalid_uscc_check_character_is_shown_on_the_field_and_the_input_kept(client):
    response = client.post(reverse("register"), registration(uscc="914403001922038217"))
    assert response.status_code == 200
    assert field_codes(response, "organization_form", "uscc") == ["uscc_checksum"]
    html = response.content.decode()
    assert 'value="914403001922038217"' in html
    assert 'value="深圳市示例科技有限公司"' in html
    assert 'value="Zhao.Liu@example.com"' in html
    assert Organization.objects.count() == 0
    assert User.objects.count() == 0
    # The password is not sent back, and the page says so.
    assert "请在两个密码框中重新输入" in html
    assert PASSWORD not in html


def test_an_already_registered_uscc_is_refused_with_a_clear_message(client):
    OrganizationFactory(uscc=HUAWEI_USCC)
    response = client.post(reverse("register"), registration(uscc="9144 0300 1922 0382 16"))
    assert response.status_code == 200
    assert field_codes(response, "organization_form", "uscc") == ["uscc_taken"]
    html = response.content.decode()
    assert "已有单位使用该统一社会信用代码注册" in html
    assert 'value="9144 0300 1922 0382 16"' in html
    assert Organization.objects.count() == 1
    assert User.objects.count() == 0


def test_whether_a_uscc_is_registered_is_answered_a_limited_number_of_times_per_address(
    client, settings
):
    """Issue 30: anyone could check, without limit, which codes are registered."""
    settings.REGISTRATION_RATE_PER_CLIENT = 3
    registered = [valid_uscc(900 + n) for n in range(5)]
    for code in registered:
        OrganizationFactory(uscc=code)
    for code in registered[:3]:
        response = client.post(reverse("register"), registration(uscc=code), REMOTE_ADDR="10.0.0.5")
        assert field_codes(response, "organization_form", "uscc") == ["uscc_taken"]
    response = client.post(
        reverse("register"), registration(uscc=registered[3]), REMOTE_ADDR="10.0.0.5"
    )
    assert field_codes(response, "organization_form", "uscc") == ["rate_limited"]
    html = response.content.decode()
    assert "已有单位使用该统一社会信用代码注册" not in html
    assert "过去一小时内从您所在网络尝试注册的次数过多" in html
    # A code that is free gets the same answer: the limit tells nothing about the register.
    free = client.post(reverse("register"), registration(), REMOTE_ADDR="10.0.0.5")
    assert field_codes(free, "organization_form", "uscc") == ["rate_limited"]
    assert Organization.objects.count() == 5
    # Another address is counted on its own.
    other = client.post(
        reverse("register"), registration(uscc=registered[4]), REMOTE_ADDR="10.0.0.6"
    )
    assert field_codes(other, "organization_form", "uscc") == ["uscc_taken"]


def test_the_registration_limit_counts_per_hour(client, settings):
    settings.REGISTRATION_RATE_PER_CLIENT = 1
    OrganizationFactory(uscc=HUAWEI_USCC)
    start = timezone.now().replace(minute=5)
    with time_machine.travel(start, tick=False):
        client.post(reverse("register"), registration())
        limited = client.post(reverse("register"), registration())
        assert field_codes(limited, "organization_form", "uscc") == ["rate_limited"]
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        again = client.post(reverse("register"), registration())
        assert field_codes(again, "organization_form", "uscc") == ["uscc_taken"]


def test_bad_id_number_and_mobile_are_shown_on_their_fields(client):
    response = client.post(
        reverse("register"),
        registration(
            responsible_person_id_number="110105194912310021", contact_mobile="12800138000"
        ),
    )
    assert response.status_code == 200
    form = "organization_form"
    assert field_codes(response, form, "responsible_person_id_number") == ["ric_checksum"]
    assert field_codes(response, form, "contact_mobile") == ["mobile_format"]


def test_registering_with_an_address_that_has_an_account_looks_the_same_and_tells_its_owner(
    client, django_capture_on_commit_callbacks
):
    """The page never says "an account with this address exists" (anyone could list addresses
    that way): the registration seems to go through, and the owner learns of it by email."""
    owner = UserFactory(email="zhao.liu@example.com", language="en")
    taken = register(client, django_capture_on_commit_callbacks)
    taken_page = page_text(client.get(reverse("registration_done")))
    assert Organization.objects.count() == 0
    (message,) = mail.outbox
    assert message.to == [owner.email]
    assert message.subject.endswith("Your email address was used to register an organization")
    assert "深圳市示例科技有限公司" in message.body
    assert "Nothing was registered" in message.body
    assert reverse("password_reset") in message.body
    owner.refresh_from_db()
    assert owner.check_password("correct-horse-battery")

    mail.outbox.clear()
    client.cookies.clear()
    new = register(
        client,
        django_capture_on_commit_callbacks,
        **{"account-email": "Zhao.Liu2@example.com"},
        uscc="91440300000000001H",
    )
    new_page = page_text(client.get(reverse("registration_done")))
    assert (taken.status_code, taken["Location"]) == (new.status_code, new["Location"])
    assert taken_page.replace("zhao.liu@", "zhao.liu2@") == new_page
    assert "已存在" not in taken_page
    assert mail.outbox[0].to == ["zhao.liu2@example.com"]


def test_weak_and_mismatched_passwords_are_refused(client):
    response = client.post(
        reverse("register"),
        registration(**{"account-password1": "12345678", "account-password2": "12345678"}),
    )
    codes = field_codes(response, "account_form", "password2")
    assert "password_too_common" in codes
    assert "password_entirely_numeric" in codes
    response = client.post(
        reverse("register"),
        registration(**{"account-email": "new@example.com", "account-password2": "different-9"}),
    )
    assert field_codes(response, "account_form", "password2") == ["password_mismatch"]
    assert Organization.objects.count() == 0


def test_registration_emails_are_limited_per_address_and_the_page_stays_the_same(
    client, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_RATE_PER_ADDRESS = 3
    UserFactory(email="zhao.liu@example.com")
    pages = []
    for n in range(5):
        response = register(client, django_capture_on_commit_callbacks, uscc=valid_uscc(n))
        assert response.status_code == 302
        pages.append(page_text(client.get(reverse("registration_done"))))
    assert len(set(pages)) == 1
    assert len(mail.outbox) == 3


def test_a_city_outside_the_province_is_refused_and_the_right_cities_offered(client):
    response = client.post(reverse("register"), registration(province="420000", city="440300"))
    assert response.status_code == 200
    assert len(field_codes(response, "organization_form", "city")) == 1
    html = response.content.decode()
    assert 'value="429004"' in html  # 仙桃市, a county-level unit administered by Hubei
    assert 'value="420100"' in html
    assert 'value="440300"' not in html
    assert Organization.objects.count() == 0


def test_a_province_needs_a_city(client):
    response = client.post(reverse("register"), registration(city=""))
    assert len(field_codes(response, "organization_form", "city")) == 1


def test_an_unknown_province_is_refused(client):
    response = client.post(reverse("register"), registration(province="990000"))
    assert field_codes(response, "organization_form", "province") == ["invalid_choice"]


@pytest.mark.parametrize("city", ["", "440300"])
def test_a_municipality_is_its_own_division(client, django_capture_on_commit_callbacks, city):
    response = register(client, django_capture_on_commit_callbacks, province="110000", city=city)
    assert response.status_code == 302
    assert Organization.objects.get().address_division == "110000"


def test_the_form_for_a_municipality_disables_the_city_select(client):
    response = client.post(reverse("register"), registration(province="310000", uscc=""))
    html = response.content.decode()
    select = re.search(r"<select[^>]*name=\"city\"[^>]*>", html).group(0)
    assert "disabled" in select
    assert "上海市" in html


def test_division_options_for_a_province_include_its_county_level_units(client):
    response = client.get(reverse("division_options", args=["420000"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="429004">仙桃市</option>' in html
    assert '<option value="420100">武汉市</option>' in html
    assert "440300" not in html


def test_division_options_for_a_municipality_are_only_a_hint(client):
    response = client.get(reverse("division_options", args=["110000"]))
    assert response.status_code == 200
    options = re.findall(r"<option[^>]*>", response.content.decode())
    assert options == ['<option value="" data-municipality selected>']
    assert "北京市" in response.content.decode()


def test_division_options_follow_the_language(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("division_options", args=["440000"])).content.decode()
    assert '<option value="440300">Shenzhen</option>' in html


@pytest.mark.parametrize("code", ["990000", "440300", "abc", "4" * 10_000])
def test_division_options_for_anything_but_a_province_are_not_found(client, code):
    assert client.get(reverse("division_options", args=[code])).status_code == 404


def test_the_register_page_wires_the_city_select_to_the_province(client):
    response = client.get(reverse("register"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'hx-get="/divisions/province/options/"' in html
    assert 'hx-target="#id_city"' in html
    assert "营业执照" in html  # where to find the code
    for field in ("uscc", "province", "city", "account-password2"):
        assert f'for="id_{field}"' in html
    main = html[html.index("<main") :]
    assert main.count('name="csrfmiddlewaretoken"') == 1


def test_ten_thousand_characters_and_markup_never_break_the_form(client):
    fields = (
        "name",
        "uscc",
        "street_address",
        "legal_representative",
        "responsible_person",
        "responsible_person_id_number",
        "contact_name",
        "contact_mobile",
        "contact_email",
        "account-name",
        "account-email",
        "city",
        "province",
    )
    data = registration(**dict.fromkeys(fields, "长" * 10_000))
    response = client.post(reverse("register"), data)
    assert response.status_code == 200
    assert Organization.objects.count() == 0
    response = client.post(reverse("register"), registration(uscc="<script>alert(1)</script>"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)" in html


def test_markup_in_the_organization_name_is_shown_as_text(
    client, django_capture_on_commit_callbacks
):
    name = '<script>alert("x")</script> & Co'
    register(client, django_capture_on_commit_callbacks, name=name)
    client.get(link_path(mail.outbox[0], "confirm_email"))
    organization = Organization.objects.get()
    assert organization.name == name
    assert "<script>" not in mail.outbox[0].alternatives[0][0]
    assert name in mail.outbox[0].body  # plain text is not HTML-escaped
    html = client.get(reverse("organization_profile", args=[organization.pk])).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in html


def test_a_logged_in_person_registers_another_organization_without_a_new_account(
    client, django_capture_on_commit_callbacks
):
    user = UserFactory()
    client.force_login(user)
    data = {k: v for k, v in registration().items() if not k.startswith("account-")}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("register"), data)
    organization = Organization.objects.get()
    assert response["Location"] == reverse("dashboard", args=[organization.pk])
    assert Membership.objects.get().user == user
    assert Membership.objects.get().role == Membership.Role.ADMIN
    assert User.objects.count() == 1
    assert mail.outbox == []


# --- Profile -------------------------------------------------------------------------------------


def test_the_profile_shows_every_field_with_the_id_number_masked(client):
    membership = MembershipFactory(role=Membership.Role.VIEWER)
    client.force_login(membership.user)
    organization = membership.organization
    response = client.get(reverse("organization_profile", args=[organization.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert SAMPLE_RIC not in html
    assert "110105********002X" in html
    assert "广东省 深圳市" in html
    for value in (
        organization.name,
        organization.uscc,
        organization.street_address,
        organization.legal_representative,
        organization.responsible_person,
        organization.contact_name,
        organization.contact_mobile,
        organization.contact_email,
    ):
        assert value in html
    assert reverse("organization_edit", args=[organization.pk]) not in html


def test_the_profile_names_a_municipality_and_a_county_unit(client):
    membership = MembershipFactory(organization__address_division="110000")
    other = MembershipFactory(user=membership.user, organization__address_division="429004")
    client.force_login(membership.user)
    html = client.get(reverse("organization_profile", args=[membership.organization.pk]))
    assert "北京市" in html.content.decode()
    html = client.get(reverse("organization_profile", args=[other.organization.pk]))
    assert "湖北省 仙桃市" in html.content.decode()


def test_an_administrator_edits_the_profile_and_a_blank_id_number_keeps_it(client):
    membership = MembershipFactory(role=Membership.Role.ADMIN)
    organization = membership.organization
    client.force_login(membership.user)
    url = reverse("organization_edit", args=[organization.pk])
    form_page = client.get(url)
    assert form_page.status_code == 200
    assert SAMPLE_RIC not in form_page.content.decode()
    assert "110105********002X" in form_page.content.decode()
    response = client.post(
        url,
        {
            "name": "新名称有限公司",
            "uscc": "914403001922038216",  # ignored: the code cannot be changed here
            "province": "120000",
            "city": "",
            "street_address": "和平区1号",
            "legal_representative": "张三",
            "responsible_person": "钱七",
            "responsible_person_id_number": "",
            "contact_name": "王五",
            "contact_mobile": "13900139000",
            "contact_email": "new@example.com",
        },
    )
    assert response.status_code == 302
    uscc = organization.uscc
    organization.refresh_from_db()
    assert organization.name == "新名称有限公司"
    assert organization.uscc == uscc
    assert organization.address_division == "120000"
    assert organization.responsible_person == "钱七"
    assert organization.responsible_person_id_number == SAMPLE_RIC
    assert organization.contact_mobile == "13900139000"


def test_a_new_id_number_on_the_edit_form_is_validated(client):
    membership = MembershipFactory(role=Membership.Role.ADMIN)
    client.force_login(membership.user)
    url = reverse("organization_edit", args=[membership.organization.pk])
    data = client.get(url).context["form"].initial
    data = {
        **{k: v for k, v in data.items() if v is not None and k != "id"},
        "responsible_person_id_number": "123",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert field_codes(response, "form", "responsible_person_id_number") == ["ric_length"]


@pytest.mark.parametrize("role", [Membership.Role.EDITOR, Membership.Role.VIEWER])
def test_only_administrators_edit_the_profile(client, role):
    membership = MembershipFactory(role=role)
    client.force_login(membership.user)
    url = reverse("organization_edit", args=[membership.organization.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "x"}).status_code == 403


def test_a_non_member_does_not_find_the_profile(client):
    organization = OrganizationFactory()
    client.force_login(UserFactory())
    for name in ("organization_profile", "organization_edit"):
        assert client.get(reverse(name, args=[organization.pk])).status_code == 404
    client.logout()
    response = client.get(reverse("organization_profile", args=[organization.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_home_page_invites_visitors_to_register(client):
    html = client.get("/").content.decode()
    assert reverse("register") in html
    client.force_login(UserFactory())
    assert reverse("my_dashboard") in client.get("/").content.decode()
