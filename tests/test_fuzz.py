"""Malformed input to every form and every admin changelist filter, as each persona that sees
them: never a server error.

The forms are read from the pages themselves (every POST and GET form a persona is shown, its
fields, buttons and management counts), so a form added later is fuzzed without a change here.
Each field is kept valid, left out, or replaced by a hostile value: NUL characters, bytes that are
not UTF-8 (lone surrogates among them), huge strings, impossible dates, huge integers, repeated
fields and formset counts that lie. The body is encoded by hand, byte by byte, as a browser could
not. Hypothesis is derandomized: the same examples every run, so CI is stable.
"""

import copy
from datetime import date
from html.parser import HTMLParser
from urllib.parse import quote_from_bytes, urljoin, urlsplit

import pytest
import time_machine
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filings.documents import attachments
from filings.law import steps
from filings.lifecycle import obligations, services
from filings.models import Filing
from tests.factories import MembershipFactory, sign_in
from tests.filing_data import complete_filing, mark_complete
from tests.pdfs import pdf_bytes

pytestmark = pytest.mark.django_db

EXAMPLES = 5  # per page and persona; with the filter sweep below, about 1,700 requests in a minute

HOSTILE = [
    b"\x00",
    b"a\x00b",
    b"\x00" * 50,
    b"\xff\xfe\xfd",  # not UTF-8
    b"\xed\xa0\x80",  # a lone surrogate, as UTF-8 would encode it
    b"\xc3",  # a cut-off sequence
    b"\xe6\xb7\xb1\xed\xb3\xbf",  # a character and half of a pair
    "深".encode() * 3000,
    b"x" * 70_000,  # huge
    b"2023-02-30",
    b"2026-13-45",
    b"0000-00-00",
    b"99999-01-01",
    b"-1-01-01",
    b"9" * 40,  # a huge integer
    b"-" + b"9" * 30,
    b"1e309",
    b"NaN",
    b"-1",
    b"0",
    b"1000000",  # a formset with a million forms
    b"2147483648",
    b"",
    b" ",
    b"<script>alert(1)</script>",
    b"' OR 1=1 --",
    b"%00",
    b"\\u0000",
    b"../../etc/passwd",
]

hostile = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40).map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.binary(max_size=40),
)


class Forms(HTMLParser):
    """The forms of a page: method, action, fields (name, a valid value) and named buttons."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {
                "method": (attrs.get("method") or "get").lower(),
                "action": attrs.get("action") or "",
                "fields": {},
                "buttons": [],
            }
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        if tag == "option" and self._select:
            if "selected" in attrs or not self._form["fields"][self._select]:
                self._form["fields"][self._select] = attrs.get("value", "")
            return
        if not attrs.get("name"):
            return
        name = attrs["name"]
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "image", "button"):
                self._form["buttons"].append((name, attrs.get("value") or ""))
            elif kind in ("checkbox", "radio"):
                if name not in self._form["fields"] or "checked" in attrs:
                    self._form["fields"][name] = attrs.get("value") or "on"
            elif kind != "file":
                self._form["fields"][name] = attrs.get("value") or ""
        elif tag == "button" and (attrs.get("type") or "submit") == "submit":
            self._form["buttons"].append((name, attrs.get("value") or ""))
        elif tag == "select":
            self._select = name
            self._form["fields"].setdefault(name, "")
        elif tag == "textarea":
            self._textarea = name
            self._form["fields"][name] = ""

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


# Forms every page has (the language switch, logging out): fuzzed once, on the home page.
COMMON_ACTIONS = ("/i18n/setlang/", "/accounts/logout/", "/admin/logout/")


def forms_of(client, url, *, common=False, may_be_refused=False) -> list[dict]:
    response = client.get(url)
    if may_be_refused and response.status_code in (302, 403, 404):
        return []  # a page this persona may not open
    assert response.status_code == 200, (url, response.status_code)
    parser = Forms()
    parser.feed(response.content.decode())
    found = []
    for form in parser.forms:
        form["url"] = urljoin(url, form["action"]) if form["action"] else url
        if (urlsplit(form["url"]).path in COMMON_ACTIONS) != common:
            continue
        found.append(form)
    assert found or may_be_refused, f"no form on {url}"
    return found


def encode(pairs) -> bytes:
    return b"&".join(
        quote_from_bytes(name if isinstance(name, bytes) else name.encode()).encode()
        + b"="
        + quote_from_bytes(value if isinstance(value, bytes) else value.encode()).encode()
        for name, value in pairs
    )


@st.composite
def malformed(draw, form):
    """The form's fields, each kept, dropped, repeated or replaced; one of its buttons."""
    pairs = []
    for name, valid in form["fields"].items():
        if name == "csrfmiddlewaretoken":
            continue
        choice = draw(st.sampled_from(["keep", "keep", "keep", "drop", "hostile", "hostile"]))
        if choice == "keep":
            pairs.append((name, valid))
        elif choice == "hostile":
            pairs.append((name, draw(hostile)))
            if draw(st.booleans()):
                pairs.append((name, draw(hostile)))  # the same field twice
    if draw(st.booleans()):
        pairs.append((draw(hostile), draw(hostile)))  # a field no form has
    if form["buttons"]:
        pairs.append(draw(st.sampled_from(form["buttons"])))
    return pairs


