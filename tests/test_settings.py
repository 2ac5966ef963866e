"""Settings come from the environment; production variables give a clean `check --deploy`."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from portal.env import env_bool

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-production-secret-that-is-long-and-random-enough-for-django-0123456789",
    "SITE_URL": "https://filing.example.gov.cn",
    "ALLOWED_HOSTS": "filing.example.gov.cn",
    "DATABASE_URL": "postgres://portal:secret@db.internal:5432/portal",
    "CELERY_BROKER_URL": "redis://broker.internal:6379/0",
    "EMAIL_HOST": "smtp.internal",
    "EMAIL_PORT": "587",
    "EMAIL_USE_TLS": "1",
    # Shared by every host: what PostgreSQL's several hosts need (portal.checks).
    "CACHE_URL": "redis://cache.internal:6379/2",
    "AWS_STORAGE_BUCKET_NAME": "portal-files",
    "AWS_S3_ENDPOINT_URL": "https://oss-cn-shenzhen.aliyuncs.com",
    # Production generates no key of its own (portal.E003): a fixed test key, never a real one.
    "ENCRYPTION_KEYS": "prod1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
}


def run_python(code: str, env: dict, tmp_path: Path) -> subprocess.CompletedProcess:
    full_env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "CELERY_", "EMAIL_", "SITE_", "SECRET_"))
    }
    full_env.update({"VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "portal.settings", **env})
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=full_env, capture_output=True, text=True
    )


READ_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
db = s.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"], "db_name": db["NAME"], "db_host": db["HOST"],
    "broker": s.CELERY_BROKER_URL, "email_backend": s.EMAIL_BACKEND, "email_host": s.EMAIL_HOST,
    "email_tls": s.EMAIL_USE_TLS if s.EMAIL_HOST else None, "allowed_hosts": s.ALLOWED_HOSTS,
    "debug": s.DEBUG, "secure_cookies": s.SESSION_COOKIE_SECURE, "site_url": s.SITE_URL,
    "secret": s.SECRET_KEY, "tz": s.TIME_ZONE, "lang": s.LANGUAGE_CODE,
    "mail_path": getattr(s, "EMAIL_FILE_PATH", None), "regime": s.FILING_REGIME,
}))
"""


def test_embedded_defaults_need_no_server(tmp_path):
    result = run_python(READ_SETTINGS, {}, tmp_path)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["db_name"] == str(tmp_path / "db.sqlite3")
    # The broker is the Redis that `make run` starts itself, on a socket under VAR_DIR.
    assert values["broker"] == f"redis+socket://{tmp_path.resolve()}/redis/redis.sock"
    assert values["email_backend"] == "django.core.mail.backends.filebased.EmailBackend"
    assert values["mail_path"] == str(tmp_path / "mail")
    assert values["tz"] == "Asia/Shanghai"
    assert values["lang"] == "zh-hans"
    assert values["regime"] == "cac-2023-draft"
    assert values["debug"] is False
    # The development key is generated once, kept private, and reused.
    key_file = tmp_path / "secret_key"
    assert values["secret"] == key_file.read_text()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    again = json.loads(run_python(READ_SETTINGS, {}, tmp_path).stdout)
    assert again["secret"] == values["secret"]


def test_real_services_come_from_the_environment(tmp_path):
    result = run_python(READ_SETTINGS, PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.postgresql"
    assert (values["db_name"], values["db_host"]) == ("portal", "db.internal")
    assert values["broker"] == "redis://broker.internal:6379/0"
    assert values["email_backend"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (values["email_host"], values["email_tls"]) == ("smtp.internal", True)
    assert values["allowed_hosts"] == ["filing.example.gov.cn"]
    assert values["secret"] == PRODUCTION["SECRET_KEY"]
    assert values["secure_cookies"] is True
    assert not (tmp_path / "secret_key").exists()


def test_check_deploy_is_clean_with_production_variables(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**os.environ, "VAR_DIR": str(tmp_path), **PRODUCTION},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_a_mistyped_boolean_is_an_error_not_a_silent_false(monkeypatch):
    monkeypatch.setenv("DEBUG", "ture")
    with pytest.raises(ValueError, match="DEBUG must be one of"):
        env_bool("DEBUG")


def test_every_setting_read_from_the_environment_is_in_the_readme():
    import re

    settings_source = (ROOT / "portal" / "settings.py").read_text()
    names = set(re.findall(r'env_(?:str|bool|int|list)\("([A-Z_]+)"', settings_source))
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    assert names
    missing = sorted(name for name in names if f"`{name}`" not in table)
    assert not missing, f"settings missing from the README's configuration table: {missing}"
