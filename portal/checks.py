"""Refuses a configuration that only works on one host.

PostgreSQL says several hosts may serve the portal; files on the local disk and a file-based cache
then split what must be shared: a file uploaded through one web host cannot be served by another
(nor rendered into by a worker elsewhere), and the login lockout, the email limits and the session
copies are counted per host. ``SINGLE_HOST=1`` says the single host is deliberate.

Shown by ``manage.py check`` and ``check --deploy``, and at every start: ``migrate`` (which
``make run`` runs first) runs the checks, and the web server (portal.wsgi) and the Celery worker
(portal.celery) refuse to start with these errors.
"""

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

FILE_CACHE = "django.core.cache.backends.filebased.FileBasedCache"
LOCAL_STORAGES = ("portal.storage.PrivateStorage", "django.core.files.storage.FileSystemStorage")


@register()
def one_host_settings_on_a_shared_database(app_configs=None, **kwargs) -> list[Error]:
    if settings.SINGLE_HOST or "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        return []
    errors = []
    if settings.STORAGES["default"]["BACKEND"] in LOCAL_STORAGES:
        errors.append(
            Error(
                "DATABASE_URL points at PostgreSQL but uploaded and generated files are on this "
                "host's disk: another web host cannot serve them, nor a worker elsewhere write "
                "them.",
                hint="Set AWS_STORAGE_BUCKET_NAME (and the other AWS_S3_* settings) for object "
                "storage, or SINGLE_HOST=1 if this is deliberately the only host.",
                id="portal.E001",
            )
        )
    file_caches = sorted(
        alias for alias, cache in settings.CACHES.items() if cache["BACKEND"] == FILE_CACHE
    )
    if file_caches:
        errors.append(
            Error(
                "DATABASE_URL points at PostgreSQL but the cache is files on this host's disk "
                f"({', '.join(file_caches)}): login lockouts, email limits and session copies "
                "would be counted per host.",
                hint="Set CACHE_URL=redis://…, or SINGLE_HOST=1 if this is deliberately the only "
                "host.",
                id="portal.E002",
            )
        )
    return errors


@register()
def encryption_keys(app_configs=None, **kwargs) -> list[Error]:
    """Personal data and files are sealed with the ring of ENCRYPTION_KEYS (portal.crypto). A
    development ring is generated into VAR_DIR; an https:// site gets none and must be given one,
    and may not turn encryption off."""
    from portal import crypto

    hint = (
        "Set ENCRYPTION_KEYS=<id>:<base64 of 32 random bytes> (newest first, comma-separated), "
        "kept apart from the database and its backups; see the README's Security section."
    )
    if not settings.ENCRYPTION_KEYS:
        return [
            Error(
                "No encryption keys: ID numbers, mobile numbers and files cannot be sealed.",
                hint=hint,
                id="portal.E003",
            )
        ]
    try:
        crypto.parse_ring(settings.ENCRYPTION_KEYS)
        if settings.ENCRYPTION_CIPHER not in crypto.ALGORITHMS:
            raise ImproperlyConfigured(
                f"ENCRYPTION_CIPHER must be one of {', '.join(crypto.ALGORITHMS)}"
            )
    except ImproperlyConfigured as error:
        return [Error(str(error), hint=hint, id="portal.E003")]
    if settings.HTTPS and not settings.ENCRYPTION_AT_REST:
        return [
            Error(
                "ENCRYPTION_AT_REST=0 on an https:// site: personal data would be stored in "
                "plain form.",
                hint="ENCRYPTION_AT_REST=0 is for benchmarks only; remove it.",
                id="portal.E004",
            )
        ]
    return []


def refuse_unsafe_at_start() -> None:
    """For the processes that run no system checks of their own (gunicorn, the Celery worker)."""
    errors = one_host_settings_on_a_shared_database() + encryption_keys()
    if errors:
        raise ImproperlyConfigured(
            "\n".join(f"{error.id}: {error.msg} HINT: {error.hint}" for error in errors)
        )
