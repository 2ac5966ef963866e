"""Encryption at rest (issue 27, point 1): ID numbers and mobile numbers sealed in the database,
every private file sealed before it reaches the disk or the bucket, a key ring that rotates, a
blind index for exact lookups, AES-256-GCM or SM4-GCM, and no start in production without keys.

The proofs read what an intruder with a copy of the database or the storage would read: every
column of every table by raw SQL, every file on disk, every object in the bucket."""

import base64
import copy
import hashlib
import re
import subprocess
import sys
from html import unescape
from io import StringIO
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from filings.documents import documents
from filings.lifecycle import services
from filings.models import AuditEntry, Document, Filing, FilingVersion, Membership, Organization
from filings.registry import audit
from portal import crypto
from tests.factories import MembershipFactory, OrganizationFactory, login_with_second_factor
from tests.filing_data import complete_filing, mark_complete
from tests.pdfs import pdf_bytes

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"  # the test data's (a valid check digit, a made-up person)
MOBILE = "13800000000"
OTHER_MOBILE = "13912345678"


def key(label: str) -> str:
    seed = hashlib.sha256(label.encode()).digest()
    return f"{label}:{base64.urlsafe_b64encode(seed).decode()}"


K1, K2 = key("k1"), key("k2")


@pytest.fixture
def ring_k1(settings):
    settings.ENCRYPTION_KEYS = K1
    settings.ENCRYPTION_CIPHER = "aes-256-gcm"
    return settings


@pytest.fixture
def local_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "portal.storage.PrivateStorage", "OPTIONS": {"location": tmp_path}},
    }
    return tmp_path


# --- What an intruder reads -----------------------------------------------------------------------


def every_stored_value() -> list[tuple[str, str, str]]:
    """(table, column, text) for every non-null value of every table, read by raw SQL."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from the catalogue
            columns = [column[0] for column in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("latin-1")
                    found.append((table, column, str(value)))
    return found


def plain_in_database(*needles: str) -> list[tuple[str, str]]:
    return [
        (table, column)
        for table, column, text in every_stored_value()
        for needle in needles
        if needle in text
    ]


def files_on_disk(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes() for path in root.rglob("*") if path.is_file()
    }


def assert_nothing_plain_in(files: dict[str, bytes], *plain_files: bytes) -> None:
    assert files, "nothing was stored"
    for name, raw in files.items():
        assert raw.startswith(crypto.FILE_MAGIC), name
        for needle in (b"%PDF", b"PK\x03\x04", b"\x89PNG", ID_NUMBER.encode(), MOBILE.encode()):
            assert needle not in raw, (name, needle)
        for plain in plain_files:
            assert plain[64:128] not in raw, name


def organization_story(client):
    """As a new organization would use it: its details (audited), a filing with the content, an
    uploaded report, the submission (a version, the filing form rendered), an edit of the
    contact's mobile number."""
    membership = MembershipFactory(
        role="admin",
        organization=OrganizationFactory(
            responsible_person_id_number=ID_NUMBER, contact_mobile=MOBILE
        ),
    )
    organization = membership.organization
    client.force_login(membership.user)
    filing = services.start_initial_filing(organization, membership.user)
    data = copy.deepcopy(complete_filing())
    data["organization"].update(name=organization.name, uscc=organization.uscc)
    filing.data = data
    mark_complete(filing)
    response = client.post(
        reverse("attachment_upload", args=[organization.pk, filing.pk]),
        {"kind": "assessment_report", "file": SimpleUploadedFile("报告.pdf", pdf_bytes())},
    )
    assert response.status_code == 302
    services.submit_filing(filing.pk, membership.user)
    for document in Document.objects.filter(filing=filing):
        documents.generate(document.pk)
    before = {"contact_mobile": MOBILE}
    organization.contact_mobile = OTHER_MOBILE
    organization.save()
    audit.record(
        AuditEntry.Action.ORGANIZATION_EDITED,
        actor=membership.user,
        obj=organization,
        organization=organization,
        before=before,
        after={"contact_mobile": OTHER_MOBILE},
    )
    return membership, filing


