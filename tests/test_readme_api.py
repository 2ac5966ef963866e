"""The README's REST API walk-through, run as written (a shell script of curl and jq) against a
live portal with the demo data of `make run`: every id comes from the previous answer, and the
document is saved by `curl -OJ`."""

import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

from api import tokens
from filings.models import Filing, Membership
from tests.pdfs import pdf_bytes

README = Path(__file__).resolve().parent.parent / "README.md"

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not (shutil.which("curl") and shutil.which("jq")), reason="curl and jq"),
]


def walk_through() -> str:
    text = README.read_text()
    section = text[text.index("A walk-through with curl and jq") :]
    match = re.search(r"```sh\n(.*?)```", section, re.S)
    assert match, "the README's walk-through is a sh block"
    return match.group(1)


def test_the_readme_walk_through_runs_as_written(live_server, tmp_path):
    call_command("load_demo", stdout=io.StringIO())
    membership = Membership.objects.select_related("organization", "user").get(
        user__email="filer@demo.example"
    )
    _row, secret = tokens.create_token(
        membership.organization, membership.user, name="README", scope="write"
    )
    (tmp_path / "评估报告.pdf").write_bytes(pdf_bytes())
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", walk_through()],
        cwd=tmp_path,
        env={**os.environ, "PORTAL": live_server.url, "TOKEN": secret},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    changes = membership.organization.filings.filter(kind=Filing.Kind.CHANGE)
    assert sorted(changes.values_list("status", flat=True)) == ["submitted", "withdrawn"]
    downloaded = [p for p in tmp_path.iterdir() if p.name != "评估报告.pdf"]
    assert len(downloaded) == 1
    assert downloaded[0].read_bytes().startswith(b"%PDF")
    assert downloaded[0].name.isascii()