def send(client, form, pairs):
    body = encode(pairs)
    if form["method"] == "post":
        response = client.post(
            form["url"], data=body, content_type="application/x-www-form-urlencoded"
        )
    else:
        response = client.get(f"{urlsplit(form['url']).path}?{body.decode()}")
    assert response.status_code < 500, (form["url"], pairs[:5], response.status_code)
    return response


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


def fuzz_forms(client, forms):
    @FUZZ
    @given(data=st.data())
    def run(data):
        form = data.draw(st.sampled_from(forms))
        send(client, form, data.draw(malformed(form)))

    run()
    # And each form, with each of its buttons, once with every field a NUL and once with every
    # field bytes that are not UTF-8 before a huge number.
    for form in forms:
        for button in form["buttons"] or [None]:
            for value in (b"a\x00b", b"\xff" + b"9" * 30):
                pairs = [(name, value) for name in form["fields"]]
                send(client, form, pairs + ([button] if button else []))


# --- The world and its personas ------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(date(2026, 3, 2), tick=False):
        yield


def client_of(user) -> Client:
    # Exceptions raised by a view fail the test (Django's client re-raises them).
    client = Client(raise_request_exception=True)
    if user is not None:
        sign_in(client, user)
    return client


def organization_with_a_system(**membership):
    membership = MembershipFactory(
        role="admin", organization__address_division="440300", **membership
    )
    system = obligations.declare_system(
        membership.organization,
        membership.user,
        name="门禁",
        people_stored=12_000,
        used_in_public_place=False,
        count_reached_on=date(2026, 2, 2),
    )
    return membership, system


def draft_of(membership) -> Filing:
    filing = services.start_initial_filing(membership.organization, membership.user)
    filing.data = copy.deepcopy(complete_filing())
    mark_complete(filing)
    attachments.store(
        filing, membership.user, "assessment_report", SimpleUploadedFile("r.pdf", pdf_bytes())
    )
    return filing


@pytest.fixture
def world(django_capture_on_commit_callbacks, city_reviewer, administrator):
    """A filer administering three organizations of Shenzhen: one filed (with a change and a
    cancellation started), one submitted, one with a draft; an editor; Shenzhen's reviewer."""
    membership, system = organization_with_a_system()
    user = membership.user
    submitting, _ = organization_with_a_system(user=user)
    drafting, _ = organization_with_a_system(user=user)
    cancelling, _ = organization_with_a_system(user=user)
    reviewer = city_reviewer
    with django_capture_on_commit_callbacks(execute=True):
        filed = draft_of(membership)
        services.submit_filing(filed.pk, user)
        services.approve_filing(filed.pk, reviewer)
        submitted = draft_of(submitting)
        services.submit_filing(submitted.pk, user)
        to_cancel = draft_of(cancelling)
        services.submit_filing(to_cancel.pk, user)
        services.approve_filing(to_cancel.pk, reviewer)
    to_cancel.refresh_from_db()
    filed.refresh_from_db()
    return {
        "membership": membership,
        "org": membership.organization,
        "system": system,
        "reviewer": reviewer,
        "superuser": administrator,
        "filed": filed,
        "submitted": submitted,
        "initial": draft_of(drafting),
        "change": services.start_follow_up(filed, user, Filing.Kind.CHANGE),
        "cancellation": services.start_follow_up(to_cancel, user, Filing.Kind.CANCELLATION),
        "colleague": MembershipFactory(organization=membership.organization, role="editor"),
    }


def filer_pages(world) -> list[str]:
    org = world["org"].pk
    pages = [
        reverse("organization_edit", args=[org]),
        reverse("system_new", args=[org]),
        reverse("system_edit", args=[org, world["system"].pk]),
        reverse("system_bulk", args=[org]),
        reverse("my_overview"),
        reverse("members", args=[org]),
        reverse("filing_detail", args=[org, world["filed"].pk]),
        reverse("password_change"),
    ]
    for filing in (world["initial"], world["change"], world["cancellation"]):
        pages += [
            reverse("filing_step", args=[filing.organization_id, filing.pk, step])
            for step in steps.STEPS_BY_KIND[filing.kind]
        ]
    return pages


ANONYMOUS_PAGES = [
    "login",
    "register",
    "password_reset",
    "verify",
    "self_check",
    "resend_confirmation",
    "admin:login",
]


@pytest.mark.parametrize("name", ANONYMOUS_PAGES)
def test_the_public_forms_never_answer_a_server_error(name):
    client = client_of(None)
    fuzz_forms(client, forms_of(client, reverse(name)))


def test_the_forms_on_every_page_never_answer_a_server_error(world):
    client = client_of(world["membership"].user)
    fuzz_forms(client, forms_of(client, reverse("home"), common=True))


