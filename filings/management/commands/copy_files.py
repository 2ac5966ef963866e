"""Copies the private files between the local store and the bucket, in either direction.

python manage.py copy_files --to-bucket            →   "copied 120, already there 0, 120 in all"
python manage.py copy_files --to-bucket            →   "copied 0, already there 120, 120 in all"
python manage.py copy_files --to-local --dir /srv/restore

Every file keeps its name (the database refers to it by name), so a portal moved from one host's
disk to object storage, or back, finds each file where its row says. A file already at the other
side with the same size is left alone: a second run copies nothing, and an interrupted run is
finished by running it again. Files are copied as they are stored, sealed (portal.crypto): the
copy needs no key and changes nothing. The bucket is the one the AWS_* settings name; the local
store is ``--dir``, by default the private files of this VAR_DIR.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.rotation import stored_names
from portal.storage import PrivateObjectStorage, PrivateStorage, close_connections


def copy_all(source, target) -> tuple[int, int]:
    """(copied, already there)."""
    copied = present = 0
    for name in stored_names(source):
        size = source.size(name)
        if target.exists(name):
            if target.size(name) == size:
                present += 1
                continue
            target.delete(name)  # a partial copy of an interrupted run
        opener = getattr(source, "open_stored", None) or source.open
        with opener(name) as content:
            saved = target.save(name, content)
        if saved != name:
            raise CommandError(f"{name} was stored as {saved}")
        copied += 1
    return copied, present


class Command(BaseCommand):
    help = "Copy the private files from the local store into the bucket (or back), idempotently."

    def add_arguments(self, parser):
        direction = parser.add_mutually_exclusive_group(required=True)
        direction.add_argument("--to-bucket", action="store_true", help="local store → bucket")
        direction.add_argument("--to-local", action="store_true", help="bucket → local store")
        parser.add_argument(
            "--dir", default=None, help="the local store (default: VAR_DIR's private files)"
        )

    def handle(self, *args, **options):
        if not settings.AWS_STORAGE_BUCKET_NAME:
            raise CommandError("AWS_STORAGE_BUCKET_NAME is not set: there is no bucket to copy to")
        local = PrivateStorage(location=options["dir"] or settings.PRIVATE_ROOT)
        bucket = PrivateObjectStorage()
        source, target = (local, bucket) if options["to_bucket"] else (bucket, local)
        try:
            copied, present = copy_all(source, target)
        finally:
            close_connections(bucket)
        self.stdout.write(f"copied {copied}, already there {present}, {copied + present} in all")
