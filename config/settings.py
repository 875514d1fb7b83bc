"""Fusion settings, all taken from the environment (see .env.example and README)."""

import warnings
from datetime import timedelta
from pathlib import Path

import dj_database_url

from config.env import env_bool, env_int, env_list, env_str, required_secret

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", default=False)
SECRET_KEY = required_secret(
    "DJANGO_SECRET_KEY", debug=DEBUG, dev_value="dev-only-insecure-secret-key-not-for-production"
)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])

# Field encryption: "kid:base64key,kid:base64key"; the first key encrypts, all keys decrypt.
FIELD_ENCRYPTION_KEYS = required_secret(
    "FIELD_ENCRYPTION_KEYS",
    debug=DEBUG,
    dev_value="dev1:ZGV2LW9ubHktZmllbGQta2V5LTMyLWJ5dGVzLWxvbmc=",
)
# HMAC key of the national-id blind index: separate from the encryption keys.
BLIND_INDEX_KEY = required_secret(
    "BLIND_INDEX_KEY", debug=DEBUG, dev_value="ZGV2LW9ubHktYmxpbmQtaW5kZXgta2V5LTMyYnl0ZXM="
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "guardian",
    "auditlog",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "agencies",
    "incidents",
    "fusion",
    "analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The console's static files (vendored libraries included), in every mode of serving.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "fusion.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "fusion.console.language.ConsoleLanguageMiddleware",
    "fusion.console.headers.ConsoleHeadersMiddleware",
    "agencies.session_lifetime.SessionLifetimeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as axes documents: it turns a login refused during a lockout into a 429.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "agencies.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]

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
                "fusion.console.navigation.console",
            ]
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'fusion.sqlite3'}"), conn_max_age=0
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded default serves requests and in-process tasks from threads of one process:
    # a write waits for the one before it (up to 30 s) instead of failing "database is
    # locked", and a transaction takes the write lock at its start, so two transactions
    # that read and then write cannot deadlock on upgrading their locks.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=30, transaction_mode="IMMEDIATE", init_command="PRAGMA journal_mode=WAL;"
    )
if DATABASES["default"]["ENGINE"].endswith("postgresql") and env_int("DATABASE_POOL_MAX", 0):
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": env_int("DATABASE_POOL_MAX", 0),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# The console's languages (fusion.console.language); the API speaks the contract's English.
LANGUAGES = [("en", "English"), ("ur", "اردو")]
LOGIN_URL = "console:sign-in"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Served by WhiteNoise from the collected files, or found in the apps when not collected
# (development and tests, where it need not warn that nothing was collected).
WHITENOISE_USE_FINDERS = True
warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")

