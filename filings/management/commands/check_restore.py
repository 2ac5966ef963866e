"""Checks a restored portal: every stored file is whole and every filed number is answered.

python manage.py check_restore
  →  "files: 212 checked, 0 damaged, 0 missing; /verify/: 57 numbers answered, 0 not"

Run against the restored database and bucket (scripts/restore.sh runs it last). For each document
and attachment row, the file its row names is read from storage and its SHA-256 compared with the
one recorded when it was stored. For each filing number ever issued, the public page /verify/ is
asked, through the portal's own middleware and view, and must say valid, cancelled or revoked
(never "not found"). Exits non-zero, naming each failure, when anything is wrong.
"""

import ipaddress
import re

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.test import Client
from django.urls import reverse

from filings.models import Attachment, Document, Filing
from portal.storage import close_connections, sha256_of

ANSWERED = re.compile(r'class="card verify-(valid|cancelled|revoked) ')
# /verify/ counts lookups per client address; the check asks each number as a client of its own,
# from the range set aside for benchmarks (RFC 2544), never a real one.
CHECK_CLIENTS = ipaddress.ip_network("198.18.0.0/15")


def stored_files():
    """(label, name, recorded SHA-256) of every file a row refers to."""
    for document in Document.objects.exclude(file="").order_by("pk").iterator():
        yield f"document {document.pk}", document.file.name, document.sha256
    for attachment in Attachment.objects.exclude(file="").order_by("pk").iterator():
        yield f"attachment {attachment.pk}", attachment.file.name, attachment.sha256


class Command(BaseCommand):
    help = "Check a restored portal: each file's SHA-256, and /verify/ for every filed number."

    def handle(self, *args, **options):
        failures = []
        checked = damaged = missing = 0
        try:
            for label, name, recorded in stored_files():
                checked += 1
                if not default_storage.exists(name):
                    missing += 1
                    failures.append(f"{label}: {name} is missing")
                    continue
                found = sha256_of(default_storage, name)
                if found != recorded:
                    damaged += 1
                    failures.append(f"{label}: {name} has SHA-256 {found}, {recorded} recorded")
        finally:
            close_connections(default_storage)

        numbers = list(
            Filing.objects.exclude(filing_number__isnull=True)
            .exclude(filing_number="")
            .order_by("pk")
            .values_list("filing_number", flat=True)
        )
        host = next((h for h in settings.ALLOWED_HOSTS if h and "*" not in h), "127.0.0.1")
        client = Client(HTTP_HOST=host.lstrip("."), secure=settings.HTTPS)
        answered = 0
        for index, number in enumerate(numbers):
            response = client.get(
                reverse("verify"), {"number": number}, REMOTE_ADDR=str(CHECK_CLIENTS[index + 1])
            )
            page = response.content.decode(errors="replace")
            if response.status_code == 200 and ANSWERED.search(page) and number in page:
                answered += 1
            else:
                failures.append(f"/verify/ does not answer for {number} ({response.status_code})")

        self.stdout.write(
            f"files: {checked} checked, {damaged} damaged, {missing} missing; "
            f"/verify/: {answered} numbers answered, {len(numbers) - answered} not"
        )
        if failures:
            raise CommandError("the restore is not whole:\n" + "\n".join(failures))