def test_the_database_and_the_disk_hold_no_id_number_mobile_number_or_file_in_plain_form(
    client, local_storage
):
    membership, filing = organization_story(client)
    assert Document.objects.filter(filing=filing, status="ready").exists()

    assert plain_in_database(ID_NUMBER, MOBILE, OTHER_MOBILE) == []
    assert_nothing_plain_in(files_on_disk(local_storage), pdf_bytes())

    # The portal itself reads them plain: the ORM, the pages, the downloads.
    organization = Organization.objects.get(pk=membership.organization.pk)
    assert organization.responsible_person_id_number == ID_NUMBER
    assert organization.contact_mobile == OTHER_MOBILE
    version = FilingVersion.objects.get(filing=filing)
    assert version.data["organization"]["responsible_person_id_number"] == ID_NUMBER
    assert (
        Filing.objects.values_list("data__organization__contact_mobile", flat=True).get(
            pk=filing.pk
        )
        == MOBILE
    )
    entry = AuditEntry.objects.get(action=AuditEntry.Action.ORGANIZATION_EDITED)
    assert (entry.before, entry.after) == (
        {"contact_mobile": MOBILE},
        {"contact_mobile": OTHER_MOBILE},
    )
    page = client.get(reverse("organization_profile", args=[organization.pk])).content.decode()
    assert OTHER_MOBILE in page
    attachment = filing.attachment_rows.get()
    response = client.get(
        reverse("attachment_download", args=[organization.pk, filing.pk, attachment.pk])
    )
    served = b"".join(response.streaming_content)
    # The SHA-256 shown is the plain file's, and serving checks it.
    assert served == pdf_bytes()
    assert attachment.sha256 == hashlib.sha256(pdf_bytes()).hexdigest()


def test_the_bucket_holds_no_file_in_plain_form(client, object_storage):
    _membership, filing = organization_story(client)
    client_s3 = storages["default"].connection.meta.client
    from django.conf import settings

    listing = client_s3.list_objects_v2(Bucket=settings.AWS_STORAGE_BUCKET_NAME)
    objects = {
        item["Key"]: client_s3.get_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=item["Key"])[
            "Body"
        ].read()
        for item in listing["Contents"]
    }
    assert any(name.startswith("documents/") for name in objects)
    assert_nothing_plain_in(objects, pdf_bytes())
    attachment = filing.attachment_rows.get()
    with default_storage.open(attachment.file.name) as opened:
        assert opened.read() == pdf_bytes()


def test_a_sealed_file_with_a_changed_byte_is_refused_as_damaged(client, local_storage):
    membership, filing = organization_story(client)
    attachment = filing.attachment_rows.get()
    path = local_storage / attachment.file.name
    raw = bytearray(path.read_bytes())
    raw[-40] ^= 1
    path.write_bytes(bytes(raw))
    response = client.get(
        reverse("attachment_download", args=[membership.organization.pk, filing.pk, attachment.pk])
    )
    assert response.status_code == 500
    assert "SHA-256" in response.content.decode()


# --- The key ring and the ciphers -----------------------------------------------------------------


def test_the_newest_key_seals_and_every_key_of_the_ring_opens(settings):
    settings.ENCRYPTION_KEYS = K1
    sealed_by_k1 = crypto.seal_text(ID_NUMBER, "responsible_person_id_number")
    assert sealed_by_k1.startswith("enc1$k1$aes-256-gcm$")
    assert crypto.seal_text(ID_NUMBER, "responsible_person_id_number") != sealed_by_k1  # nonces

    settings.ENCRYPTION_KEYS = f"{K2},{K1}"
    assert crypto.open_text(sealed_by_k1, "responsible_person_id_number") == ID_NUMBER
    assert crypto.seal_text(ID_NUMBER, "responsible_person_id_number").startswith("enc1$k2$")
    assert crypto.needs_resealing(sealed_by_k1)

    # Another name, another key, a changed character: refused, never a wrong plain value.
    with pytest.raises(crypto.DecryptionFailed):
        crypto.open_text(sealed_by_k1, "contact_mobile")
    tampered = sealed_by_k1[:-3] + ("A" if sealed_by_k1[-3] != "A" else "B") + sealed_by_k1[-2:]
    with pytest.raises(crypto.DecryptionFailed):
        crypto.open_text(tampered, "responsible_person_id_number")
    settings.ENCRYPTION_KEYS = K2
    with pytest.raises(crypto.DecryptionFailed, match="k1"):
        crypto.open_text(sealed_by_k1, "responsible_person_id_number")