# Bulk ingest posts up to FUSION_BULK_MAX incidents in one JSON body; size the body limit for it.
FUSION_BULK_MAX = env_int("FUSION_BULK_MAX", 5000)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("FUSION_MAX_BODY_BYTES", 16 * 1024 * 1024)
# How far in the future (clock skew) a reported time may lie.
FUSION_FUTURE_TOLERANCE = timedelta(minutes=env_int("FUSION_FUTURE_TOLERANCE_MINUTES", 10))
FUSION_PURPOSE_MIN_LENGTH = env_int("FUSION_PURPOSE_MIN_LENGTH", 5)
# The district register ingest and the incident filters check names and places against
# (incidents.districts): a packaged one (balochistan, san-francisco), a path to a file of the
# same format, or "off" for data of no known province (no district checks).
FUSION_DISTRICT_REGISTER = env_str("FUSION_DISTRICT_REGISTER", "balochistan")
# New deconfliction hints an agency's writes may find in 24 hours (fusion.sharing.match_hints).
FUSION_MATCH_HINT_BUDGET = env_int("FUSION_MATCH_HINT_BUDGET", 200)
# Audit checkpoints (fusion.audit.checkpoint): the Ed25519 signing key (base64 of a 32-byte
# seed; keep it off the database host's disk if you can), the public key verifiers use
# (default: the signing key's), and the folder beat writes a checkpoint to every day.
AUDIT_CHECKPOINT_KEY = env_str("AUDIT_CHECKPOINT_KEY", "")
AUDIT_CHECKPOINT_PUBLIC_KEY = env_str("AUDIT_CHECKPOINT_PUBLIC_KEY", "")
AUDIT_CHECKPOINT_DIR = env_str("AUDIT_CHECKPOINT_DIR", "")
# Complaints: days oversight has to decide one.
FUSION_COMPLAINT_DAYS = env_int("FUSION_COMPLAINT_DAYS", 30)
# A share made by approving an access request lasts this many days unless the approval names
# its own expiry.
FUSION_SHARE_DEFAULT_DAYS = env_int("FUSION_SHARE_DEFAULT_DAYS", 90)
# No share, explicit or by approval, may be given an expiry further away than this many days.
FUSION_SHARE_MAX_DAYS = env_int("FUSION_SHARE_MAX_DAYS", 365)
# Retention (fusion.retention): days an agency keeps the persons of an incident of a category
# it set no period for (five years), counted from reported_at; hours a dry run's counts stand
# before the daily run applies them (agency admins may place legal holds meanwhile);
# incidents per committed batch. Audit entries are kept at least FUSION_AUDIT_MIN_RETENTION_DAYS
# (a check refuses under 183); Fusion itself never deletes one.
FUSION_RETENTION_DEFAULT_DAYS = env_int("FUSION_RETENTION_DEFAULT_DAYS", 1826)
FUSION_RETENTION_NOTICE_HOURS = env_int("FUSION_RETENTION_NOTICE_HOURS", 20)
FUSION_RETENTION_BATCH = env_int("FUSION_RETENTION_BATCH", 500)
FUSION_AUDIT_MIN_RETENTION_DAYS = env_int("FUSION_AUDIT_MIN_RETENTION_DAYS", 365)
# Misuse monitoring (fusion.oversight.read_monitor): a user whose person reads or exported
# incidents in one window (hours, aligned on the epoch: UTC days by default) exceed
# max(FACTOR x their agency's norm, the measure's floor) raises a finding for oversight. The
# norm is the median of the agency's other users' reading windows over the window and the
# BASELINE_WINDOWS before it.
MONITOR_READS_WINDOW_HOURS = env_int("MONITOR_READS_WINDOW_HOURS", 24)
MONITOR_READS_BASELINE_WINDOWS = env_int("MONITOR_READS_BASELINE_WINDOWS", 28)
MONITOR_READS_FACTOR = float(env_str("MONITOR_READS_FACTOR", "5"))
MONITOR_READS_FLOOR_PERSON_READS = env_int("MONITOR_READS_FLOOR_PERSON_READS", 20)
MONITOR_READS_FLOOR_EXPORTED = env_int("MONITOR_READS_FLOOR_EXPORTED", 2000)
# Bias drift (fusion.oversight.bias_drift): per agency and method, over the results approved
# in the last LOOKBACK_DAYS, a district above its disparity limit, or flags repeated above
# the persistence limit, in at least MIN_RESULTS results raise a finding for oversight.
BIAS_DRIFT_LOOKBACK_DAYS = env_int("BIAS_DRIFT_LOOKBACK_DAYS", 90)
BIAS_DRIFT_MIN_RESULTS = env_int("BIAS_DRIFT_MIN_RESULTS", 3)
# Metric drift (fusion.oversight.metric_drift): per agency and method, over the flags of results
# approved in the last LOOKBACK_DAYS that have an outcome, a realised hit rate (forecast) or link
# precision credibly below (one-sided binomial, p < ALPHA) the promised one x (1 - TOLERANCE),
# or a false-positive rate (hotspots, surges) credibly above FALSE_POSITIVE_CEILING, raise a
# finding for oversight; with fewer than MIN_INCIDENTS incidents (forecast) or MIN_FLAGS flags
# (others) nothing is tested.
DRIFT_LOOKBACK_DAYS = env_int("DRIFT_LOOKBACK_DAYS", 90)
DRIFT_ALPHA = float(env_str("DRIFT_ALPHA", "0.01"))
DRIFT_TOLERANCE = float(env_str("DRIFT_TOLERANCE", "0.2"))
DRIFT_FALSE_POSITIVE_CEILING = float(env_str("DRIFT_FALSE_POSITIVE_CEILING", "0.5"))
DRIFT_MIN_INCIDENTS = env_int("DRIFT_MIN_INCIDENTS", 30)
DRIFT_MIN_FLAGS = env_int("DRIFT_MIN_FLAGS", 20)
# Transparency statistics: counts from 1 to this minus one are suppressed (k-anonymity of cells).
FUSION_TRANSPARENCY_MIN_CELL = env_int("FUSION_TRANSPARENCY_MIN_CELL", 10)
# Proxies whose X-Forwarded-For is believed; everyone else is recorded by REMOTE_ADDR.
FUSION_TRUSTED_PROXIES = env_list("FUSION_TRUSTED_PROXIES")
FUSION_SERVICE_TOKEN_TTL = timedelta(days=env_int("FUSION_SERVICE_TOKEN_TTL_DAYS", 365))
FUSION_IDEMPOTENCY_TTL = timedelta(hours=env_int("FUSION_IDEMPOTENCY_TTL_HOURS", 24))

