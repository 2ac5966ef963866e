"""Two sweeps at the same moment, in two processes (two beats, or a retried task): each
reminder still goes out once."""

import os
import subprocess
import sys
import time
from datetime import date

import pytest

from filings.lifecycle import reminders
from filings.models import Jurisdiction, Obligation, Reminder
from notifications.models import Notification
from tests.factories import MembershipFactory
from tests.integration.conftest import ROOT, database_url_of_test_database

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TODAY = date(2026, 2, 10)  # 10 working days before 2026-03-02
SWEEP = """
import os, sys, time, django
from datetime import date
django.setup()
from filings.lifecycle import reminders
while time.time() < float(os.environ["START_AT"]):
    time.sleep(0.005)
print(reminders.sweep(date(2026, 2, 10)))
"""


def test_two_sweeps_at_once_send_each_reminder_once(tmp_path):
    admin = MembershipFactory(role="admin")
    MembershipFactory(organization=admin.organization, role="editor")
    office = Jurisdiction.objects.get(code="440300")
    deadline = date(2026, 3, 2)
    Obligation.objects.bulk_create(
        Obligation(
            organization=admin.organization, kind="change", regime="cac-2023-draft",
            office=office, trigger_date=date(2026, 1, 16), deadline=deadline,
            deadline_final=True, next_reminder_on=reminders.first_look(deadline),
        )
        for _ in range(40)
    )  # fmt: skip
    start_at = time.time() + 4  # both processes are set up by then, and start together
    processes = []
    for number in range(2):
        mail_dir = tmp_path / f"mail-{number}"
        env = {
            **os.environ,
            "DATABASE_URL": database_url_of_test_database(),
            "CELERY_TASK_ALWAYS_EAGER": "1",
            "EMAIL_HOST": "",
            "EMAIL_FILE_PATH": str(mail_dir),
            "START_AT": str(start_at),
        }
        processes.append(
            subprocess.Popen(
                [sys.executable, "-c", SWEEP],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )  # fmt: skip
        )
    outputs = [process.communicate(timeout=120) for process in processes]
    for process, (_out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err
    sent = [int(out.strip().splitlines()[-1]) for out, _err in outputs]
    assert sum(sent) == 40, sent  # between them, each obligation reminded once
    assert Reminder.objects.count() == 40
    assert Reminder.objects.values("obligation").distinct().count() == 40
    assert Notification.objects.filter(kind="deadline_reminder").count() == 80
    written = list(tmp_path.glob("mail-*/*.log"))
    messages = sum(
        path.read_text().count("\nTo: ") + path.read_text().startswith("To: ") for path in written
    )
    assert messages == 80
