"""Settings for the filing portal: one module, driven by environment variables.

Every default works on a laptop with nothing to install or configure: SQLite, Celery on a Redis
that the portal starts itself on a unix socket, and email written to files, all under ``var/``.
Production sets DATABASE_URL, CELERY_BROKER_URL, EMAIL_HOST, SECRET_KEY, ALLOWED_HOSTS and SITE_URL
(see the README's table).
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from portal import embedded_redis
from portal.crypto import ring_from_file as crypto_ring_from_file
from portal.env import env_bool, env_date, env_int, env_list, env_str, secret_key_from_file

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var"))).resolve()

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY") or secret_key_from_file(VAR_DIR / "secret_key")

PORT = env_int("PORT", 8000)
SITE_URL = env_str("SITE_URL", f"http://127.0.0.1:{PORT}").rstrip("/")
_site = urlsplit(SITE_URL)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [_site.hostname or "127.0.0.1", "127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [f"{_site.scheme}://{_site.netloc}"])

INSTALLED_APPS = [
    # The admin site asks staff for their second factor (portal.admin_site).
    "portal.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_celery_beat",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "notifications",
    "filings",
    "api",
]

MIDDLEWARE = [
    # First: every line logged for the request, and every task it queues, carries its id.
    "portal.middleware.RequestIdMiddleware",
    # The latency it measures is the whole request's (portal.metrics).
    "portal.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "portal.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.middleware.ChineseFirstLocaleMiddleware",
    # Before anything reads the request: a request line or a header too long is refused whole.
    "api.middleware.OverlongRequestMiddleware",
    # Before the session cookie is read, and before any view or query sees a parameter.
    "portal.middleware.RefuseUnstorableTextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SessionPolicyMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Refuses a download whose bytes no longer match their recorded SHA-256 (portal.storage).
    "portal.middleware.DamagedFileMiddleware",
    # Last: turns the lockout that the axes backend flags into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.site",
            ],
        },
    },
]

# --- Database ------------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # The web server, the worker and beat share one file: wait for locks instead of failing.
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so that a real worker process started by the tests sees the same data.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out account or client before any password is hashed.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading a reviewer's office with the user and the permissions in one
    # query (portal/auth_backend.py). Last: the one a view names when it signs someone in itself.
    "portal.auth_backend.PortalBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# After logging in: a filer to its dashboard, a reviewer to the review queue (my_dashboard).
LOGIN_REDIRECT_URL = "my_dashboard"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

# --- Sessions, login throttling, second factor (accounts.middleware, accounts.throttling) -------
# Filers stay logged in until 2 weeks without a visit; staff for 8 hours at most, and only until
# the browser closes.
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
# Every signed-in page reads the session: from the "sessions" cache (below) when it is there, the
# database otherwise, which keeps every session. Reading the cached copy instead of the row and
# its signature took a filer's plain page from about 8 ms to 4.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
STAFF_SESSION_HOURS = env_int("STAFF_SESSION_HOURS", 8)
# A few wrong passwords for one account, or from one client address, lock it out for a while.
# Failures for one account from one client address lock that pair; failures from one address,
# whatever the accounts, lock the address. Never an account for every address (issue 30): that
# let anyone lock anyone out. accounts.throttling.LoginLockoutHandler applies the two limits.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 20)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "accounts.throttling.LoginLockoutHandler"
# The login form posts "username" (an email address): axes' default, the user model's USERNAME_FIELD
# ("email"), is not in the form, and every failure would count for one empty username.
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.throttling.login_username"
AXES_CLIENT_IP_CALLABLE = "accounts.throttling.client_address"
AXES_LOCKOUT_CALLABLE = "accounts.throttling.lockout_response"
# Not axes' own reset on success: it deletes every failure from the client address too, so a
# login to one's own account would clear the failures counted against someone else's.
# accounts.throttling.forget_failures clears the account's own instead.
AXES_RESET_ON_SUCCESS = False
# The accounts section of the admin shows the failures (accounts.admin.LoginFailuresAdmin).
AXES_ENABLE_ADMIN = False
# The retry time the lockout page states stays true: failures during a lockout do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Emails that anyone can make the portal send (password reset, registration): per address and
# per client address, in any hour.
EMAIL_RATE_PER_ADDRESS = env_int("EMAIL_RATE_PER_ADDRESS", 3)
EMAIL_RATE_PER_CLIENT = env_int("EMAIL_RATE_PER_CLIENT", 20)
# Registrations tried from one client address in any hour (the form says whether a unified social
# credit code is registered).
REGISTRATION_RATE_PER_CLIENT = env_int("REGISTRATION_RATE_PER_CLIENT", 20)
# Messages from an organization to its office (each one emails the reviewers): per filing and
# per organization, in any hour.
FILING_MESSAGES_PER_FILING = env_int("FILING_MESSAGES_PER_FILING", 10)
FILING_MESSAGES_PER_ORGANIZATION = env_int("FILING_MESSAGES_PER_ORGANIZATION", 30)
OTP_TOTP_ISSUER = "人脸识别技术应用备案系统"
# Refused with a form error above this length, before any lookup (SQLite cannot LIKE-match 60,000
# characters); 254 is the longest email address.
LOGIN_MAX_LENGTH = 254

# --- Language and time ---------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "portal_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
USE_I18N = True
# ISO dates and times in both languages, the admin included (portal/formats).
FORMAT_MODULE_PATH = ["portal.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- Static and private files --------------------------------------------------------------------
STATIC_URL = "/static/"
# Build output shared by every run of this checkout, whatever its VAR_DIR.
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
PRIVATE_ROOT = VAR_DIR / "private"
STORAGES = {
    "default": {
        # Uploads and generated documents are never served by URL: only through permission checks.
        "BACKEND": "portal.storage.PrivateStorage",
        "OPTIONS": {"location": PRIVATE_ROOT},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Several hosts: the files in a private S3-compatible bucket (MinIO, Alibaba OSS, Tencent COS,
# Huawei OBS, AWS), configured by django-storages' own setting names, which it reads from here.
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
AWS_S3_ENDPOINT_URL = env_str("AWS_S3_ENDPOINT_URL") or None
AWS_S3_ACCESS_KEY_ID = env_str("AWS_S3_ACCESS_KEY_ID") or None
AWS_S3_SECRET_ACCESS_KEY = env_str("AWS_S3_SECRET_ACCESS_KEY") or None
AWS_S3_REGION_NAME = env_str("AWS_S3_REGION_NAME") or None
AWS_S3_ADDRESSING_STYLE = env_str("AWS_S3_ADDRESSING_STYLE") or None
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {"BACKEND": "portal.storage.PrivateObjectStorage"}
# A deliberate single host on PostgreSQL: local files and the file cache are then allowed
# (portal.checks refuses them otherwise).
SINGLE_HOST = env_bool("SINGLE_HOST", False)
WHITENOISE_MANIFEST_STRICT = False
FILE_UPLOAD_PERMISSIONS = 0o600
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
# Every form's "required" error names its field (portal.forms).
FORM_RENDERER = "portal.forms.Renderer"

# --- Cache ---------------------------------------------------------------------------------------
# Counts the public verification page's lookups per client, and the emails anyone can trigger
# (accounts.throttling). Files under VAR_DIR are shared by the web processes of one machine with
# no server; CACHE_URL=redis://… when several machines serve.
CACHE_URL = env_str("CACHE_URL")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            # Fail fast when Redis is away, as the broker does.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5},
        }
    }
    CACHES["sessions"] = CACHES["default"]
    CACHES["pages"] = CACHES["default"]
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            # One small file per client and minute; past this many, a third is deleted at random.
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        },
        # Copies of the signed-in sessions (SESSION_ENGINE), apart: the many sessions must not
        # push the throttling counts out of the default cache. A copy pushed out of this one is
        # read again from the database.
        "sessions": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "sessions"),
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        },
        # Rendered parts of pages (portal.fragments): the filers' dashboards, under a fingerprint
        # of what they show, apart for the same reason. One pushed out is rendered again.
        "pages": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "pages"),
            "OPTIONS": {"MAX_ENTRIES": 5_000},
        },
    }
SESSION_CACHE_ALIAS = "sessions"

# --- Email ---------------------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 25)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
# An address alone: emails go out under the portal's name in the recipient's language
# (notifications.emails.sender). A "Name <address>" given here is used as it is.
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@filing.example")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_SUBJECT_PREFIX = "[备案系统] "
# The PDFs emails carry: the notifications app asks this object (its Attachments protocol) whether
# an email's document is ready, and for its file; it knows nothing of filings.
NOTIFICATION_ATTACHMENTS = "filings.documents.documents.EmailAttachments"
# The sentence at the foot of every email that names the rules applied (a function of the
# email's context): the filing's or the duty's rule set, else the one in force.
NOTIFICATION_FOOTER = "filings.law.rules_text.rules_applied_to"

# --- Celery --------------------------------------------------------------------------------------
# With no CELERY_BROKER_URL, the broker is the Redis that `make run` (portal.launcher) and the test
# suite start themselves on a unix socket under VAR_DIR (portal.embedded_redis).
EMBEDDED_BROKER_URL = embedded_redis.broker_url(VAR_DIR)
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or EMBEDDED_BROKER_URL
EMBEDDED_BROKER = CELERY_BROKER_URL == EMBEDDED_BROKER_URL
# Fail fast when Redis is away: a request that queues work must not hang on it.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = env_int("CELERY_BROKER_CONNECTION_MAX_RETRIES", 100)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The schedule lives here, in code; django-celery-beat copies it into its tables at start.
CELERY_BEAT_SCHEDULE = {
    "requeue-unsent-notifications": {
        "task": "notifications.tasks.requeue_unsent",
        "schedule": crontab(minute="*/5"),
    },
    "requeue-documents": {
        "task": "filings.tasks.requeue_documents",
        "schedule": crontab(minute="*/2"),
    },
    "send-reminders": {
        "task": "filings.tasks.send_reminders",
        "schedule": crontab(hour=env_int("REMINDER_HOUR", 9), minute=0),
    },
    "recompute-current-deadlines": {
        "task": "filings.tasks.recompute_current_deadlines",
        "schedule": crontab(hour=6, minute=30),
    },
    # A switch of FILING_REGIME re-assesses open obligations once, even if nobody ran the command.
    "apply-regime": {
        "task": "filings.tasks.apply_regime",
        "schedule": crontab(hour=6, minute=15),
    },
    # Retention: files and personal details past their period (filings/lifecycle/retention.py).
    "purge-expired": {
        "task": "filings.tasks.purge_expired",
        "schedule": crontab(hour=3, minute=30),
    },
}

# --- Security ------------------------------------------------------------------------------------
HTTPS = env_bool("HTTPS", _site.scheme == "https")
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz(/live|/ready)?$", r"^metrics$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
# Encryption at rest (portal.crypto): ID and mobile numbers in the database, every private file.
# The ring is "<id>:<base64 of 32 bytes>", comma-separated, newest first: the newest seals, every
# one opens. Unset, a development ring is generated once into VAR_DIR (as the SECRET_KEY); an
# https:// site (production) gets none, and the checks then refuse to start (portal.E003).
ENCRYPTION_KEYS = env_str("ENCRYPTION_KEYS") or (
    "" if HTTPS else crypto_ring_from_file(VAR_DIR / "encryption_keys")
)
ENCRYPTION_CIPHER = env_str("ENCRYPTION_CIPHER", "aes-256-gcm")
# Off only to measure what encryption costs (bench/bench_encryption.py); refused in production.
ENCRYPTION_AT_REST = env_bool("ENCRYPTION_AT_REST", True)
# Behind the documented TLS proxy, the client address is the last hop of X-Forwarded-For (the one
# the proxy added); anything before it was written by the client.
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Everything from the portal's own origin (it must work on a closed network anyway), nothing
# inline: templates keep their scripts and styles in static/ (portal.middleware sends it).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

# --- REST API (api/) -----------------------------------------------------------------------------
# Only the organization's tokens open it (api.authentication): a browser session does not, so a
# page the user opens cannot make calls in their name, and every call is a token's.
# An organization's active API tokens at most (its administrators revoke one to make another).
API_TOKENS_PER_ORGANIZATION = env_int("API_TOKENS_PER_ORGANIZATION", 20)
# How long a POST's Idempotency-Key and its answer are kept.
IDEMPOTENCY_HOURS = 24
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.TokenScope"],
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttling.TokenRateThrottle",
        "api.throttling.OrganizationRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "api_token": env_str("API_RATE_PER_TOKEN", "120/min"),
        "api_organization": env_str("API_RATE_PER_ORGANIZATION", "600/min"),
        "api_public": env_str("API_RATE_PUBLIC", "60/min"),
    },
    "DEFAULT_PAGINATION_CLASS": "api.pagination.CursorPages",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON bodies only (attachments: multipart); a form-encoded body is a 415, never read as text.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "人脸识别技术应用备案系统 API",
    "DESCRIPTION": (
        "The organization's systems, duties, filings, documents and notifications. "
        "Authenticate with `Authorization: Bearer <token>` (a token made by an administrator "
        "of the organization on its API tokens page)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.complete_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "FilingKindEnum": "filings.models.Filing.Kind",
        "FilingStatusEnum": "filings.models.Filing.Status",
        "DutyKindEnum": "filings.models.Obligation.Kind",
        "DutyStatusEnum": "filings.models.Obligation.Status",
        "DocumentKindEnum": "filings.models.Document.Kind",
        "DocumentStatusEnum": "filings.models.Document.Status",
    },
}

# --- Metrics (portal.metrics) -------------------------------------------------------------------
# /metrics answers only with "Authorization: Bearer <METRICS_TOKEN>"; unset, it does not exist.
METRICS_TOKEN = env_str("METRICS_TOKEN")

# --- Logging -------------------------------------------------------------------------------------
# LOG_FORMAT=json: one JSON object a line, each with the request id of the web request it belongs
# to, carried into the tasks that request queued (portal.logs).
LOG_FORMAT = env_str("LOG_FORMAT", "plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ValueError(f"LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "portal.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "portal.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # WeasyPrint reports missing fonts and bad CSS here; keep them in the project's log.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # Its start banner at every process start; failures and lockouts are WARNING.
        "axes": {"level": "WARNING"},
    },
}

# --- The filing rules ----------------------------------------------------------------------------
FILING_REGIME = env_str("FILING_REGIME", "cac-2023-draft")
# The day this deployment applies the 2023 draft's filing rule from (the draft never took effect):
# triggers before it count from it. Unset: the day the database was first migrated, stored once.
DRAFT_APPLIES_FROM = env_date("DRAFT_APPLIES_FROM")
# Working days before a deadline, then every N working days after it, at most M times.
REMINDER_SCHEDULE = {
    "before": tuple(int(n) for n in env_list("REMINDER_DAYS_BEFORE", ["10", "5", "1"])),
    "overdue_every": env_int("REMINDER_OVERDUE_EVERY", 5),
    "overdue_max": env_int("REMINDER_OVERDUE_MAX", 6),
}
# How long the portal keeps files and personal details once they are no longer needed; the README's
# retention table says why each period is what it is (filings/lifecycle/retention.py).
RETENTION = {
    # A refused, withdrawn or revoked filing: its attachments, its filing form and the personal
    # details in its content, counted from the refusal, the withdrawal or the revocation.
    "ended_filing_years": env_int("RETENTION_ENDED_FILING_YEARS", 3),
    # A cancelled filing (and the changes and the cancellation filed on it), from the cancellation.
    "cancelled_filing_years": env_int("RETENTION_CANCELLED_FILING_YEARS", 3),
    # A draft nobody has changed for so long, and the warning its members get before.
    "draft_months": env_int("RETENTION_DRAFT_MONTHS", 12),
    "draft_warning_days": env_int("RETENTION_DRAFT_WARNING_DAYS", 30),
    # Filings purged per transaction, and at most per run (the next day's run goes on).
    "batch": env_int("RETENTION_BATCH", 100),
    "per_run": env_int("RETENTION_PER_RUN", 5000),
}
# Where a person writes about the personal information the portal holds (the privacy notice).
PRIVACY_CONTACT_EMAIL = env_str("PRIVACY_CONTACT_EMAIL", "privacy@filing.example")
PORTAL_NAME = _("Facial Recognition Filing Portal")