# The cache holds the throttle counters (DRF): every API process must share one for a limit to
# hold across processes and machines. CACHE_URL names a Redis database (redis://, rediss://,
# unix://), e.g. redis://127.0.0.1:6379/1 beside the broker's /0. Without it each process
# counts alone in its own memory: fine for one process (make run); `check --deploy` warns
# (fusion.W014).
CACHE_URL = env_str("CACHE_URL")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": CACHE_URL,
        "KEY_PREFIX": "fusion",
        # A Redis that hangs must not hang every request with it.
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["agencies.api.permissions.IsActiveUser"],
    "DEFAULT_PARSER_CLASSES": ["fusion.api.parsers.LimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "fusion.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "fusion.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "fusion.api.throttling.UserRateThrottle",
        "fusion.api.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env_str("FUSION_THROTTLE_USER", "6000/min"),
        "auth": env_str("FUSION_THROTTLE_AUTH", "30/min"),
        "export": env_str("FUSION_THROTTLE_EXPORT", "120/hour"),
        "complaints": env_str("FUSION_THROTTLE_COMPLAINTS", "20/hour"),
        "transparency": env_str("FUSION_THROTTLE_TRANSPARENCY", "120/hour"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "UNAUTHENTICATED_USER": None,
}

REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env_int("FUSION_USER_TOKEN_TTL_HOURS", 10)),
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_PREFIX": "fsn_",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Fusion API",
    "DESCRIPTION": (
        "Multi-agency security-data fusion: incidents shared under object permissions, "
        "every change audited. Objects you may not see answer 404, exactly like missing ones."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "agencies.choices.Role",
        "PersonRoleEnum": "incidents.choices.PersonRole",
        "TlpEnum": "incidents.choices.TLP",
        "IncidentStatusEnum": "incidents.choices.Status",
        "AccessRequestStatusEnum": "fusion.choices.RequestStatus",
        "AgencyKindEnum": "agencies.choices.AgencyKind",
        "AssessmentKindEnum": "analytics.choices.Kind",
        "AssessmentStatusEnum": "analytics.choices.Status",
        "ComplaintStatusEnum": "fusion.choices.ComplaintStatus",
        "ComplaintAboutEnum": "fusion.choices.ComplaintAbout",
        "MethodStatusEnum": "analytics.choices.MethodStatus",
    },
}

# Celery: without a broker, tasks run in-process (the embedded default).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 600)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 660)
# Redis redelivers unacknowledged tasks after this; keep it above the longest hard limit.
_LONGEST_TASK = max(CELERY_TASK_TIME_LIMIT, env_int("ASSESSMENT_TIME_LIMIT", 1860))
# A broker that accepts connections but does not answer (stopped, overloaded, black-holed)
# must not hold a request or the outbox relay: time out, and the relay tries again later.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 2 * _LONGEST_TASK + 3600,
    "socket_connect_timeout": env_int("CELERY_BROKER_CONNECT_TIMEOUT", 3),
    "socket_timeout": env_int("CELERY_BROKER_SOCKET_TIMEOUT", 5),
}
CELERY_BROKER_CONNECTION_TIMEOUT = env_int("CELERY_BROKER_CONNECT_TIMEOUT", 3)
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "expire-shares": {"task": "fusion.shares_expire", "schedule": 300.0},
    "seal-audit": {"task": "fusion.audit_seal", "schedule": 60.0},
    "checkpoint-audit": {"task": "fusion.audit.checkpoint", "schedule": 86400.0},
    "standing-assessments": {"task": "analytics.standing_due", "schedule": 3600.0},
    "sweep-assessments": {"task": "analytics.sweep", "schedule": 30.0},
    "relay-outbox": {"task": "fusion.outbox_relay", "schedule": 30.0},
    "weekly-reports": {"task": "analytics.reports_due", "schedule": 86400.0},
    "unusual-reads": {"task": "fusion.unusual_reads_check", "schedule": 3600.0},
    "bias-drift": {"task": "fusion.bias_drift_check", "schedule": 86400.0},
    "metric-drift": {"task": "fusion.metric_drift_check", "schedule": 86400.0},
    "retention": {"task": "fusion.retention_run", "schedule": 86400.0},
    "flag-outcomes": {"task": "analytics.flags_update", "schedule": 3600.0},
}

