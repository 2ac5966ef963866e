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


def refuse_unsafe_at_start() -> None:
    """For the processes that run no system checks of their own (gunicorn, the Celery worker)."""
    errors = one_host_settings_on_a_shared_database()
    if errors:
        raise ImproperlyConfigured(
            "\n".join(f"{error.id}: {error.msg} HINT: {error.hint}" for error in errors)
        )
