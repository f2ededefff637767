"""FedOrg settings, read from the environment.

FEDORG_ENV=production turns DEBUG off, requires a real SECRET_KEY and enables the
HTTPS hardening that `manage.py check --deploy` asks for. DATABASE_URL picks the
database; without it the app runs on an SQLite file beside manage.py.
"""

import os
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

DEV_SECRET_KEY = "fedorg-development-key-not-for-production"  # noqa: S105 - refused in production


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


FEDORG_ENV = os.environ.get("FEDORG_ENV", "development")
if FEDORG_ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured(f"FEDORG_ENV must be development, production or test, not {FEDORG_ENV!r}")
PRODUCTION = FEDORG_ENV == "production"

SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
if PRODUCTION and (SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured("FEDORG_ENV=production needs SECRET_KEY set to a random string of 50+ characters")

DEBUG = env_bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "mptt",
    "rest_framework",
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "fedorg",
    "orgtree",
    "jobs",
    "members",
    "selection",
    "grassroots",
    "reports",
    "returns",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "fedorg.middleware.IdleSessionRefreshMiddleware",
    # Reads of a browser that just wrote stay on the primary (fedorg.dbrouting; inert without a replica).
    "fedorg.dbrouting.ReplicaMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "fedorg.middleware.ContentSecurityPolicyMiddleware",  # django-csp, 404 pages under DEBUG included
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "web.urls"
WSGI_APPLICATION = "web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "returns.context_processors.notifications",
            ],
        },
    },
]

# An empty DATABASE_URL (a common shell mistake) means "not set", not "no database".
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip() or f"sqlite:///{BASE_DIR / 'fedorg.sqlite3'}"
try:
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")))
    }
except ValueError as e:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL Django understands: {e}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE makes every transaction take the write lock at BEGIN, so two tree writers
    # can never interleave read-then-write on SQLite (PostgreSQL uses an advisory lock).
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 30})
DATABASES["default"]["ATOMIC_REQUESTS"] = True

# An optional PostgreSQL hot standby of the primary (docs/deploy.md). Unset: no `replica` alias, no router,
# everything on the primary. Set: fedorg.dbrouting sends the 附表, dashboards, compliance, exports and the
# reading of export jobs there; the rest stays on the primary.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "").strip()
if DATABASE_REPLICA_URL:
    try:
        _replica = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")))
    except ValueError as e:
        raise ImproperlyConfigured(f"DATABASE_REPLICA_URL is not a database URL Django understands: {e}") from None
    if _replica["ENGINE"] != "django.db.backends.postgresql" or DATABASES["default"]["ENGINE"] != _replica["ENGINE"]:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs PostgreSQL, as DATABASE_URL: a standby of the primary")
    # A stopped standby must cost a page a moment, not a long TCP timeout (it is then skipped for a while).
    _replica.setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    # Tests: the replica reads the standby's copy of the primary's test database (same NAME, its own server).
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"] = _replica
    DATABASE_ROUTERS = ["fedorg.dbrouting.ReplicaRouter"]
# Reads go to the replica at all (tests turn it on where they check it: their data is committed and replayed).
REPLICA_READS = env_bool("FEDORG_REPLICA_READS", default=FEDORG_ENV != "test")
# After a request that writes, the same browser reads from the primary for this long (its own write shows).
REPLICA_PIN_SECONDS = int(os.environ.get("FEDORG_REPLICA_PIN_SECONDS", "15"))
# A standby that did not answer is left alone this long before it is tried again.
REPLICA_RETRY_SECONDS = int(os.environ.get("FEDORG_REPLICA_RETRY_SECONDS", "30"))
# A background job reads the standby once it has replayed what was committed when the job was queued, waiting
# at most this long; then it reads the primary.
REPLICA_WAIT_SECONDS = float(os.environ.get("FEDORG_REPLICA_WAIT_SECONDS", "10"))
# A page read from the standby says how far behind it is past this many seconds.
REPLICA_LAG_NOTICE_SECONDS = int(os.environ.get("FEDORG_REPLICA_LAG_NOTICE_SECONDS", "5"))