def test_sm4_gcm_from_the_cryptography_package_seals_values_and_files(settings, local_storage):
    settings.ENCRYPTION_KEYS = K1
    settings.ENCRYPTION_CIPHER = "sm4-gcm"
    sealed = crypto.seal_text(MOBILE, "contact_mobile")
    assert sealed.startswith("enc1$k1$sm4-gcm$")
    assert crypto.open_text(sealed, "contact_mobile") == MOBILE
    name = default_storage.save("attachments/1/x.pdf", ContentFile(pdf_bytes(3)))
    assert default_storage.header(name)["alg"] == "sm4-gcm"
    with default_storage.open(name) as opened:
        assert opened.read() == pdf_bytes(3)
    # What was sealed with AES still opens after the switch; the rotation moves it to SM4.
    settings.ENCRYPTION_CIPHER = "aes-256-gcm"
    aes = crypto.seal_text(MOBILE, "contact_mobile")
    settings.ENCRYPTION_CIPHER = "sm4-gcm"
    assert crypto.open_text(aes, "contact_mobile") == MOBILE
    assert crypto.needs_resealing(aes)
    # The national algorithms' SM4 against its standard's example (GB/T 32907-2016, A.1).
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    plain = bytes.fromhex("0123456789abcdeffedcba9876543210")
    encryptor = Cipher(algorithms.SM4(plain), modes.ECB()).encryptor()  # noqa: S305 - one block, a known answer
    assert encryptor.update(plain).hex() == "681edf34d206965e86b3e94f536e4246"


def test_a_mistyped_ring_or_cipher_is_a_clear_error(settings):
    from django.core.exceptions import ImproperlyConfigured

    for ring in ("k1", "k1:c2hvcnQ=", f"{K1},{K1}", "bad id:" + K1.split(":")[1]):
        with pytest.raises(ImproperlyConfigured, match="ENCRYPTION_KEYS") as error:
            crypto.parse_ring(ring)
        assert K1.split(":")[1] not in str(error.value)  # a key never lands in a log
    settings.ENCRYPTION_CIPHER = "des"
    with pytest.raises(ImproperlyConfigured, match="ENCRYPTION_CIPHER"):
        crypto.ring()


# --- Exact lookups by the blind index -------------------------------------------------------------


def test_an_organization_is_found_by_its_responsible_persons_id_number_through_the_blind_index(
    settings, admin_client
):
    from django.core.exceptions import FieldError
    from django.test.utils import CaptureQueriesContext

    settings.ENCRYPTION_KEYS = K1
    wanted = OrganizationFactory(responsible_person_id_number=ID_NUMBER)
    OrganizationFactory(responsible_person_id_number="440301199001011234")
    settings.ENCRYPTION_KEYS = f"{K2},{K1}"  # mid-rotation: the row still carries k1's digest
    with CaptureQueriesContext(connection) as queries:
        found = list(
            Organization.objects.filter(
                Organization.with_responsible_person_id_number(ID_NUMBER.lower())
            )
        )
    assert found == [wanted]
    assert "responsible_person_id_digest" in queries[0]["sql"]
    assert crypto.blind_indexes(ID_NUMBER)[1] in queries[0]["sql"]  # k1's digest asked for too

    response = admin_client.get(reverse("admin:filings_organization_changelist"), {"q": ID_NUMBER})
    assert wanted.name in response.content.decode()
    assert response.context["cl"].result_count == 1
    # The sealed column itself cannot be compared: a lookup on it is an error, not a silent miss.
    with pytest.raises(FieldError, match="blind index"):
        Organization.objects.filter(responsible_person_id_number=ID_NUMBER).exists()


# --- Rotation of a demo database ------------------------------------------------------------------