# Assessments: limits of one run and of what one user may ask for at once.
ASSESSMENT_SOFT_TIME_LIMIT = env_int("ASSESSMENT_SOFT_TIME_LIMIT", 1800)
ASSESSMENT_TIME_LIMIT = env_int("ASSESSMENT_TIME_LIMIT", 1860)
ASSESSMENT_MAX_OPEN_PER_USER = env_int("ASSESSMENT_MAX_OPEN_PER_USER", 3)
ASSESSMENT_MAX_INPUTS = env_int("ASSESSMENT_MAX_INPUTS", 2_000_000)
ASSESSMENT_MAX_WINDOW_DAYS = env_int("ASSESSMENT_MAX_WINDOW_DAYS", 1096)
# Link checks read their window in chunks on the worker, so they may look back 40 years.
ASSESSMENT_MAX_LINK_WINDOW_DAYS = env_int("ASSESSMENT_MAX_LINK_WINDOW_DAYS", 14_610)
ASSESSMENT_MAX_AREA_KM2 = env_int("ASSESSMENT_MAX_AREA_KM2", 1_000_000)
# Grid cells of one hotspots or forecast run (memory: about 0.6 GB per million cells).
ASSESSMENT_MAX_CELLS = env_int("ASSESSMENT_MAX_CELLS", 1_000_000)
# Runs started this often without finishing (a worker lost or killed) are failed.
ASSESSMENT_MAX_ATTEMPTS = env_int("ASSESSMENT_MAX_ATTEMPTS", 3)
# A hot cell's flag is about this many days after its assessment's window (analytics.flags).
FLAG_HOTSPOT_DAYS = env_int("FLAG_HOTSPOT_DAYS", 7)
# A queued run whose task was sent this long ago (seconds) is sent again: the message was lost.
ASSESSMENT_REQUEUE_AFTER = env_int("ASSESSMENT_REQUEUE_AFTER", 900)
# A running attempt renews its lease every ASSESSMENT_HEARTBEAT seconds; a lease not renewed
# for ASSESSMENT_LEASE seconds marks the attempt lost, and the next upkeep round (every
# FUSION_UPKEEP_INTERVAL seconds, on every worker, with or without beat) resumes the run or
# fails it with the reason. A lost run is so handled within LEASE + UPKEEP_INTERVAL seconds.
ASSESSMENT_LEASE = env_int("ASSESSMENT_LEASE", 60)
ASSESSMENT_HEARTBEAT = env_int("ASSESSMENT_HEARTBEAT", 15)
FUSION_UPKEEP_INTERVAL = env_int("FUSION_UPKEEP_INTERVAL", 15)
# Sent tasks stay in the outbox this many days (for inspection), then are deleted.
OUTBOX_KEEP_DAYS = env_int("OUTBOX_KEEP_DAYS", 7)

# Audit: our own log-entry model carries acting agency, purpose and outcome.
AUDITLOG_LOGENTRY_MODEL = "fusion.AuditEntry"
AUDITLOG_MASK_CALLABLE = "fusion.audit.redact"
AUDITLOG_CID_GETTER = "fusion.request_context.correlation_id"
AUDITLOG_DISABLE_REMOTE_ADDR = False
# auditlog's migrations create its own LogEntry table even though ours replaces it; skip them,
# so no unused, unaudited copy of the table exists.
MIGRATION_MODULES = {"auditlog": None}

# Covering indexes (INCLUDE) speed up PostgreSQL; SQLite builds them without the extra columns.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
# Lockout is per username on purpose: locking an address would lock out everyone behind one
# NAT or proxy. Addresses are throttled by DRF (FUSION_THROTTLE_AUTH) instead.
SILENCED_SYSTEM_CHECKS += ["axes.W006"]

GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None

# Login lockout (django-axes): this many failed logins of one username (any address, any login
# path: token, admin) lock it for this long; a success resets the count. Attempts during a
# lockout do not extend it. Per-address throttling (FUSION_THROTTLE_AUTH) applies on top.
AXES_FAILURE_LIMIT = env_int("FUSION_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("FUSION_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "agencies.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "fusion.middleware.client_address"
AXES_DISABLE_ACCESS_LOG = True  # successful logins are in our audit trail
# Second factor (django-otp, TOTP with recovery codes): required of platform admins, agency
# admins and oversight members unless turned off; off by default in debug (the demo).
FUSION_REQUIRE_2FA = env_bool("FUSION_REQUIRE_2FA", default=not DEBUG)
OTP_TOTP_ISSUER = env_str("FUSION_OTP_ISSUER", "Fusion")

# Sessions (the admin): end after this long idle, and this long after login whatever happens.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("FUSION_SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
FUSION_SESSION_MAX_AGE = timedelta(hours=env_int("FUSION_SESSION_MAX_HOURS", 12))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    # Secure unless switched off for a plain-HTTP trial; `check --deploy` refuses that
    # (fusion.checks).
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
}
