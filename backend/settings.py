"""Ladenkarte settings: every deployment-specific value comes from the environment.

Defaults make a laptop demo work (local PostGIS, no Redis: local-memory cache and eager Celery).
With DEBUG off the settings refuse to start with the default secret key and turn on HTTPS hardening.
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

INSECURE_SECRET_KEY = "django-insecure-ladenkarte-development-only"  # noqa: S105 - the value we refuse in production


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def database_from_url(url: str) -> dict[str, object]:
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql", "postgis"}:
        raise ImproperlyConfigured("DATABASE_URL must be a postgresql:// URL (PostGIS is the only database).")
    return {
        "ENGINE": "backend.postgis",  # PostGIS with a cheaper health check (backend/postgis/base.py)
        "NAME": unquote(parsed.path.lstrip("/")) or "ladenkarte",
        "USER": unquote(parsed.username or "postgres"),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or ""),
        "CONN_MAX_AGE": env_int("CONN_MAX_AGE", 600),
        "CONN_HEALTH_CHECKS": True,
        # tells operators (pg_stat_activity) which process holds a connection: web, worker, ...
        # jit off: the search's short statements never gain from JIT, and a cost misestimate once made every
        # text search compile for ~470 ms (issue 14); set per connection so no server default can flip it.
        "OPTIONS": {
            "application_name": env_str("DATABASE_APPLICATION_NAME", "ladenkarte"),
            "options": "-c jit=off",
            # Prepared statements only for `marketplace.infrastructure.prepared` (server-side binding): a
            # statement is prepared on its connection after this many runs; the project's other cursors
            # bind on the client and are never prepared.
            "prepare_threshold": env_int("DATABASE_PREPARE_THRESHOLD", 2),
        },
    }


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", INSECURE_SECRET_KEY)
if not DEBUG and (SECRET_KEY == INSECURE_SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a long random value when DEBUG is off "
        '(python -c "import secrets; print(secrets.token_urlsafe(64))").'
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "marketplace.admin_site.LadenkarteAdminConfig",  # Django's admin with the city workspace
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "rest_framework",
    "rest_framework_gis",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "marketplace",
    "geo",
    "api",
    "frontend",
    "ops",
]

MIDDLEWARE = [
    "ops.middleware.RequestObservabilityMiddleware",  # first: times and logs every request, metrics
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "api.middleware.ApiLanguageMiddleware",  # the API follows Accept-Language (no path prefix)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "frontend.middleware.SecurityHeadersMiddleware",
    "api.middleware.ApiTextInputMiddleware",  # NUL in an API path or query: 404 / 400, never a 500
    "backend.middleware.DatabaseUnavailableMiddleware",  # a lost database connection: 503, never a 500
]

ROOT_URLCONF = "backend.urls"
WSGI_APPLICATION = "backend.wsgi.application"
ASGI_APPLICATION = "backend.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "frontend.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(env_str("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/ladenkarte")),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis down: reads miss, writes are skipped (backend/cache.py); a hung Redis costs at most the
            # timeout per call.
            "BACKEND": "backend.cache.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "ladenkarte",
            "OPTIONS": {
                "socket_connect_timeout": env_float("REDIS_SOCKET_TIMEOUT", 0.5),
                "socket_timeout": env_float("REDIS_SOCKET_TIMEOUT", 0.5),
            },
        }
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ladenkarte"}
    }

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL or env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "reservations-sweep": {"task": "marketplace.tasks.reservations_sweep", "schedule": 60.0},
    "reservations-remind": {"task": "marketplace.tasks.reservations_remind", "schedule": 300.0},
    "idempotency-purge": {"task": "marketplace.tasks.idempotency_records_purge", "schedule": 3600.0},
    "search-words-refresh": {"task": "marketplace.tasks.search_words_refresh", "schedule": 3600.0},
    # Data health: the town's totals once a day, the "is your stock still true?" e-mail once a week.
    "data-health-snapshot": {"task": "marketplace.tasks.data_health_snapshot", "schedule": 86400.0},
    "stale-stock-remind": {"task": "marketplace.tasks.stale_stock_remind", "schedule": 7 * 86400.0},
    "jobs-expiry-remind": {"task": "marketplace.tasks.jobs_remind_expiring", "schedule": 3600.0},
    "outbox-dispatch": {
        "task": "marketplace.tasks.outbox_dispatch",
        "schedule": float(env_int("LADENKARTE_OUTBOX_INTERVAL", 5)),
        # a tick that waited longer than the interval is dropped: the next one does the same work
        "options": {"expires": float(env_int("LADENKARTE_OUTBOX_INTERVAL", 5))},
    },
    "outbox-purge": {"task": "marketplace.tasks.outbox_purge", "schedule": 86400.0},
    "connectors-pull-due": {"task": "marketplace.tasks.connectors_pull_due", "schedule": 60.0},
    "alerts-purge": {"task": "marketplace.tasks.alerts_purge", "schedule": 86400.0},
    "signups-purge": {"task": "marketplace.tasks.signups_purge", "schedule": 3600.0},
}
# Without a worker (tasks run eagerly: laptop demo, tests) outbox rows are delivered right after the commit
# in the writing process; with one, the beat task `outbox-dispatch` delivers them.
LADENKARTE_OUTBOX_DELIVER_ON_COMMIT = env_bool(
    "LADENKARTE_OUTBOX_DELIVER_ON_COMMIT", CELERY_TASK_ALWAYS_EAGER
)
LADENKARTE_OUTBOX_KEEP_DAYS = env_int("LADENKARTE_OUTBOX_KEEP_DAYS", 14)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/admin/login/"

# Language and time: German first, English second; times shown in the shop's zone.
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("Deutsch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Berlin")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Files only the application reads (uploaded CSV imports): never under MEDIA_ROOT, never served.
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "private")))
# Uploaded photos go through Django's storage API: local disk under MEDIA_ROOT by default, or an
# S3-compatible bucket (AWS, MinIO, Hetzner, ...) through django-storages when LADENKARTE_S3_BUCKET is set
# (decision 1600). The credentials are the usual AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY environment
# variables, read by boto3 itself. Photos are public (no signed URLs): MEDIA_URL is the bucket's URL.
LADENKARTE_S3_BUCKET = env_str("LADENKARTE_S3_BUCKET")
DEFAULT_FILE_STORAGE_OPTIONS: dict[str, object] = {}
if LADENKARTE_S3_BUCKET:
    DEFAULT_FILE_STORAGE_OPTIONS = {
        "bucket_name": LADENKARTE_S3_BUCKET,
        "endpoint_url": env_str("LADENKARTE_S3_ENDPOINT_URL") or None,
        "region_name": env_str("LADENKARTE_S3_REGION") or None,
        "custom_domain": env_str("LADENKARTE_S3_CUSTOM_DOMAIN") or None,
        "location": env_str("LADENKARTE_S3_PREFIX", "media"),
        "querystring_auth": False,
        "default_acl": None,
        "file_overwrite": False,
        "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
    }
    MEDIA_URL = env_str("LADENKARTE_S3_MEDIA_URL") or MEDIA_URL
STORAGES = {
    "default": (
        {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": DEFAULT_FILE_STORAGE_OPTIONS}
        if LADENKARTE_S3_BUCKET
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "sent-mail"))  # for the file-based backend
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)  # an SMTP server that hangs must not hold a dispatcher forever
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Ladenkarte <noreply@ladenkarte.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's parsers, refusing NUL and lone surrogates in any text of a body (api/parsers.py)
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.JSONParser",
        "api.parsers.FormParser",
        "api.parsers.MultiPartParser",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Ladenkarte API",
    "DESCRIPTION": "Find what the town's independent shops have in stock, reserve it, collect it today.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "PostKindEnum": "marketplace.models.Post.Kind",
        "JobKindEnum": "marketplace.models.JobPosting.Kind",
        "StockModeEnum": "marketplace.models.StockMode",
        "AvailabilityEnum": "marketplace.selectors.stock.AVAILABILITY_LABELS",
    },
}

# Region: the town the portal serves.
LADENKARTE_TOWN = env_str("LADENKARTE_TOWN", "Lüneburg")
# The town's colours in the HTML e-mails (decision 2100): header and links, text on the header.
LADENKARTE_EMAIL_COLOURS = {
    "primary": env_str("LADENKARTE_EMAIL_COLOUR_PRIMARY", "#0b5d4b"),
    "on_primary": env_str("LADENKARTE_EMAIL_COLOUR_ON_PRIMARY", "#ffffff"),
    "accent": env_str("LADENKARTE_EMAIL_COLOUR_ACCENT", "#f4b860"),
}
_center = env_list("LADENKARTE_MAP_CENTER", "53.2489,10.4077")
LADENKARTE_MAP_CENTER = (float(_center[0]), float(_center[1]))
LADENKARTE_MAP_ZOOM = env_int("LADENKARTE_MAP_ZOOM", 14)
LADENKARTE_STATE = env_str("LADENKARTE_STATE", "NI")  # Bundesland for public holidays (holidays package code)
# Basemap: raster tiles from TILE_URL, or - when BASEMAP_PMTILES names a PMTiles file of the region - a
# vector basemap served by us (the browser reads the file with range requests; no third party).
LADENKARTE_TILE_URL = env_str("TILE_URL") or "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
LADENKARTE_TILE_ATTRIBUTION = env_str(
    "TILE_ATTRIBUTION", '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
)
LADENKARTE_BASEMAP_PMTILES = env_str("BASEMAP_PMTILES")  # path of the region's .pmtiles file
LADENKARTE_BASEMAP_URL = (
    "/basemap/" + Path(LADENKARTE_BASEMAP_PMTILES).name if LADENKARTE_BASEMAP_PMTILES else ""
)
LADENKARTE_OPERATOR = {
    "name": env_str("IMPRINT_NAME", "Hansestadt Lüneburg, Stadtmarketing"),
    "address": env_str("IMPRINT_ADDRESS", "Am Markt 1, 21335 Lüneburg"),
    "email": env_str("IMPRINT_EMAIL", "stadtmarketing@ladenkarte.example"),
    "phone": env_str("IMPRINT_PHONE", "+49 4131 000000"),
    "represented_by": env_str("IMPRINT_REPRESENTED_BY", "Die Oberbürgermeisterin"),
}

# Business rules that are settings.
LADENKARTE_STOCK_FRESH_DAYS = env_int("LADENKARTE_STOCK_FRESH_DAYS", 14)
# Claim codes for listings imported from OpenStreetMap: valid this many days, tries per client.
LADENKARTE_CLAIM_CODE_DAYS = env_int("LADENKARTE_CLAIM_CODE_DAYS", 60)
LADENKARTE_CLAIM_RATE = env_str("LADENKARTE_CLAIM_RATE", "10/h")
# Admin login attempts, per client and per user name (decision 1200; django-axes was not added).
LADENKARTE_ADMIN_LOGIN_RATE = env_str("LADENKARTE_ADMIN_LOGIN_RATE", "10/h")
# The public shop registration (decision 1200): attempts per client (registrations, new links, confirmations)
# and e-mails per address; an unconfirmed registration lapses after this many hours (link and account).
LADENKARTE_SIGNUP_RATE = env_str("LADENKARTE_SIGNUP_RATE", "10/h")
LADENKARTE_SIGNUP_EMAIL_RATE = env_str("LADENKARTE_SIGNUP_EMAIL_RATE", "5/d")
LADENKARTE_SIGNUP_VERIFY_HOURS = env_int("LADENKARTE_SIGNUP_VERIFY_HOURS", 48)
# The city admin's upload of the town's extract (a town cut out with osmium is a few MB). Behind the
# proxy the upload and the import must fit in gunicorn's 30 s; bigger regions: `manage.py import_osm`.
# deploy/Caddyfile lets bodies of this size through on that one path only.
LADENKARTE_OSM_MAX_BYTES = env_int("LADENKARTE_OSM_MAX_BYTES", 64 * 1024 * 1024)
LADENKARTE_LIMITED_THRESHOLD = 2  # 1-2 left is "limited"
LADENKARTE_MAX_ACTIVE_RESERVATIONS_PER_EMAIL = env_int("LADENKARTE_MAX_ACTIVE_RESERVATIONS_PER_EMAIL", 5)
# "tell me when it's here" (decision 1700): active alerts per e-mail address
LADENKARTE_MAX_ALERTS_PER_EMAIL = env_int("LADENKARTE_MAX_ALERTS_PER_EMAIL", 5)
LADENKARTE_MAX_UNITS_PER_LINE = env_int("LADENKARTE_MAX_UNITS_PER_LINE", 10)
LADENKARTE_RESERVATION_RATE = env_str("LADENKARTE_RESERVATION_RATE", "20/h")
# Anti-hoarding per person (normalised e-mail) and for unconfirmed holds (decision 0201).
LADENKARTE_MAX_UNITS_PER_PERSON_PRODUCT = env_int("LADENKARTE_MAX_UNITS_PER_PERSON_PRODUCT", 10)
LADENKARTE_MAX_UNITS_PER_PERSON_SHOP = env_int("LADENKARTE_MAX_UNITS_PER_PERSON_SHOP", 20)
LADENKARTE_HOLD_CONFIRM_ABOVE_UNITS = env_int("LADENKARTE_HOLD_CONFIRM_ABOVE_UNITS", 2)
LADENKARTE_UNCONFIRMED_SHARE_PERCENT = env_int("LADENKARTE_UNCONFIRMED_SHARE_PERCENT", 30)
LADENKARTE_HOLD_CONFIRM_MINUTES = env_int("LADENKARTE_HOLD_CONFIRM_MINUTES", 15)
# Stock modes (decision 1600): an "in stock / sold out" product can be held at most this many units at a
# time by one hold, and the shop confirms such a hold (marks it ready) within this many minutes of the
# pickup start, or it expires.
LADENKARTE_TOGGLE_MAX_UNITS = env_int("LADENKARTE_TOGGLE_MAX_UNITS", 2)
LADENKARTE_SHOP_CONFIRM_MINUTES = env_int("LADENKARTE_SHOP_CONFIRM_MINUTES", 120)
LADENKARTE_IDEMPOTENCY_HOURS = env_int("LADENKARTE_IDEMPOTENCY_HOURS", 24)
# Proxies in front of the app whose X-Forwarded-For entries are trusted (rate limits key on the client IP).
LADENKARTE_TRUSTED_PROXIES = env_int("LADENKARTE_TRUSTED_PROXIES", 0)
# Or, better, the networks of those proxies (CIDRs, comma-separated): X-Forwarded-For is read only when the
# connection comes from one of them, and the client is the right-most address that is not one of them.
LADENKARTE_TRUSTED_PROXY_NETWORKS = env_list("LADENKARTE_TRUSTED_PROXY_NETWORKS", "")
LADENKARTE_SYNC_MAX_ROWS = 10_000
# Per-process caches (pickup board) rebuild a value that is only too old in a background thread while
# requests keep using it. The tests switch it off (tests/conftest.py): they pin `now` and change data.
LADENKARTE_CACHE_BACKGROUND_REFRESH = env_bool("LADENKARTE_CACHE_BACKGROUND_REFRESH", True)
# A sync confirming an unchanged quantity refreshes `stock_updated_at` only when it is older than this,
# so a till syncing every few minutes does not rewrite every row each time.
LADENKARTE_STOCK_CONFIRM_SECONDS = env_int("LADENKARTE_STOCK_CONFIRM_SECONDS", 3600)
LADENKARTE_CSV_ASYNC_ROWS = env_int("LADENKARTE_CSV_ASYNC_ROWS", 2000)
LADENKARTE_CSV_MAX_ROWS = env_int("LADENKARTE_CSV_MAX_ROWS", 100_000)
LADENKARTE_WEBHOOK_MAX_ATTEMPTS = env_int("LADENKARTE_WEBHOOK_MAX_ATTEMPTS", 6)
LADENKARTE_WEBHOOK_DISABLE_AFTER = env_int("LADENKARTE_WEBHOOK_DISABLE_AFTER", 20)
LADENKARTE_WEBHOOK_TIMEOUT = env_int("LADENKARTE_WEBHOOK_TIMEOUT", 5)
# Webhooks reach public addresses only, also with DEBUG (decision 1200). A private CA bundle for receivers'
# certificates (empty: the system's). The test seam: loopback "address:port" pairs of fake receivers, read
# from the environment only with DEBUG on (the fault-injection stack); pytest sets it per test.
LADENKARTE_WEBHOOK_CA_FILE = env_str("LADENKARTE_WEBHOOK_CA_FILE", "")
LADENKARTE_WEBHOOK_TEST_ALLOW = env_list("LADENKARTE_WEBHOOK_TEST_ALLOW", "")
if LADENKARTE_WEBHOOK_TEST_ALLOW and not DEBUG:
    raise ImproperlyConfigured("LADENKARTE_WEBHOOK_TEST_ALLOW is a test seam: it is refused with DEBUG off.")
if any(not entry.startswith(("127.0.0.1:", "[::1]:")) for entry in LADENKARTE_WEBHOOK_TEST_ALLOW):
    raise ImproperlyConfigured("LADENKARTE_WEBHOOK_TEST_ALLOW takes loopback address:port pairs only.")
# Till connectors (issue 16): how often a pull connector asks its till for changes.
LADENKARTE_CONNECTOR_PULL_SECONDS = env_int("LADENKARTE_CONNECTOR_PULL_SECONDS", 900)
# DSFinV-K: an article sold within this many days is shown as "sold recently" (likely in stock).
LADENKARTE_SOLD_RECENTLY_DAYS = env_int("LADENKARTE_SOLD_RECENTLY_DAYS", 30)
LADENKARTE_CSV_MAX_BYTES = env_int("LADENKARTE_CSV_MAX_BYTES", 10 * 1024 * 1024)
# Search events (for the city's insights) are buffered per process and written in batches of this many,
# or when the oldest buffered one is older than this many seconds.
LADENKARTE_SEARCH_EVENT_BATCH = env_int("LADENKARTE_SEARCH_EVENT_BATCH", 50)
LADENKARTE_SEARCH_EVENT_MAX_AGE = env_float("LADENKARTE_SEARCH_EVENT_MAX_AGE", 5.0)
# Insights show a search text only when at least this many searches used it (privacy: no one-off texts).
LADENKARTE_INSIGHTS_MIN_COUNT = env_int("LADENKARTE_INSIGHTS_MIN_COUNT", 1)
LADENKARTE_DEFAULT_PRICE_CURRENCY = "EUR"
LADENKARTE_MAX_PRICE = Decimal("100000.00")
# The shop's own voice (decision 1800): posts, job postings, share cards.
LADENKARTE_POSTS_PER_DAY = env_int("LADENKARTE_POSTS_PER_DAY", 3)  # per shop and local day
LADENKARTE_POST_MAX_DAYS = env_int("LADENKARTE_POST_MAX_DAYS", 30)  # longest a post may be shown
LADENKARTE_POST_MAX_PRODUCTS = 5
LADENKARTE_JOBS_PER_DAY = env_int("LADENKARTE_JOBS_PER_DAY", 5)
LADENKARTE_JOBS_OPEN_MAX = env_int("LADENKARTE_JOBS_OPEN_MAX", 10)  # valid postings per shop at once
LADENKARTE_JOB_MAX_DAYS = env_int("LADENKARTE_JOB_MAX_DAYS", 180)
LADENKARTE_JOB_REMINDER_DAYS = 3  # the shop is e-mailed this many days before a posting ends
LADENKARTE_UPLOAD_MAX_BYTES = env_int("LADENKARTE_UPLOAD_MAX_BYTES", 8 * 1024 * 1024)
LADENKARTE_UPLOAD_MAX_PIXELS = 40_000_000  # decompression bombs are refused before decoding
LADENKARTE_PHOTO_MAX_SIDE = 1600
LADENKARTE_PHOTO_THUMB_SIDE = 400  # product photo thumbnails (WebP) for result lists and feeds

DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

GEOCODER = env_str("GEOCODER", "nominatim")
GEOCODER_URL = env_str("GEOCODER_URL", "")  # e.g. http://127.0.0.1:8080 for a self-hosted Nominatim
GEOCODER_USER_AGENT = env_str("GEOCODER_USER_AGENT", "ladenkarte/1.0 (stadtmarketing@ladenkarte.example)")
GEOCODER_TIMEOUT = env_int("GEOCODER_TIMEOUT", 5)
# One outside request per this many seconds for the whole site, across processes (Nominatim's policy: 1/s);
# when the slot is taken the page answers without the outside call (decision 1200).
GEOCODER_MIN_DELAY_SECONDS = env_float("GEOCODER_MIN_DELAY_SECONDS", 1.0)
GEOCODER_MISS_CACHE_SECONDS = env_int("GEOCODER_MISS_CACHE_SECONDS", 600)  # "not found" is kept 10 minutes
# Outside geocoder lookups per client (address fields of the search and the registration).
LADENKARTE_GEOCODE_CLIENT_RATE = env_str("LADENKARTE_GEOCODE_CLIENT_RATE", "20/h")
GEOCODER_COUNTRY_CODES = env_str("GEOCODER_COUNTRY_CODES", "de")  # comma-separated ISO codes

# Trust X-Forwarded-Proto only when a TLS proxy that overwrites it is the only way to the app (compose sets
# this for Caddy). Anywhere else a client could claim HTTPS by sending the header itself.
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    if BEHIND_TLS_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # probes and the metrics scrape speak plain HTTP inside the compose network
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# GDAL < 3.9 cannot block file/network access while parsing spatial references; we never parse
# user-supplied spatial references (points are built from validated floats), so the warning does not apply.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# Logs: one JSON object per line in production (LOG_FORMAT=json, the default with DEBUG off), readable lines
# in development. Both redact e-mail addresses, tokens and keys (ops/logs.py); one line per request comes
# from ops.middleware.RequestObservabilityMiddleware (route, status, duration, user kind - never the path).
LOG_FORMAT = env_str("LOG_FORMAT", "console" if DEBUG else "json")
if LOG_FORMAT not in {"json", "console"}:
    raise ImproperlyConfigured("LOG_FORMAT must be json or console.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "ops.logs.RedactingJsonFormatter"},
        "console": {"()": "ops.logs.RedactingConsoleFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # the request line comes from our middleware; Django's own "Not Found: /path" lines and runserver's
        # access lines (with paths and query strings, i.e. reservation tokens) add nothing
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
    },
}

# Metrics (/metrics, Prometheus): open to these networks (requests that came through the proxy never are)
# or to `Authorization: Bearer <token>` whose SHA-256 hex is METRICS_TOKEN_SHA256. With several processes
# (gunicorn workers, Celery) each writes to PROMETHEUS_MULTIPROC_DIR and /metrics sums METRICS_DIRS.
METRICS_TOKEN_SHA256 = env_str("METRICS_TOKEN_SHA256").strip().lower()
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS", "127.0.0.1/32,::1/128")
METRICS_DIRS = env_list("METRICS_DIRS", env_str("PROMETHEUS_MULTIPROC_DIR"))

# Error reporting to Sentry (or a compatible service such as GlitchTip) when SENTRY_DSN is set; personal
# data is scrubbed before anything leaves (ops/sentry.py).
SENTRY_DSN = env_str("SENTRY_DSN")
if SENTRY_DSN:
    from ops.sentry import sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        environment=env_str("SENTRY_ENVIRONMENT", "production"),
        traces_sample_rate=env_float("SENTRY_TRACES_SAMPLE_RATE", 0.0),
    )
