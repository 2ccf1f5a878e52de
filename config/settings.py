"""consentry settings: everything comes from the environment (see .env.example)."""

from __future__ import annotations

import os
import secrets
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CONSENTRY_VAR_DIR", str(BASE_DIR / "var"))).resolve()
# Other local users read nothing here: the database, the secret key, uploaded imports.
VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
VAR_DIR.chmod(0o700)


def _secret_key() -> str:
    """The given key, or one generated once into VAR_DIR and reused on every start."""
    given = env_str("CONSENTRY_SECRET_KEY")
    if given:
        if len(given) < 32:
            raise ImproperlyConfigured("CONSENTRY_SECRET_KEY: must be at least 32 characters")
        return given
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
    return path.read_text(encoding="utf-8").strip()


def _database(url: str) -> dict[str, object]:
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "consentry.sqlite3"),
            "OPTIONS": {
                # Writers queue on one lock instead of failing on upgrade from read to write.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA busy_timeout=20000; PRAGMA foreign_keys=ON;"
                ),
            },
            # Opening the file and running those pragmas costs ~20 ms: a web process keeps
            # its connection instead of opening one per request.
            "CONN_MAX_AGE": env_int("CONSENTRY_DB_CONN_MAX_AGE", 60, minimum=0),
            "CONN_HEALTH_CHECKS": True,
        }
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise ImproperlyConfigured(
            "DATABASE_URL: only postgresql:// is supported (SQLite is the default), "
            f"got {parts.scheme!r}"
        )
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise ImproperlyConfigured("DATABASE_URL: names no database")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": env_int("CONSENTRY_DB_CONN_MAX_AGE", 60, minimum=0),
        "TEST": {"NAME": f"{name}_test"},
    }