def test_every_filer_form_never_answers_a_server_error(world):
    """The organization, its systems, each step of an initial, a change and a cancellation filing
    (the deployments formset included), the members and the password, as the organization's
    administrator; then the same pages as an editor."""
    for user, administrator in ((world["membership"].user, True), (world["colleague"].user, False)):
        client = client_of(user)
        for url in filer_pages(world):
            forms = forms_of(client, url, may_be_refused=not administrator)
            if forms:
                fuzz_forms(client, forms)


def test_the_review_decision_never_answers_a_server_error(world):
    client = client_of(world["reviewer"])
    url = reverse("admin:filings_filing_change", args=[world["submitted"].pk])
    fuzz_forms(client, forms_of(client, url))


# --- Admin changelists ---------------------------------------------------------------------------


def filter_parameters(model_admin) -> list[str]:
    """The query parameters a changelist understands: its filters' (for each lookup a field
    filter uses), search, ordering, page, and the error flag."""
    names = ["q", "o", "p", "e", "all", "_popup", "_to_field"]
    for entry in model_admin.list_filter:
        if isinstance(entry, str):
            field = entry
        elif isinstance(entry, tuple):
            field = entry[0]
        else:
            names.append(entry.parameter_name)
            continue
        names += [
            field,
            f"{field}__exact",
            f"{field}__id__exact",
            f"{field}__isnull",
            f"{field}__gte",
            f"{field}__lt",
            f"{field}__in",
        ]
    return names


def get(client, url, pairs):
    response = client.get(f"{url}?{encode(pairs).decode()}")
    assert response.status_code < 500, (url, pairs, response.status_code)


# Each filter parameter is tried alone with each of these (one hostile value can hide another:
# the admin refuses the first bad lookup before it runs the query the next would break).
SWEEP = [b"\x00", b"9" * 40, b"x" * 70_000]


def fuzz_filters(client, url, parameters):
    for name in parameters:
        for value in SWEEP:
            get(client, url, [(name, value)])

    @FUZZ
    @given(data=st.data())
    def run(data):
        chosen = data.draw(st.lists(st.sampled_from(parameters), min_size=1, max_size=3))
        get(client, url, [(name, data.draw(hostile)) for name in chosen])

    run()


CHANGELISTS = sorted(
    (model._meta.app_label, model._meta.model_name) for model in admin.site._registry
)


@pytest.mark.parametrize("persona", ["reviewer", "superuser"])
def test_every_admin_changelist_filter_never_answers_a_server_error(world, persona):
    client = client_of(world[persona])
    for app_label, model_name in CHANGELISTS:
        model_admin = next(
            ma for m, ma in admin.site._registry.items() if m._meta.model_name == model_name
        )
        url = reverse(f"admin:{app_label}_{model_name}_changelist")
        status = client.get(url).status_code
        if persona == "superuser":
            assert status == 200, (url, status)  # sees every changelist: none skipped
        elif status != 200:
            continue  # a page this persona may not see (403 or a redirect to log in)

        fuzz_filters(client, url, filter_parameters(model_admin))
        # And the POST forms of the changelist (its actions), as the persona sees them.
        forms = [f for f in forms_of(client, url, may_be_refused=True) if f["method"] == "post"]
        if forms:
            fuzz_forms(client, forms)


# --- The API's date and time query parameters (issue 30) -----------------------------------------

API_LISTS = ["/api/v1/systems/", "/api/v1/duties/", "/api/v1/filings/", "/api/v1/notifications/"]
MOMENTS = st.one_of(
    st.datetimes().map(lambda moment: moment.isoformat()),
    st.dates().map(lambda day: day.isoformat()),
    st.builds(
        lambda year, month, day, hour, offset: (
            f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:00:00{offset}"
        ),
        st.integers(0, 9999),
        st.integers(0, 13),
        st.integers(0, 32),
        st.integers(0, 25),
        st.sampled_from(["", "Z", "+08:00", "-12:00", "+14:00", "+99:00", "-99:59", "+23:59"]),
    ),
    st.sampled_from(
        [
            "2026-02-30",
            "2026-02-28T25:00:00",
            "0001-01-01T00:00:00+08:00",
            "9999-12-31T23:59:59-08:00",
            "yesterday",
            "",
            "2026-13-01",
        ]
    ),
    st.text(max_size=40).filter(lambda text: "\x00" not in text),
)


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(moment=MOMENTS, path=st.sampled_from(API_LISTS))
def test_the_apis_dates_are_parsed_strictly_never_a_server_error(moment, path):
    from tests.api_helpers import bearer, organization_with_tokens

    secret = organization_with_tokens()[1]["read"]
    client = Client(raise_request_exception=False)
    response = client.get(path, {"updated_since": moment}, **bearer(secret))
    assert response.status_code in (200, 400), (moment, response.status_code)
    if response.status_code == 400:
        assert response.json()["errors"][0]["field"] == "updated_since", moment