def rotate(*args) -> str:
    out = StringIO()
    call_command("rotate_keys", *args, stdout=out)
    return out.getvalue()


def crawl(client, start: str, prefixes: tuple[str, ...], limit: int = 120) -> tuple[list, list]:
    """Every page reachable by links from ``start`` under the prefixes (no query strings), each
    answered without an error; (pages, PDFs as (url, bytes))."""
    pages, pdfs, queue, seen = [], [], [start], set()
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code in (200, 302), (url, response.status_code)
        if response.status_code == 302:
            queue.append(urlsplit(response["Location"]).path)
            continue
        body = b"".join(response.streaming_content) if response.streaming else response.content
        kind = response.get("Content-Type", "")
        if kind.startswith("application/pdf"):
            pdfs.append((url, body))
            continue
        if not kind.startswith("text/html"):
            continue
        pages.append(url)
        for href in re.findall(r'href="([^"#?]+)"', body.decode()):
            target = urljoin(url, unescape(href))
            if target.startswith(prefixes) and "logout" not in target:
                queue.append(target)
    return pages, pdfs


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "page.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_rotation_reseals_a_demo_database_and_every_page_and_pdf_still_renders(
    settings, local_storage, client, django_capture_on_commit_callbacks, tmp_path
):
    settings.ENCRYPTION_KEYS = K1
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", stdout=StringIO())
    assert not Document.objects.exclude(status="ready").exists()
    before = files_on_disk(local_storage)
    assert all(crypto.FILE_MAGIC in raw[:10] for raw in before.values())

    # The new key first, the old one kept to open what it sealed; SM4 as the new cipher too.
    settings.ENCRYPTION_KEYS = f"{K2},{K1}"
    settings.ENCRYPTION_CIPHER = "sm4-gcm"
    report = rotate("--batch-size", "2")
    assert "filings.Organization: 2/2 checked, 2 resealed" in report
    assert f"files: {len(before)}/{len(before)} checked, {len(before)} resealed" in report
    assert "every field and file is sealed with key k2 (sm4-gcm)" in report
    # A second run (or the rest of an interrupted one) has nothing left to do.
    assert "done: 0 rows and 0 files resealed" in rotate()

    # Nothing left for k1 or AES anywhere: the ring can drop the old key.
    settings.ENCRYPTION_KEYS = K2
    tokens = [text for _table, _column, text in every_stored_value() if "enc1$" in text]
    assert tokens
    assert not any("enc1$k1$" in text or "aes-256-gcm" in text for text in tokens)
    for raw in files_on_disk(local_storage).values():
        assert b'"key":"k2"' in raw[:300]
        assert b'"alg":"sm4-gcm"' in raw[:300]
    assert plain_in_database("11010519491231002X", "13800138000", "13900139000") == []

    # Every page of the filer, and of the reviewer's workspace, renders; every PDF opens.
    filer = Membership.objects.get(user__email="filer@demo.example")
    client.force_login(filer.user)
    pages, pdfs = crawl(
        client,
        reverse("dashboard", args=[filer.organization.pk]),
        ("/organizations/", "/my/", "/dashboard/"),
    )
    profile = client.get(
        reverse("organization_profile", args=[filer.organization.pk])
    ).content.decode()
    assert "13800138000" in profile
    reviewer = Filing.objects.filter(kind="change").get().office.reviewers.get().user
    staff = type(client)()
    login_with_second_factor(staff, reviewer)
    review_pages, review_pdfs = crawl(
        staff, reverse("admin:filings_filing_changelist"), ("/admin/filings/filing/",)
    )
    assert len(pages) >= 5, pages
    assert len(review_pages) >= 3, review_pages
    change = Filing.objects.get(kind="change")
    review = staff.get(reverse("admin:filings_filing_change", args=[change.pk])).content.decode()
    assert "110105" in review  # the masked ID number, read from the resealed content
    for url, pdf in pdfs + review_pdfs:
        assert pdf.startswith(b"%PDF"), url
        assert pdf_text(pdf, tmp_path).strip(), url
    assert pdfs
    assert review_pdfs

    # A document rendered after the rotation is sealed with the new key and served.
    with django_capture_on_commit_callbacks(execute=True):
        services.start_review(change.pk, reviewer)
        services.approve_filing(change.pk, reviewer)
    notice = Document.objects.get(filing=change, kind="notice")
    assert notice.status == "ready"
    assert default_storage.header(notice.file.name)["key"] == "k2"
    assert "深圳演示科技" in pdf_text(
        b"".join(
            client.get(
                reverse("document_download", args=[filer.organization.pk, change.pk, notice.pk])
            ).streaming_content
        ),
        tmp_path,
    )


