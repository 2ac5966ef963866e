"""Seals every encrypted field and every private file with the newest key of ENCRYPTION_KEYS (and
the cipher of ENCRYPTION_CIPHER).

python manage.py rotate_keys
    filings.Organization: 200/200 checked, 200 resealed
    …
    files: 1000/1000 checked, 1000 resealed
    done: 4,210 rows and 1,000 files resealed; every field and file is sealed with key k2 (…)

To rotate: put the new key first in ENCRYPTION_KEYS, keeping the old ones after it, restart the
portal (new writes now use the new key), run this command, then remove the old keys. Plain rows and
files, written before encryption or with it off, are sealed on the way. Interrupted, it is finished
by running it again: what is already sealed with the newest key is left alone.
"""

from django.apps import apps
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand

from portal import crypto
from portal.rotation import encrypted_fields, reseal_files, reseal_rows, stored_names
from portal.storage import close_connections


class Command(BaseCommand):
    help = "Seal every encrypted field and private file with the newest encryption key."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="rows per transaction")
        parser.add_argument("--rows-only", action="store_true", help="leave the files alone")
        parser.add_argument("--files-only", action="store_true", help="leave the rows alone")

    def handle(self, *args, batch_size, rows_only, files_only, **options):
        keys = crypto.ring()
        report = self.stdout.write if options["verbosity"] else (lambda _line: None)
        rows = files = 0
        if not files_only:
            for model in apps.get_models():
                if encrypted_fields(model):
                    done = reseal_rows(model, batch_size, progress=lambda state: report(str(state)))
                    rows += done.resealed
        if not rows_only:
            try:
                done = reseal_files(
                    default_storage,
                    stored_names(default_storage),
                    progress=lambda state: report(str(state)),
                )
            finally:
                close_connections(default_storage)
            files = done.resealed
        report(
            f"done: {rows:,} rows and {files:,} files resealed; every field and file is sealed "
            f"with key {keys.current_id} ({keys.algorithm.name})"
        )
