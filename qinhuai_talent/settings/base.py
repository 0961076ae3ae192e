"""Base settings: the embedded default unless the environment says otherwise (CONTRACT.md)."""

from datetime import date, timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = env_bool("DJANGO_DEBUG", False)

# Production without a key is refused where the key is used: the WSGI application, the Celery worker
# and beat, and `check --deploy` (qinhuai_talent.core.checks). Commands that only inspect the code,
# such as makemigrations, run without one; Django itself refuses any read of an empty SECRET_KEY.
SECRET_KEY = env_str("DJANGO_SECRET_KEY") or ""
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "django-insecure-development-only-qinhuai-talent-portal"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "bootstrap",
    "qinhuai_talent.core",
    "qinhuai_talent.notifications",
    "talents",
    "enterprises",
    "funding",
    "assessment",
    "serviceplatform",
    "reports",
    "selfservice",
    # The benchmark's data set command (manage.py seed_scale); core and the apps never import it.
    "bench",
]

MIDDLEWARE = [
    "qinhuai_talent.core.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "qinhuai_talent.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # JSON, CSV and the schema compressed, never HTML or a response next to a CSRF token; then an
    # ETag on every GET and a 304 for a matching If-None-Match (qinhuai_talent.core.http).
    "qinhuai_talent.core.http.SafeGZipMiddleware",
    "qinhuai_talent.core.http.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Each list's last filters, sort and page, for its breadcrumbs (qinhuai_talent.core.lists).
    "qinhuai_talent.core.lists.ListMemoryMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "qinhuai_talent.urls"
WSGI_APPLICATION = "qinhuai_talent.wsgi.application"
ASGI_APPLICATION = "qinhuai_talent.asgi.application"

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
                "qinhuai_talent.core.context_processors.portal",
            ],
        },
    },
]

# --- Database: SQLite file by default, PostgreSQL through DATABASE_URL -------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
except Exception as exc:  # dj_database_url raises several types for a malformed URL
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from exc
if _db["ENGINE"].endswith("sqlite3"):
    # SQLite: no persistent connections; wait on a lock instead of failing at once.
    _db["CONN_MAX_AGE"] = 0
    _db.setdefault("OPTIONS", {})["timeout"] = 20
IS_POSTGRES = _db["ENGINE"].endswith("postgresql")
if IS_POSTGRES:
    # A database that does not answer is an error within seconds, never a hung request or probe.
    _db.setdefault("OPTIONS", {}).setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5))
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Sessions and cookies ----------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_SECONDS", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# --- Client address behind the proxy ------------------------------------------------------------
# How many proxies stand in front of the portal (the documented nginx deploy: 1). Throttles, the
# lock-out, the request log and /metrics read the client through qinhuai_talent.core.clients: the
# N-th X-Forwarded-For entry from the right, or the socket's peer with none. AXES_PROXY_COUNT was
# this setting's name before; an environment file that still says it keeps working.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", env_int("AXES_PROXY_COUNT", 0))
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"TRUSTED_PROXY_COUNT must be 0 or more (got {TRUSTED_PROXY_COUNT})")

# --- Lockout (django-axes): by username and address, plus a limit per address ------------------
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
# Failures from one address across every username within the cool-off (qinhuai_talent.core.lockout).
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 30)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "qinhuai_talent.core.views.locked_out"  # the page, or JSON for the API
AXES_HANDLER = "qinhuai_talent.core.lockout.PortalLockoutHandler"
AXES_CLIENT_IP_CALLABLE = "qinhuai_talent.core.clients.client_address"
AXES_VERBOSE = False

# --- Languages ---------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and private files ------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Attachments are never under a public URL: views check access and stream them.
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "private_media")))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Cache (throttling, locks) -------------------------------------------------------------------
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            # A Redis that does not answer is an error within seconds, never a hung request.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- REST API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "qinhuai_talent.core.api.auth.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Every operation: valid credentials (else a JSON 401), report clients on report endpoints only.
    "DEFAULT_PERMISSION_CLASSES": ["qinhuai_talent.core.api.permissions.PortalPermission"],
    # Request bodies are JSON (uploads declare multipart on their own action).
    "DEFAULT_PARSER_CLASSES": ["qinhuai_talent.core.api.parsers.PortalJSONParser"],
    # JSON only: DRF's browsable API rendered, in a browser, forms whose selects listed every talent
    # and enterprise of the district to any signed-in caller (its forms read a field's whole
    # queryset, not the caller's scope). /api/docs/ is the API's page for people.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_METADATA_CLASS": "qinhuai_talent.core.api.metadata.PortalMetadata",
    "DEFAULT_PAGINATION_CLASS": "qinhuai_talent.core.api.pagination.PortalPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "qinhuai_talent.core.api.search.SearchFilter",
        "qinhuai_talent.core.api.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "qinhuai_talent.core.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "qinhuai_talent.core.api.throttles.UserRateThrottle",
        "qinhuai_talent.core.api.throttles.AnonRateThrottle",
    ],
    # The portal's throttles read qinhuai_talent.core.clients; DRF's own readers agree with it.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "user": env_str("API_RATE_USER", "2000/hour"),
        "anon": env_str("API_RATE_ANON", "100/hour"),
        "report_client": env_str("API_RATE_REPORT_CLIENT", "600/hour"),
    },
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
    "DATE_FORMAT": "iso-8601",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env_int("API_TOKEN_HOURS", 24 * 30)),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}
