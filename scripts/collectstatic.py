"""`manage.py collectstatic`, skipped when no static file changed since the last time.

WhiteNoise's storage hashes and compresses (gzip and Brotli) every one of the ~1,000 files at each
run, changed or not: 1-2 minutes on 2 busy cores, paid by each `make setup` (so twice in CI and at
each `make test`). The fingerprint is every source file's path, size and modification time as the
static finders list them (the project's `static/` and each installed app's, so a package upgrade
counts), with the storage's class: the same fingerprint, the same output.
"""

import hashlib
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAMP = ".sources-fingerprint"


def fingerprint() -> str:
    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders

    digest = hashlib.sha256(repr(settings.STORAGES["staticfiles"]).encode())
    entries = []
    for finder in get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            stat = os.stat(storage.path(path))
            entries.append(
                f"{getattr(storage, 'prefix', '') or ''}/{path}\0{stat.st_size}\0{stat.st_mtime_ns}"
            )
    for entry in sorted(entries):
        digest.update(entry.encode() + b"\n")
    return digest.hexdigest()


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    stamp = Path(settings.STATIC_ROOT) / STAMP
    current = fingerprint()
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.exists() and stamp.exists() and stamp.read_text() == current:
        return
    stamp.unlink(missing_ok=True)
    call_command("collectstatic", interactive=False, verbosity=0)
    stamp.write_text(current)


if __name__ == "__main__":
    main()
