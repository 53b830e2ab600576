"""SafeLoop settings: one file, driven by the environment (see README "Configuration")."""

import json
import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SAFELOOP_VAR_DIR", BASE_DIR / "var"))


def envbool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def envlist(name: str, default: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


def _secret_key() -> str:
    if key := os.environ.get("SAFELOOP_SECRET_KEY"):
        return key
    key_file = Path(os.environ.get("SAFELOOP_SECRET_KEY_FILE", VAR_DIR / "secret_key"))
    if key_file.exists():
        return key_file.read_text().strip()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
DEBUG = envbool("SAFELOOP_DEBUG", False)
ALLOWED_HOSTS = envlist("SAFELOOP_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("SAFELOOP_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_htmx",
    "django_tasks_db",
    "ninja",
    "safeloop.core",
    "safeloop.accounts",
    "safeloop.orgs",
    "safeloop.notifications",
    "safeloop.hazards",
    "safeloop.risks",
    "safeloop.inspections",
]

MIDDLEWARE = [
    "safeloop.core.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "safeloop.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "safeloop.accounts.middleware.IdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "safeloop.urls"
WSGI_APPLICATION = "safeloop.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "safeloop" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "safeloop.core.context_processors.navigation",
                "safeloop.notifications.context_processors.unread",
            ],
        },
    }
]

# Database: SQLite embedded by default; PostgreSQL in production (SAFELOOP_DATABASE_URL=postgres://...).
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("SAFELOOP_DATABASE_URL", f"sqlite:///{VAR_DIR / 'safeloop.sqlite3'}"),
        conn_max_age=envint("SAFELOOP_DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # IMMEDIATE transactions + a long busy timeout: concurrent writers wait instead of failing
    # with "database is locked"; WAL lets readers proceed while one writer works.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not shared-cache memory: concurrency tests need SQLite's real locking and busy timeout.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "safeloop.accounts.passwords.PolicyPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["safeloop.accounts.backends.LockoutModelBackend"]

# Login security defaults (等保 2.0 L3, DOMAIN.md §10.2); a security admin may change them in the UI.
SAFELOOP_LOCKOUT_ATTEMPTS = envint("SAFELOOP_LOCKOUT_ATTEMPTS", 5)
SAFELOOP_LOCKOUT_MINUTES = envint("SAFELOOP_LOCKOUT_MINUTES", 15)
SAFELOOP_IDLE_TIMEOUT_MINUTES = envint("SAFELOOP_IDLE_TIMEOUT_MINUTES", 30)
SAFELOOP_PASSWORD_MIN_LENGTH = envint("SAFELOOP_PASSWORD_MIN_LENGTH", 10)
SAFELOOP_PASSWORD_MIN_CLASSES = envint("SAFELOOP_PASSWORD_MIN_CLASSES", 3)
SAFELOOP_TOKEN_TTL_HOURS = envint("SAFELOOP_TOKEN_TTL_HOURS", 24 * 7)
SAFELOOP_CITY_CODE = os.environ.get("SAFELOOP_CITY_CODE", "360600")
SAFELOOP_TILE_URL = os.environ.get("SAFELOOP_TILE_URL", "")
SAFELOOP_WORKER_STALE_SECONDS = envint("SAFELOOP_WORKER_STALE_SECONDS", 120)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = envbool("SAFELOOP_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = 12 * 3600

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "safeloop" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "safeloop" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = Path(os.environ.get("SAFELOOP_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"

EMAIL_URL = os.environ.get("SAFELOOP_EMAIL_URL", "console://")
if EMAIL_URL.startswith("smtp"):
    from urllib.parse import unquote, urlparse

    _mail = urlparse(EMAIL_URL)
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _mail.hostname or "127.0.0.1",
                "port": _mail.port or 25,
                "username": unquote(_mail.username or ""),
                "password": unquote(_mail.password or ""),
                "use_tls": EMAIL_URL.startswith("smtp+tls"),
                "timeout": 10,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = os.environ.get("SAFELOOP_FROM_EMAIL", "safeloop@localhost")

# Notifications: SMS gateway class (dotted path; the default only logs), its URL for the HTTP JSON
# gateway, attempts before a delivery is dead, and the site address links in e-mail/robots start with.
SAFELOOP_SMS_GATEWAY = os.environ.get("SAFELOOP_SMS_GATEWAY", "safeloop.notifications.sms.LogSmsGateway")
SAFELOOP_SMS_URL = os.environ.get("SAFELOOP_SMS_URL", "")
SAFELOOP_NOTIFY_MAX_ATTEMPTS = envint("SAFELOOP_NOTIFY_MAX_ATTEMPTS", 6)
SAFELOOP_SITE_URL = os.environ.get("SAFELOOP_SITE_URL", "")
# Hazard-loop numbers (duplicate radius, review days, escalation ladder…): a JSON object overriding the
# defaults in safeloop/hazards/config.py, e.g. {"acceptance_review_days": 14}.
SAFELOOP_HAZARDS = json.loads(os.environ.get("SAFELOOP_HAZARDS", "{}") or "{}")
# Risk-register numbers (colours, numerals, control tiers, level raise, review cycle): overrides of
# safeloop/risks/config.py. Score bands are a table in the database, edited by the city office.
SAFELOOP_RISKS = json.loads(os.environ.get("SAFELOOP_RISKS", "{}") or "{}")
# Inspection and patrol numbers (check-in distance, coverage window): overrides of safeloop/inspections/config.py.
SAFELOOP_INSPECTIONS = json.loads(os.environ.get("SAFELOOP_INSPECTIONS", "{}") or "{}")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SAFELOOP_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
