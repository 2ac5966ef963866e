"""Backup and restore, shown (issue 26): scripts/backup.sh dumps PostgreSQL and copies the bucket;
scripts/restore.sh restores them into an empty database and an empty bucket and checks every
file's SHA-256 and /verify/ for every filed number (manage.py check_restore)."""

import os
import subprocess
import uuid
from datetime import date

import boto3
import psycopg
import pytest
from django.conf import settings
from django.db import connection

from filings.lifecycle import obligations, services
from filings.models import Attachment, Document, Filing
from tests.factories import MembershipFactory
from tests.integration.conftest import ROOT, database_url_of_test_database
from tests.test_filings import complete_draft
from tests.test_verify import filed_data

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="pg_dump backs up PostgreSQL: not the database"
    ),
]


def run(script, *args, env):
    return subprocess.run(
        [str(ROOT / "scripts" / script), *map(str, args)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


@pytest.fixture
def empty_database():
    """A database of its own beside the test database, empty, dropped at the end."""
    name = f"{connection.settings_dict['NAME']}_restore"
    url = database_url_of_test_database().rsplit("/", 1)[0]
    with psycopg.connect(url + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"{url}/{name}"
    with psycopg.connect(url + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_backup_restores_into_an_empty_database_and_bucket_whole(
    object_storage, s3_server, city_reviewer, empty_database, tmp_path
):
    member = MembershipFactory(role="admin")
    obligations.declare_system(
        member.organization, member.user, name="门禁", people_stored=12_000,
        used_in_public_place=False, count_reached_on=date(2026, 2, 2),
    )  # fmt: skip
    filing = complete_draft(member, filed_data(member.organization))
    services.submit_filing(filing.pk, member.user)
    filed = services.approve_filing(filing.pk, city_reviewer)
    assert filed.filing_number
    files = Document.objects.exclude(file="").count() + Attachment.objects.count()
    assert Document.objects.filter(status=Document.Status.READY).exists()

    keys = {
        "AWS_S3_ENDPOINT_URL": s3_server,
        "AWS_S3_ACCESS_KEY_ID": "test-key",
        "AWS_S3_SECRET_ACCESS_KEY": "test-secret",
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_S3_ADDRESSING_STYLE": "path",
    }
    env = {
        **os.environ,
        **keys,
        "DATABASE_URL": database_url_of_test_database(),
        "AWS_STORAGE_BUCKET_NAME": settings.AWS_STORAGE_BUCKET_NAME,
        "VAR_DIR": str(tmp_path / "var"),
        # The files were sealed with the suite's key ring; a restore needs the same ring (a
        # backup of the data is nothing without its keys, which are kept apart from it).
        "ENCRYPTION_KEYS": settings.ENCRYPTION_KEYS,
    }
    if not settings.CACHE_URL.startswith("redis"):
        env["SINGLE_HOST"] = "1"  # the cache alone is this host's; the files are in the bucket
    backup = tmp_path / "backup"
    done = run("backup.sh", backup, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (backup / "database.dump").stat().st_size > 0
    assert len((backup / "files.txt").read_text().splitlines()) == files

    s3 = boto3.client("s3", endpoint_url=s3_server, aws_access_key_id="test-key",
                      aws_secret_access_key="test-secret", region_name="us-east-1")  # fmt: skip
    restored_bucket = f"portal-restore-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=restored_bucket)
    restore_env = {
        **env,
        "DATABASE_URL": empty_database,
        "AWS_STORAGE_BUCKET_NAME": restored_bucket,
    }
    restored = run("restore.sh", backup, env=restore_env)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    numbers = Filing.objects.exclude(filing_number=None).count()
    assert (
        f"files: {files} checked, 0 damaged, 0 missing; /verify/: {numbers} numbers answered, 0 not"
        in restored.stdout
    ), restored.stdout

    # Into an empty database only: a second restore is refused before it touches anything.
    again = run("restore.sh", backup, env=restore_env)
    assert again.returncode == 2
    assert "restore into an empty one" in again.stderr

    # The check is not a formality: a damaged file in the restored bucket is named.
    document = Document.objects.exclude(file="").first()
    s3.put_object(Bucket=restored_bucket, Key=document.file.name, Body=b"%PDF-1.7 not the notice")
    check = subprocess.run(
        [str(ROOT / ".venv/bin/python"), "manage.py", "check_restore"],
        cwd=ROOT, env=restore_env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert check.returncode == 1
    assert f"document {document.pk}: {document.file.name} has SHA-256" in check.stderr
    s3.close()