SPECTACULAR_SETTINGS = {
    # ASCII: client generators name the package after the title (openapi-python-client made an
    # invalid package name of the Chinese one); the Chinese name opens the description.
    "TITLE": "Qinhuai Talent Portal API",
    "DESCRIPTION": (
        "秦淮区人才工作平台 API. Read and act on the district's talent programs, enterprises, staged funding and unit "
        "assessment. Every record that belongs to a unit carries `org_unit`; a caller never sees "
        "a record outside its scope (404). Money is a decimal string in yuan; dates are ISO 8601."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and the docs describe every operation: for signed-in people and token holders
    # only (issue 15 item 9). The docs page sends an anonymous visitor to the log-in.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "qinhuai_talent.core.api.schema.add_error_responses",
        "qinhuai_talent.core.api.schema.portable_for_clients",
    ],
    "ENUM_NAME_OVERRIDES": {},
    # Swagger UI assets come from the sidecar package: the portal runs on an intranet, no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Celery: eager in-process unless a broker is configured -------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "") or None
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_BROKER_URL = CELERY_BROKER_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2}
CELERY_TIMEZONE = TIME_ZONE
# The schedule, in the portal's time zone (CELERY_TIMEZONE, Asia/Shanghai): nightly at fixed hours,
# the recompute in the order the rules read each other (enterprise figures, payouts, exit flags).
# The jobs page lists every entry with its last and next run; /readyz says when one is overdue.
CELERY_BEAT_SCHEDULE = {
    "sweep-stuck-jobs": {"task": "qinhuai_talent.core.tasks.sweep_jobs", "schedule": 300.0},
    "nightly-recompute": {
        "task": "qinhuai_talent.core.tasks.run_scheduled_sequence",
        "schedule": crontab(hour=1, minute=0),
        "kwargs": {"kinds": ["recompute_enterprise_figures", "recompute_payouts", "recompute_exit_flags"]},
    },
    "nightly-recompute-assessments": {
        "task": "qinhuai_talent.core.tasks.run_scheduled_job",
        "schedule": crontab(hour=2, minute=30),
        "kwargs": {"kind": "recompute_assessments"},
    },
    "nightly-verify-audit": {
        "task": "qinhuai_talent.core.tasks.run_scheduled_job",
        "schedule": crontab(hour=3, minute=30),
        "kwargs": {"kind": "verify_audit"},
    },
}
CELERY_BEAT_SCHEDULER = "qinhuai_talent.core.schedule:PortalScheduler"
CELERY_BEAT_SCHEDULE_FILENAME = env_str("CELERY_BEAT_SCHEDULE_FILENAME", str(BASE_DIR / "celerybeat-schedule"))
# Heartbeats (/readyz): a worker writes one every WORKER_HEARTBEAT_SECONDS and counts as alive
# for WORKER_HEARTBEAT_MAX_AGE; beat writes one on every tick, at least every BEAT_HEARTBEAT_SECONDS.
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 15)
WORKER_HEARTBEAT_MAX_AGE = env_int("WORKER_HEARTBEAT_MAX_AGE", 60)
BEAT_HEARTBEAT_SECONDS = env_int("BEAT_HEARTBEAT_SECONDS", 15)
BEAT_HEARTBEAT_MAX_AGE = env_int("BEAT_HEARTBEAT_MAX_AGE", 60)
CELERY_BEAT_MAX_LOOP_INTERVAL = BEAT_HEARTBEAT_SECONDS
# The day the recompute rules are evaluated for when a job does not say (ISO date); unset means
# today. The demo district is the district of 2017: `make run` evaluates it as of 2018-01-15.
PORTAL_AS_OF = env_str("PORTAL_AS_OF", "") or None
if PORTAL_AS_OF:
    try:
        date.fromisoformat(PORTAL_AS_OF)
    except ValueError as exc:
        raise ImproperlyConfigured(f"PORTAL_AS_OF must be an ISO date like 2018-01-15 (got {PORTAL_AS_OF!r})") from exc

# How far a financing provider's outcome may exceed the amount the enterprise asked for, in percent
# of the request (serviceplatform.services.financing_outcome_record); above it the outcome is refused.
FINANCING_OUTCOME_MAX_EXCESS_PERCENT = env_int("FINANCING_OUTCOME_MAX_EXCESS_PERCENT", 20)
if not 0 <= FINANCING_OUTCOME_MAX_EXCESS_PERCENT <= 1000:
    raise ImproperlyConfigured("FINANCING_OUTCOME_MAX_EXCESS_PERCENT must be from 0 to 1000")

