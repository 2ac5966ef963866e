"""Where uploads, generated documents and exports live: on the local disk (the embedded default)
or in a private S3-compatible bucket (django-storages) when AWS_STORAGE_BUCKET_NAME is set. Either
way no file has a URL: each is served by a view that checks who asks, writes the audit entry, and
streams the bytes after checking them against the SHA-256 recorded when the file was stored."""

import hashlib
import logging
import os
import tempfile
import threading
import weakref
from pathlib import Path

from django.core.files import File
from django.core.files.storage import FileSystemStorage
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from portal import crypto

logger = logging.getLogger("portal.storage")

CHUNK = 64 * 1024
# A file served is read whole before its first byte leaves (its hash must match first): up to
# this size in memory, beyond it in a temporary file.
SPOOL_IN_MEMORY = 1024 * 1024


class SealedFiles:
    """Every file is sealed before it reaches the storage (envelope encryption, portal.crypto)
    and opened when read: what lies on the disk or in the bucket is ciphertext, what the portal
    reads (and hashes, and serves) is the plain file. A file stored before encryption is read as
    it is, until ``manage.py rotate_keys`` seals it."""

    def _save(self, name, content):
        if getattr(content, "stored_as_is", False) or not crypto.ring().enabled:
            return super()._save(name, content)
        if hasattr(content, "seek"):
            content.seek(0)
        with crypto.seal_file(content) as sealed:
            return super()._save(name, File(sealed, name=name))

    def _open(self, name, mode="rb"):
        if "w" in mode or "a" in mode:
            raise ValueError("private files are written whole through save(), never in place")
        with super()._open(name, "rb") as stored:
            header = crypto.read_header(stored)
            if header is None:
                plain = crypto._spool()
                for chunk in iter(lambda: stored.read(CHUNK), b""):
                    plain.write(chunk)
                plain.seek(0)
            else:
                plain = crypto.open_file(stored, header)
        return File(plain, name=name)

    def open_stored(self, name) -> File:
        """The bytes as stored (sealed), for a copy to another store: save() keeps them as they
        are, so copying needs no key and changes nothing."""
        stored = File(super()._open(name, "rb"), name=name)
        stored.stored_as_is = True
        return stored

    def header(self, name) -> dict | None:
        """The seal of a stored file (key, cipher), or None for a plain one."""
        with super()._open(name, "rb") as stored:
            return crypto.read_header(stored)

    def reseal(self, name) -> bool:
        """Seal the file with the ring's newest key in place, under the same name (rows share
        names): False when it already is. Replaced at once, never deleted first."""
        with super()._open(name, "rb") as stored:
            header = crypto.read_header(stored)
            if not crypto.file_needs_resealing(header):
                return False
            with crypto.reseal_file(stored, header) as resealed:
                self._replace(name, resealed)
        return True


class PrivateStorage(SealedFiles, FileSystemStorage):
    """Uploads and generated documents: on disk, never at a URL. They are served only by views
    that check who is asking."""

    def _replace(self, name, content) -> None:
        target = Path(self.path(name))
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as partial:
            for chunk in iter(lambda: content.read(CHUNK), b""):
                partial.write(chunk)
        os.chmod(partial.name, self.file_permissions_mode or 0o600)
        os.replace(partial.name, target)  # atomic: the old file or the new, never neither

    def url(self, name):
        raise ValueError("private files have no URL; serve them through a permission-checked view")


