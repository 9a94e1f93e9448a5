"""Settings, all from environment variables with safe development defaults.

One machine needs nothing: SQLite in WAL mode, tasks in the database, files on disk.
A district sets DATABASE_URL (PostgreSQL), REDIS_URL and the secrets; same code.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from xingfuli.core.logging import logging_settings

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("XINGFULI_VAR_DIR", BASE_DIR.parent / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", default=False)
# The development key is public; `xingfuli check-deploy` refuses it in production.
DEV_SECRET_KEY = "dev-only-insecure-key-xingfuli-do-not-use-in-production"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
# Key for personal data encrypted at rest (ID and mobile numbers). A Fernet key, or any
# string from which one is derived. Defaults to one derived from SECRET_KEY.
FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY", "")
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
    "xingfuli.core",
    "xingfuli.registry",
    "xingfuli.grid",
    "xingfuli.property",
    "xingfuli.requests",
    "xingfuli.deliberation",
    "xingfuli.elevators",
    "xingfuli.canteen",
    "xingfuli.volunteers",
    "xingfuli.youth",
    "xingfuli.party",
    "xingfuli.survey",
    "xingfuli.dashboard",
]

MIDDLEWARE = [
    "xingfuli.core.logging.RequestIdMiddleware",  # first: every record of a request has its id
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "xingfuli.core.middleware.DomainErrorMiddleware",
    # Last: it answers a locked-out login attempt before the view runs.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "xingfuli.urls"
WSGI_APPLICATION = "xingfuli.wsgi.application"

TEMPLATES: list[dict[str, Any]] = [
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
                "xingfuli.core.context_processors.platform",
            ],
        },
    }
]

# --- database -------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
# DB_POOL_SIZE > 0 (PostgreSQL only): psycopg 3's connection pool of at most that many
# connections per app process, instead of one persistent connection per thread. Keep
# processes × DB_POOL_SIZE (+ workers) below the server's max_connections (docs/deploy.md).
DB_POOL_SIZE = int(os.environ.get("DB_POOL_SIZE", "0") or "0")


def database_settings(url: str) -> dict[str, Any]:
    """One PostgreSQL (or other) database from its URL, pooled when DB_POOL_SIZE is set."""
    pooled = DB_POOL_SIZE > 0 and url.startswith(("postgres://", "postgresql://", "pgsql://"))
    db: dict[str, Any] = dict(dj_database_url.parse(
        url,
        # A pool hands connections out per request: Django must not keep its own.
        conn_max_age=0 if pooled else int(os.environ.get("CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    ))
    if pooled:
        db.setdefault("OPTIONS", {})["pool"] = {
            "min_size": min(int(os.environ.get("DB_POOL_MIN_SIZE", "1")), DB_POOL_SIZE),
            "max_size": DB_POOL_SIZE,
            # Seconds a request waits for a free connection before failing (a 500, logged).
            "timeout": float(os.environ.get("DB_POOL_TIMEOUT", "10")),
        }
    return db


if DATABASE_URL:
    DATABASES = {"default": database_settings(DATABASE_URL)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "xingfuli.sqlite3")),
            "OPTIONS": {
                # WAL + synchronous=NORMAL: fast single-row writes, readers never blocked.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
            },
            "TEST": {"NAME": os.environ.get("SQLITE_TEST_PATH") or None},
        }
    }
# DATABASE_REPLICA_URL: a read replica (streaming replication of the primary). Dashboards and
# reports read from it inside `xingfuli.core.db_router.reading_from_replica()`; everything
# else, every write and every migration uses the primary. Tests use the primary for it.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = database_settings(DATABASE_REPLICA_URL)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["xingfuli.core.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache, tasks ---------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES: dict[str, dict[str, Any]] = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# TASKS_BACKEND: "database" (the default: tasks wait in the database, no broker), "rq" (Redis
# through RQ; needs REDIS_URL; run `xingfuli worker`), "immediate" (run inline), or a dotted path.
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "database")
TASKS: dict[str, dict[str, Any]] = {
    "default": {
        "BACKEND": _TASK_BACKENDS.get(TASKS_BACKEND, TASKS_BACKEND),
        "QUEUES": ["default"],
    }
}
if TASKS["default"]["BACKEND"] == _TASK_BACKENDS["rq"]:
    if not REDIS_URL:
        raise ImproperlyConfigured("TASKS_BACKEND=rq needs REDIS_URL.")
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600}}
if REDIS_URL:
    # Sessions read from the cache and written through to the database: fast and durable.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- auth -----------------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"
AUTHENTICATION_BACKENDS = [
    # Counts failed logins and refuses a mobile number after AXES_FAILURE_LIMIT of them.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
# Per mobile number at an address: a community office's shared address must not lock out every
# colleague (limit requests per address at the proxy: docs/deploy.md).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The login form names the mobile number "username", as Django's AuthenticationForm does.
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "xingfuli.core.views.locked_out"
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
AXES_VERBOSE = False

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_DAYS", "14")) * 24 * 3600
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=False)
CSRF_COOKIE_SAMESITE = "Lax"

# --- secure headers -------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Behind a TLS proxy: HTTPS=1 turns on redirects, HSTS and secure cookies together.
if env_bool("HTTPS", default=False):
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", default=False)
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# Content Security Policy (django-csp): scripts only from our own static files (no inline
# scripts, no eval: htmx runs with allowEval off), no plugins, no framing, forms post here.
# Inline style attributes stay allowed: they carry no script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# HSTS for subdomains and the preload list are decisions about the whole domain (often a
# government one), not this site's: HSTS_INCLUDE_SUBDOMAINS=1 opts in.
SILENCED_SYSTEM_CHECKS = ["security.W021"] + (
    [] if env_bool("HSTS_INCLUDE_SUBDOMAINS", default=False) else ["security.W005"]
)

# --- i18n -----------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- files ----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# S3-compatible object storage for uploads (photos, documents, imports, reports) when S3_BUCKET
# is set; local disk (MEDIA_ROOT) otherwise. Files stay private: the bucket must not be public,
# and the app streams every file through its access-checked views (file_response); any URL the
# storage makes is signed and expires (querystring auth). django-storages and boto3 are only
# imported when this is on. `xingfuli check-deploy` refuses a half-made configuration.
S3 = {
    "bucket_name": os.environ.get("S3_BUCKET", ""),
    "endpoint_url": os.environ.get("S3_ENDPOINT_URL", ""),
    "access_key": os.environ.get("S3_ACCESS_KEY_ID", ""),
    "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY", ""),
    "region_name": os.environ.get("S3_REGION", ""),
    "custom_domain": os.environ.get("S3_CUSTOM_DOMAIN", ""),
    "location": os.environ.get("S3_PREFIX", ""),
}
if S3["bucket_name"]:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **{k: v for k, v in S3.items() if v},
            "querystring_auth": True,  # signed URLs only
            "querystring_expire": int(os.environ.get("S3_URL_SECONDS", "300")),
            "file_overwrite": False,  # a new name, never another upload replaced
            # Path-style addressing works with MinIO, Ceph and most other S3-compatible servers.
            "addressing_style": os.environ.get("S3_ADDRESSING_STYLE", "path"),
            "signature_version": "s3v4",
        },
    }
# Serve straight from the app folders in development and tests (no collectstatic needed).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

# --- personal information -------------------------------------------------------------
# Days after a resident moved out or died before their ID and mobile numbers, tags, note and
# birth day are purged (a task at 02:30 every day). docs/privacy.md.
PERSONAL_DATA_RETENTION_DAYS = int(os.environ.get("PERSONAL_DATA_RETENTION_DAYS", str(3 * 365)))
# The public summary (API and page) is computed at most once every this many seconds per
# community (0: on every call).
SUMMARY_CACHE_SECONDS = int(os.environ.get("SUMMARY_CACHE_SECONDS", "60"))

# --- notifications --------------------------------------------------------------------
# Dotted paths of channel classes by channel name; see xingfuli.core.channels.
NOTIFICATION_CHANNELS = {
    "console": "xingfuli.core.channels.ConsoleChannel",
    "sms": os.environ.get("SMS_CHANNEL", "xingfuli.core.channels.ConsoleChannel"),
    "email": os.environ.get("EMAIL_CHANNEL", "xingfuli.core.channels.EmailChannel"),
}
# For xingfuli.core.channels.HttpSmsChannel (set SMS_CHANNEL to it to send real texts).
SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
SMS_GATEWAY_TOKEN = os.environ.get("SMS_GATEWAY_TOKEN", "")
SMS_SIGNATURE = os.environ.get("SMS_SIGNATURE", "【幸福里】")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)

# --- platform defaults (per-community values override these) --------------------------
XINGFULI = {
    # Key-group households not visited for this many days are flagged.
    "VISIT_INTERVAL_DAYS": int(os.environ.get("VISIT_INTERVAL_DAYS", "30")),
    "SUPERVISION_HOTLINE": os.environ.get("SUPERVISION_HOTLINE", "12345"),
}

# LOG_FORMAT=json for one JSON object per line (plain text by default); ACCESS_LOG=1 for one
# record per request. Every record carries the request id (docs/operations.md).
LOGGING: dict[str, Any] = logging_settings(
    log_format=os.environ.get("LOG_FORMAT", "text"),
    level=os.environ.get("LOG_LEVEL", "WARNING"),
    access_log=env_bool("ACCESS_LOG", default=False),
)