SECRET_KEY = _secret_key()
DEBUG = env_bool("CONSENTRY_DEBUG", False)
BASE_URL = env_url("CONSENTRY_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
_base_host = urlsplit(BASE_URL).hostname or ""
ALLOWED_HOSTS = env_list("CONSENTRY_ALLOWED_HOSTS", [_base_host, "127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = [BASE_URL] if BASE_URL else []
# Addresses of reverse proxies whose X-Forwarded-For is believed; nobody else's is.
TRUSTED_PROXIES = env_list("CONSENTRY_TRUSTED_PROXIES", [])
LISTEN = env_str("CONSENTRY_LISTEN", "127.0.0.1:8000")
WEB_WORKERS = env_int("CONSENTRY_WEB_WORKERS", 2, minimum=1)
# Seconds a web request may take before its process is stopped (an import's upload is
# checked in its request: see config.management.commands.up).
WEB_TIMEOUT = env_int("CONSENTRY_WEB_TIMEOUT", 300, minimum=10)

# Outbound mail: smtp://user:pass@host:587?starttls=1 or smtps://host:465; empty = sandbox mailbox.
SMTP_URL = env_url("CONSENTRY_SMTP_URL", schemes=("smtp", "smtps"))
# Sender of platform mail (confirmations) until an account has its own verified domain.
DEFAULT_FROM_EMAIL = env_str("CONSENTRY_DEFAULT_FROM_EMAIL", "consentry <mailer@localhost>")
# CONTENT-4/INDUSTRY-3: the platform's SenderId in Feedback-ID (5 to 15 letters or digits).
FEEDBACK_SENDER_ID = env_str("CONSENTRY_FEEDBACK_SENDER_ID", "consentry")
# Processes a worker forks per batch to build (render, encode, sign) campaign messages on
# every core; 0 builds them on the worker's sender threads.
SEND_BUILD_PROCESSES = env_int("CONSENTRY_SEND_BUILD_PROCESSES", os.cpu_count() or 1, minimum=0)
# INDUSTRY-3: CSA-certified operators add X-CSA-Complaints to every campaign mail.
CSA_COMPLAINTS = env_bool("CONSENTRY_CSA_COMPLAINTS", False)
# DNS resolvers as host:port, comma-separated; empty = the system's resolvers.
DNS_RESOLVERS = env_list("CONSENTRY_DNS_RESOLVERS", [])
DNS_TIMEOUT = env_int("CONSENTRY_DNS_TIMEOUT", 5, minimum=1)
# The sandbox DNS: while mail goes only to the sandbox mailbox, an account can publish its
# sender domain's records in the platform itself ("Publish in the sandbox DNS") and the
# domain checks read them there first, so a demo verifies a domain without the internet.
# On by default when CONSENTRY_SMTP_URL is empty; refused when mail can leave the machine.
DNS_SANDBOX = env_bool("CONSENTRY_DNS_SANDBOX", not SMTP_URL)
if DNS_SANDBOX and SMTP_URL:
    raise ImproperlyConfigured(
        "CONSENTRY_DNS_SANDBOX: the sandbox DNS is only for the sandbox mailbox; "
        "unset it or CONSENTRY_SMTP_URL"
    )
# AUDIT-1 (iii): imports and signups refuse an address whose domain accepts no mail.
ADDRESS_DNS_CHECKS = env_bool("CONSENTRY_ADDRESS_DNS_CHECKS", True)
# Domains that certainly accept mail: when DNS denies all of them too, the resolver cannot
# see the internet (an offline machine) and "accepts no mail" is believed of no domain.
ADDRESS_DNS_CANARIES = env_list(
    "CONSENTRY_ADDRESS_DNS_CANARIES", ["gmail.com", "outlook.com", "gmx.de", "orange.fr"]
)
# CONTENT-6: DNS domain blocklists every campaign link is checked against before a send
# (e.g. dbl.spamhaus.org, multi.surbl.org), asked through CONSENTRY_DNS_RESOLVERS; empty: none.
LINK_BLOCKLIST_ZONES = env_list("CONSENTRY_LINK_BLOCKLIST_ZONES", [])
# What sender domains' SPF must authorise: an include domain and/or the sending IPs.
SPF_INCLUDE = env_str("CONSENTRY_SPF_INCLUDE", "")
SENDING_IPS = env_list("CONSENTRY_SENDING_IPS", [])
# Opens and clicks are written in groups this often (milliseconds) by a thread of each web
# process, so the pixel and the redirect make no database round trip (tracking.recorder);
# a process killed outright loses at most this window of them. 0 writes in the request.
TRACKING_FLUSH_MS = env_int("CONSENTRY_TRACKING_FLUSH_MS", 100, minimum=0)
# Seconds without a heartbeat after which a task worker counts as dead and the tasks it
# was running are taken back by `consentry scheduler` (config.workers).
WORKER_LOST_SECONDS = env_int("CONSENTRY_WORKER_LOST_SECONDS", 60, minimum=20)
# Where a worker journals each SMTP hand-over as it happens (delivery.journal): local disk,
# one file per running batch; after a crash it tells which held messages were accepted.
JOURNAL_DIR = Path(env_str("CONSENTRY_JOURNAL_DIR", str(VAR_DIR / "journal"))).resolve()
# Seconds between two runs of the sends' periodic tending (retries, lost leases, the end).
SEND_TEND_SECONDS = env_int("CONSENTRY_SEND_TEND_SECONDS", 60, minimum=1)
# Minutes between rechecks of verified sender domains (DOMAIN-1).
DOMAIN_RECHECK_MINUTES = env_int("CONSENTRY_DOMAIN_RECHECK_MINUTES", 60, minimum=1)
# Seconds between looks for scheduled sends whose time has come (SEND-4).
SCHEDULED_SENDS_SECONDS = env_int("CONSENTRY_SCHEDULED_SENDS_SECONDS", 30, minimum=1)

# The inbound SMTP listener of `consentry inbound`: replies, mailto unsubscribes (and later
# bounces and feedback reports) arrive here; in production it sits behind the MTA.
INBOUND_LISTEN = env_str("CONSENTRY_INBOUND_LISTEN", "127.0.0.1:2525")
# The platform's public inbound mail host: sender domains' return-path hosts point their
# MX here and DMARC aggregate reports are asked for at dmarc@ it (DOMAIN-1).
INBOUND_HOST = env_str("CONSENTRY_INBOUND_HOST", "").strip().rstrip(".").lower()
INBOUND_MAX_BYTES = env_int("CONSENTRY_INBOUND_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
# Processes that parse a batch of inbound bounces and reports: the listener (or poller)
# itself and readers forked from it (feedback.readers). 1 (the default) parses in the
# process alone: on a host whose cores are busy, readers only add work (bench/RESULTS.md);
# on one with idle cores, one per core takes the parsing off the listener's core.
INBOUND_PARSE_PROCESSES = env_int("CONSENTRY_INBOUND_PARSE_PROCESSES", 1, minimum=1)
# An IMAP or POP3 mailbox where a mail system drops bounces and feedback reports (BOUNCE-2),
# polled every minute: imap(s)://user:pass@host/Folder or pop3(s)://user:pass@host.
MAILBOX_URL = env_url("CONSENTRY_MAILBOX_URL", schemes=("imap", "imaps", "pop3", "pop3s"))
# The address its mail was sent to, when a message says nothing about it.
MAILBOX_ADDRESS = env_str("CONSENTRY_MAILBOX_ADDRESS", "")
# The platform's abuse addresses (ABUSE-1): mail to them opens abuse cases. Empty: abuse@
# the host of CONSENTRY_BASE_URL and abuse@ the domain of CONSENTRY_DEFAULT_FROM_EMAIL.
ABUSE_ADDRESSES = [a.lower() for a in env_list("CONSENTRY_ABUSE_ADDRESSES", [])]
if any(a.count("@") != 1 or a.startswith("@") or a.endswith("@") for a in ABUSE_ADDRESSES):
    raise ImproperlyConfigured("CONSENTRY_ABUSE_ADDRESSES: comma-separated email addresses")
# ABUSE-3: replies forwarded to an account's own address, at most this many per hour.
REPLY_FORWARDS_PER_HOUR = env_int("CONSENTRY_REPLY_FORWARDS_PER_HOUR", 60, minimum=0)
# The calendar of working days for deadlines (UNSUB-2): "de" (federal holidays) or "fr",
# plus extra holidays as ISO dates (a state's own, company closing days).
HOLIDAY_CALENDAR = env_str("CONSENTRY_HOLIDAY_CALENDAR", "de")
if HOLIDAY_CALENDAR not in ("de", "fr"):
    raise ImproperlyConfigured(f"CONSENTRY_HOLIDAY_CALENDAR: de or fr, got {HOLIDAY_CALENDAR!r}")


def _dates(name: str) -> tuple[date, ...]:
    try:
        return tuple(date.fromisoformat(d) for d in env_list(name, []))
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"{name}: dates as YYYY-MM-DD, comma-separated ({exc})"
        ) from None


EXTRA_HOLIDAYS = _dates("CONSENTRY_EXTRA_HOLIDAYS")

# Bounce and complaint webhooks of relay providers (BOUNCE-2, feedback.webhook_views). A
# provider's door stays closed (404) until the secret it authenticates with is set.
# "user:password" of HTTP basic auth for every provider webhook URL, and the HMAC key of the
# generic JSON webhook; the only authentication Amazon SES (SNS) and Postmark offer.
WEBHOOK_SECRET = env_str("CONSENTRY_WEBHOOK_SECRET")
if WEBHOOK_SECRET and ":" not in WEBHOOK_SECRET:
    raise ImproperlyConfigured("CONSENTRY_WEBHOOK_SECRET: expected user:password")
MAILGUN_WEBHOOK_SIGNING_KEY = env_str("CONSENTRY_MAILGUN_WEBHOOK_SIGNING_KEY")
# SendGrid's signed event webhook: the public key (base64) shown when signing is enabled.
SENDGRID_WEBHOOK_VERIFICATION_KEY = env_str("CONSENTRY_SENDGRID_WEBHOOK_VERIFICATION_KEY")
# The SNS topics whose notifications are believed; empty = any topic with the right secret.
SES_SNS_TOPIC_ARNS = env_list("CONSENTRY_SES_SNS_TOPIC_ARNS", [])
# Check SNS's own signature too (fetches Amazon's signing certificate over https, cached).
SES_VERIFY_SNS_SIGNATURES = env_bool("CONSENTRY_SES_VERIFY_SNS_SIGNATURES", True)
WEBHOOK_MAX_PER_MINUTE = env_int("CONSENTRY_WEBHOOK_MAX_PER_MINUTE", 600, minimum=1)

DATABASES = {"default": _database(env_url("DATABASE_URL", schemes=("postgres", "postgresql")))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "anymail",
    # Serves the API docs' Swagger UI from its own static files, not from a CDN.
    "ninja",
    "axes",
    "csp",
    "config.apps.ConfigConfig",
    "core",
    "policy",
    "accounts",
    "contacts",
    "consent",
    "domains",
    "carrier",
    "delivery",
    "campaigns",
    "feedback",
    "tracking",
    "governance",
    "imports",
    "admission",
    "api",
    "web",
    "subscriber",
    "console",
]

MIDDLEWARE = [
    # Refuses a body over its limit by its Content-Length, before anything reads it.
    "config.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A signed-in user's profile language wins over the browser's.
    "accounts.middleware.ProfileLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a sign-in refused for too many failures into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.context.current_account",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Login throttling (django-axes): after CONSENTRY_LOGIN_FAILURES wrong passwords for one
# username, or from one client address, sign-in is refused for CONSENTRY_LOGIN_LOCKOUT_MINUTES
# on /login/, /admin/login/ and the operator API's Basic auth. Unlock: `consentry login unlock`.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("CONSENTRY_LOGIN_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("CONSENTRY_LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "core.http.client_ip"
AXES_LOCKOUT_CALLABLE = "config.views.locked_out"
AXES_VERBOSE = False

# Request bodies (config.middleware): forms and API JSON up to CONSENTRY_MAX_REQUEST_KB; an
# import's upload up to CONSENTRY_IMPORT_MAX_MB. Anything larger is answered 413 by its
# Content-Length before a byte of it is read.
MAX_REQUEST_BYTES = env_int("CONSENTRY_MAX_REQUEST_KB", 2048, minimum=64) * 1024
IMPORT_MAX_BYTES = env_int("CONSENTRY_IMPORT_MAX_MB", 512, minimum=1) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BYTES
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 10

LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns about a missing one before collectstatic
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
# A sign-in lasts this many hours (Django's default is two weeks).
CONSENTRY_SESSION_SECONDS = env_int("CONSENTRY_SESSION_HOURS", 12, minimum=1) * 3600
SESSION_COOKIE_AGE = CONSENTRY_SESSION_SECONDS
# Password-reset links are good for this long.
PASSWORD_RESET_TIMEOUT = 3600
SESSION_COOKIE_SECURE = BASE_URL.startswith("https://")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every page (django-csp): scripts, styles, images and fonts only
# from the platform itself, no inline script; the sandbox views set their own stricter one.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # Style attributes are used across the pages (a bar's width, spacing): allowed as
        # attributes only; <style> elements still come from the platform's files alone.
        "style-src-elem": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True

# Rate-limit counters and other short-lived data: local memory in one process; a Redis URL
# (redis://host:6379/0) shares them between web processes and machines.
CACHE_URL = env_url("CONSENTRY_CACHE_URL", schemes=("redis", "rediss"))
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("CONSENTRY_LOG_LEVEL", "INFO")},
}