class PrivateObjectStorage(SealedFiles, S3Storage):
    """The same files in a private bucket, shared by every web and worker host. No object gets an
    ACL of its own (the bucket's private default applies), a name is never overwritten, and no URL
    is handed out, presigned or not: a link that can be forwarded would bypass the permission
    check and the audit entry."""

    default_acl = None
    file_overwrite = False
    querystring_auth = True

    def __init__(self, **settings):
        super().__init__(**settings)
        self._start_tracking()

    def _start_tracking(self):
        # django-storages opens one boto3 connection per thread and leaves its pooled sockets to
        # the garbage collector. Each is kept here with its thread and closed when the thread has
        # ended (checked as the next thread connects) or the storage goes away: no socket is left
        # open behind a server that runs each request in a thread of its own.
        self._opened = []
        weakref.finalize(self, _close, self._opened)

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_opened", None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        self._start_tracking()

    @property
    def connection(self):
        connection = getattr(self._connections, "connection", None)
        if connection is None:
            _close(self._opened, ended_threads_only=True)
            connection = super().connection
            self._opened.append((threading.current_thread(), connection))
        return connection

    def url(self, name, parameters=None, expire=None, http_method=None):
        raise ValueError("private files have no URL; serve them through a permission-checked view")

    def _replace(self, name, content) -> None:
        # A PUT on an existing key replaces the object whole: readers see the old or the new.
        obj = self.bucket.Object(self._normalize_name(clean_name(name)))
        obj.upload_fileobj(content, ExtraArgs=self._get_write_parameters(name, content))


def _close(opened: list, ended_threads_only: bool = False) -> None:
    for entry in list(opened):
        thread, connection = entry
        if ended_threads_only and thread.is_alive():
            continue
        try:
            opened.remove(entry)
        except ValueError:  # another thread closed it first
            continue
        connection.meta.client.close()


def close_connections(storage) -> None:
    """Close the sockets the bucket's clients keep open (boto3 pools them): for a command or a
    test that is done with the storage. A storage on the local disk has none."""
    opened = getattr(storage, "_opened", None)
    if opened is not None:
        _close(opened)
        storage._connections = threading.local()


class FileGone(Exception):
    """The file was deleted when its retention period ended (filings.lifecycle.retention): the
    row stays and says when; a request for the file is answered 410 Gone with that day."""

    def __init__(self, purged_at):
        self.purged_at = purged_at
        super().__init__(f"deleted on {purged_at:%Y-%m-%d}")


class FileDamaged(Exception):
    """A stored file whose bytes no longer match the SHA-256 recorded for it."""

    def __init__(self, name: str, expected: str, found: str):
        super().__init__(f"{name}: SHA-256 {found} where {expected} was recorded")
        self.name, self.expected, self.found = name, expected, found


class FileMissing(FileDamaged):
    """A row names a stored file that the storage no longer has (a bucket emptied or replaced
    while the database was kept, a disk restored without its files): refused like a damaged
    one, never a server error."""

    def __init__(self, name: str, expected: str):
        Exception.__init__(self, f"{name}: not in storage, where SHA-256 {expected} was recorded")
        self.name, self.expected, self.found = name, expected, None


def sha256_of(storage, name: str) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as stored:
        for chunk in iter(lambda: stored.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verified(field_file, sha256: str):
    """The stored file as a binary file positioned at its start, once its SHA-256 is the one
    recorded. A mismatch is logged and raised (FileDamaged), and so is a file the storage no
    longer has (FileMissing): a damaged, replaced or lost file is never served."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 - returned open
    digest = hashlib.sha256()
    try:
        with field_file.storage.open(field_file.name, "rb") as stored:
            for chunk in iter(lambda: stored.read(CHUNK), b""):
                digest.update(chunk)
                spool.write(chunk)
        found = digest.hexdigest()
    except FileNotFoundError:
        # The local disk and django-storages' S3 backend both say so this way.
        spool.close()
        missing = FileMissing(field_file.name, sha256)
        logger.error("Refused to serve a missing file: %s", missing)
        raise missing from None
    except crypto.DecryptionFailed as error:
        # A sealed file whose bytes were changed (its tag no longer matches): damaged as well.
        spool.close()
        found = f"none: {error}"
    except BaseException:
        spool.close()
        raise
    if found != sha256:
        spool.close()  # closing twice is harmless
        damaged = FileDamaged(field_file.name, sha256, found)
        logger.error("Refused to serve a damaged file: %s", damaged)
        raise damaged
    spool.seek(0)
    return spool