# --- Notifications: email, SMS and the outbox's retries ------------------------------------------
# Links in messages point here (the portal's public address).
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "秦淮区人才工作平台 <noreply@talent.qinhuai.local>")
EMAIL_SUBJECT_BRAND = env_str("EMAIL_SUBJECT_BRAND", "秦淮人才")
EMAIL_URL = env_str("EMAIL_URL", "")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
if not EMAIL_URL:
    # Embedded: one file per message under var/mail/ in the project folder.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
else:
    from urllib.parse import parse_qs, unquote, urlsplit

    _mail = urlsplit(EMAIL_URL)
    if _mail.scheme == "console":
        EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    elif _mail.scheme in ("smtp", "smtps"):
        _query = {k: v[-1] for k, v in parse_qs(_mail.query).items()}
        EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        EMAIL_HOST = _mail.hostname or "localhost"
        EMAIL_PORT = _mail.port or (465 if _mail.scheme == "smtps" else 25)
        EMAIL_HOST_USER = unquote(_mail.username or "")
        EMAIL_HOST_PASSWORD = unquote(_mail.password or "")
        EMAIL_USE_SSL = _mail.scheme == "smtps" or _query.get("ssl") in ("1", "true")
        EMAIL_USE_TLS = not EMAIL_USE_SSL and _query.get("tls") in ("1", "true")
        EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
    else:
        raise ImproperlyConfigured(
            f"EMAIL_URL must be smtp://user:pass@host:587?tls=1, smtps://… or console:// (got scheme {_mail.scheme!r})"
        )
SMS_BACKEND = env_str("SMS_BACKEND", "qinhuai_talent.notifications.sms.LogBackend")
# An expert scores an application within this many days of its assignment (reminded 3 days before).
REVIEW_DUE_DAYS = env_int("REVIEW_DUE_DAYS", 14)
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 8)
NOTIFY_RETRY_SECONDS = env_int("NOTIFY_RETRY_SECONDS", 60)
CELERY_BEAT_SCHEDULE["remind-reviews-due"] = {
    "task": "talents.tasks.remind_reviews_due",
    "schedule": crontab(hour=8, minute=0),  # in the morning, Asia/Shanghai
}
# A quarter's filing window, unless the office sets it: this many days after the quarter ends.
FILING_WINDOW_DAYS = env_int("FILING_WINDOW_DAYS", 20)
CELERY_BEAT_SCHEDULE["remind-filings"] = {
    "task": "enterprises.tasks.remind_filings",
    "schedule": crontab(hour=8, minute=10),  # in the morning, Asia/Shanghai
}
CELERY_BEAT_SCHEDULE["remind-overdue-service-requests"] = {
    "task": "serviceplatform.tasks.remind_overdue_requests",
    "schedule": crontab(hour=8, minute=20),  # in the morning, Asia/Shanghai
}
# /readyz: a notification waiting longer than this (seconds) makes the portal degraded.
OUTBOX_MAX_AGE = env_int("OUTBOX_MAX_AGE", 900)
CELERY_BEAT_SCHEDULE["retry-notifications"] = {
    "task": "qinhuai_talent.notifications.tasks.retry_pending",
    "schedule": 60.0,
}

# A running job that has not reported progress for this long is taken as lost and run again.
JOB_STALE_SECONDS = env_int("JOB_STALE_SECONDS", 600)

# Every handler masks ID and phone numbers (SQL parameters at DEBUG, exception messages) and
# carries the request id. Production logs one JSON object per line (DJANGO_LOG_FORMAT=json, the
# default when debug is off and the database is PostgreSQL); the embedded mode logs plain text.
# One line per request (qinhuai_talent.request), per job run (qinhuai_talent.jobs) and per task
# retry (qinhuai_talent.tasks), at INFO whatever DJANGO_LOG_LEVEL says of the rest.
LOG_FORMAT = env_str("DJANGO_LOG_FORMAT", "json" if not DEBUG and IS_POSTGRES else "text")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"DJANGO_LOG_FORMAT must be json or text (got {LOG_FORMAT!r})")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "personal_data": {"()": "qinhuai_talent.core.masking.PersonalDataFilter"},
        "request_id": {"()": "qinhuai_talent.core.observability.RequestIdFilter"},
    },
    "formatters": {
        "json": {"()": "qinhuai_talent.core.observability.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["personal_data", "request_id"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "WARNING")},
    "loggers": {
        name: {"level": env_str("DJANGO_OPS_LOG_LEVEL", "INFO")}
        for name in ("qinhuai_talent.request", "qinhuai_talent.jobs", "qinhuai_talent.tasks")
    },
}

# Prometheus (/metrics): a 404 to any address outside these (addresses or networks).
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "127.0.0.1,::1")