def test_the_migration_and_the_rotation_seal_what_was_stored_in_plain_form(settings, local_storage):
    """A database and a disk from before encryption: plain values and files are read as they are,
    and the rotation seals them (the migration runs the same for the rows)."""
    settings.ENCRYPTION_AT_REST = False
    organization = OrganizationFactory(
        responsible_person_id_number=ID_NUMBER, contact_mobile=MOBILE
    )
    name = default_storage.save("attachments/9/plain.pdf", ContentFile(pdf_bytes()))
    assert plain_in_database(ID_NUMBER, MOBILE)
    assert (local_storage / name).read_bytes() == pdf_bytes()
    Organization.objects.filter(pk=organization.pk).update(responsible_person_id_digest="")

    settings.ENCRYPTION_AT_REST = True
    settings.ENCRYPTION_KEYS = K1
    assert Organization.objects.get(pk=organization.pk).contact_mobile == MOBILE
    report = rotate()
    assert "filings.Organization: 1/1 checked, 1 resealed" in report
    assert plain_in_database(ID_NUMBER, MOBILE) == []
    assert (local_storage / name).read_bytes().startswith(crypto.FILE_MAGIC)
    with default_storage.open(name) as opened:
        assert opened.read() == pdf_bytes()
    assert Organization.objects.filter(
        Organization.with_responsible_person_id_number(ID_NUMBER)
    ).exists()


def test_rotation_works_on_the_bucket(client, object_storage, settings):
    _membership, filing = organization_story(client)
    attachment = filing.attachment_rows.get()
    settings.ENCRYPTION_KEYS = f"{K2},{settings.ENCRYPTION_KEYS}"
    report = rotate("--files-only")
    assert "files:" in report
    assert "0 rows" in report
    assert default_storage.header(attachment.file.name)["key"] == "k2"
    response = client.get(
        reverse(
            "attachment_download",
            args=[filing.organization_id, filing.pk, attachment.pk],
        )
    )
    assert b"".join(response.streaming_content) == pdf_bytes()


# --- Production -----------------------------------------------------------------------------------


def test_production_refuses_to_start_without_keys(tmp_path):
    from tests.test_deployment_checks import STARTS, check_deploy, environment
    from tests.test_settings import PRODUCTION

    without = {name: value for name, value in PRODUCTION.items() if name != "ENCRYPTION_KEYS"}
    result = check_deploy(tmp_path, without)
    assert result.returncode != 0
    assert "portal.E003" in result.stderr
    # No development ring is generated for an https:// site.
    assert not (tmp_path / "encryption_keys").exists()
    started = subprocess.run(
        [sys.executable, "-c", STARTS, "web"],
        cwd=Path(__file__).resolve().parent.parent,
        env={**environment(tmp_path, without), "DJANGO_SETTINGS_MODULE": "portal.settings"},
        capture_output=True,
        text=True,
    )
    assert started.returncode != 0
    assert "portal.E003" in started.stdout + started.stderr
    # Encryption may not be turned off there either.
    result = check_deploy(tmp_path, {**PRODUCTION, "ENCRYPTION_AT_REST": "0"})
    assert "portal.E004" in result.stderr


def test_the_development_ring_is_generated_once_into_var_dir(tmp_path):
    first = crypto.ring_from_file(tmp_path / "encryption_keys")
    assert first == crypto.ring_from_file(tmp_path / "encryption_keys")
    assert crypto.parse_ring(first)[0][0] == "dev1"
    assert (tmp_path / "encryption_keys").stat().st_mode & 0o777 == 0o600