AUTH_USER_MODEL = "orgtree.User"
AUTH_PASSWORD_VALIDATORS = [
    # Our subclasses of Django's validators, with plain Chinese messages (orgtree/passwords.py).
    {"NAME": "orgtree.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "orgtree.passwords.UsernameInPasswordValidator"},
    {"NAME": "orgtree.passwords.UserAttributeSimilarityValidator"},
    {"NAME": "orgtree.passwords.CommonPasswordValidator"},
    {"NAME": "orgtree.passwords.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out username+IP before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend reading the user's unit in the same statement (a session signed in under the
    # old path "django.contrib.auth.backends.ModelBackend" signs in once more).
    "orgtree.backends.ModelBackend",
]
# Lockout: 5 failures for one username from one IP lock that pair out for 15 minutes. Not the
# IP-only default, which would lock a whole office behind one NAT out because of one typist.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "fedorg.security.lockout_response"  # the Chinese lockout page
AXES_CLIENT_IP_CALLABLE = "fedorg.security.client_ip"  # FORWARDED_FOR_TRUSTED behind the proxy
AXES_USERNAME_CALLABLE = "fedorg.security.lockout_username"  # case-folded, as logins are
AXES_VERBOSE = False

# Sessions end after SESSION_IDLE_MINUTES without a request: fedorg.middleware renews the
# expiry at most once a minute while the user is active.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_MINUTES", "30")) * 60

# Content-Security-Policy (django-csp): scripts and styles only from our own static files, so an
# injected <script> or on*="..." attribute never runs. Templates carry no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
# Our wording for the few Django messages whose stock Chinese reads badly (locale/zh_Hans/LC_MESSAGES/django.po).
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Seal images are stored under MEDIA_ROOT but no URL serves MEDIA_URL: they are assets, served only through the
# access rule (orgtree:seal_image), and frozen into each submitted return (returns.SealImage). See docs/deploy.md.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Uploads: roster files are capped at 10 MB in the import engine; allow that through.
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# The API (/api/v1/, docs/api.md): the browser uses its session, scripts a token issued on /tokens/.
# No Basic auth: a script never holds a person's password.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # No Basic auth: a password-taking API path would bypass the login lockout.
        "orgtree.api_auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["orgtree.api_auth.TokenScopePermission"],
    # JSON only: a body in any other format is 415. The roster import, the one upload, names
    # MultiPartParser on its own view (members.api.RosterImport).
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "fedorg.restapi.Pagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "fedorg.restapi.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"verify": os.environ.get("FEDORG_API_VERIFY_RATE", "30/min")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "妇联组织管理系统 API",
    "DESCRIPTION": (
        "组织机构、人员任职、名册导入、统计报表（附表1–5）与报表报送的接口。"
        "浏览器使用登录会话；脚本使用管理员在“接口令牌”页面签发的令牌："
        "`Authorization: Bearer <令牌>`。所有数据只限账号（或令牌）所属组织及其下级。"
        '错误统一为 `{"error": {"code": …, "message": …, "fields": {…}}}`。'
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Two choice sets are called "status" (a return's, a candidate's): each gets a name of its own.
    "ENUM_NAME_OVERRIDES": {
        "ReturnStatusEnum": "returns.models.Return.Status",
        "CandidateStatusEnum": "selection.models.Candidate.Status",
        "ActivityKindEnum": "grassroots.models.WomenHomeActivity.Kind",
        "OrganisationKindEnum": "grassroots.models.Organisation.Kind",
        "UnitKindEnum": "orgtree.models.Unit.Kind",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "fedorg.restapi.add_error_responses",
    ],
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "fedorg@localhost")

# Uploads (fedorg.uploads): each import or verification runs under a wall-time and memory budget.
UPLOAD_BUDGET = {
    "import": {
        "seconds": float(os.environ.get("FEDORG_IMPORT_SECONDS", "120")),
        "memory_mb": int(os.environ.get("FEDORG_IMPORT_MEMORY_MB", "1024")),
    },
    "verify": {
        "seconds": float(os.environ.get("FEDORG_VERIFY_SECONDS", "20")),
        "memory_mb": int(os.environ.get("FEDORG_VERIFY_MEMORY_MB", "512")),
    },
}
# Background jobs (jobs/, `manage.py run_jobs`): where finished files wait for their requester, 24 hours.
# Never under MEDIA_ROOT, which is served publicly.
JOB_FILES_DIR = Path(os.environ.get("JOB_FILES_DIR", BASE_DIR / "var" / "jobs"))
# A worker's claim on a job lasts this long without a heartbeat (its thread beats every quarter of it); then
# another worker puts the job back in the queue. Short enough to recover a killed worker's job soon.
JOB_LEASE_SECONDS = float(os.environ.get("FEDORG_JOB_LEASE_SECONDS", "60"))

# Rate limits (fedorg/ratelimit.py) count in the database, so every web process and machine shares
# one count (issue 25: with a per-process cache, 4 gunicorn workers allowed 4x the limit). Django's
# database cache needs no new service; its table is made by migration orgtree 0010. The default cache
# (dashboards, per process) stays in local memory.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "shared": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "fedorg_shared_cache",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    },
}

# The public /verify/ page: uploads per client IP per minute (shared cache; see returns views).
VERIFY_UPLOADS_PER_MINUTE = int(os.environ.get("FEDORG_VERIFY_UPLOADS_PER_MINUTE", "10"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

# A province's 附表 and dashboard count their cold cities side by side, one database connection each
# (reports.percity; PostgreSQL only). Measured on 2 cores: bench/RESULTS.md, 2026-12-07 "the province per city".
REPORT_CITY_WORKERS = int(os.environ.get("REPORT_CITY_WORKERS", "2"))

if FEDORG_ENV == "test":
    # A test's data is in its own open transaction: other connections would not see it.
    REPORT_CITY_WORKERS = 1
    JOB_FILES_DIR = Path(tempfile.mkdtemp(prefix="fedorg-test-jobs-"))
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        # A file, not Django's default in-memory database: in memory, the browser tests' live server
        # would share the test's own connection across threads, and a request still running when a
        # test ends corrupts that connection's transaction state for every later test (Django's
        # LiveServerTestCase warns of it; seen in CI as TransactionManagementError in the live server
        # and a dashboard cache bypassed after it). On a file each thread has its own connection and
        # SQLite's locks order them, as in production. /dev/shm keeps it in memory all the same;
        # pytest-django adds _gw0, _gw1 ... per xdist worker, the run id keeps two runs apart.
        _shm = Path("/dev/shm")  # noqa: S108 (a throwaway test database, named by run id)
        _run = os.environ.get("PYTEST_XDIST_TESTRUNUID") or str(os.getpid())
        DATABASES["default"]["TEST"] = {
            "NAME": str((_shm if _shm.is_dir() else Path(tempfile.gettempdir())) / f"fedorg-test-{_run[:12]}.sqlite3")
        }
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
