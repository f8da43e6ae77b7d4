"""Settings shared by every environment, read from environment variables.

The variable names are Django's own (``DATABASE_URL``, ``SECRET_KEY``,
``EMAIL_HOST``...). ``dev``, ``test`` and ``prod`` only change defaults.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

SECRET_KEY = env("SECRET_KEY")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "djoser",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "users",
    "gallery",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "app.urls"
WSGI_APPLICATION = "app.wsgi.application"

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
            ],
        },
    },
]

# Database: SQLite needs no set-up; PostgreSQL (psycopg 3) is the production
# database, e.g. DATABASE_URL=postgres://user@127.0.0.1:5432/photos.
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process and the job worker write to the same file. IMMEDIATE
    # transactions take the write lock up front and the busy timeout waits for
    # it, so neither fails with "database is locked"; WAL lets reads go on
    # during a write.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "users.User"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")

# Uploaded photos and generated files. MEDIA_ROOT is private: no URL maps to
# it, and files reach clients only through signed, expiring links.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Uploads larger than this go to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Only the photo upload takes multipart bodies (with a size limit).
    "DEFAULT_PARSER_CLASSES": ["gallery.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "gallery.pagination.PageNumberPagination",
    "EXCEPTION_HANDLER": "gallery.exceptions.exception_handler",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "gallery.schema.AutoSchema",
    "DEFAULT_METADATA_CLASS": "gallery.metadata.ViewMetadata",
    # Anonymous clients only reach the auth endpoints, so the anonymous rate
    # is the brake on password guessing and mass registration.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("THROTTLE_ANON_RATE", default="30/minute"),
        "user": env("THROTTLE_USER_RATE", default="2000/minute"),
        "login": env("THROTTLE_LOGIN_RATE", default="10/minute"),
        "upload": env("THROTTLE_UPLOAD_RATE", default="60/minute"),
    },
    # Throttles identify clients by REMOTE_ADDR. Behind a reverse proxy, set
    # NUM_PROXIES to the number of proxies so X-Forwarded-For is read; with
    # 0 a client cannot dodge the limits by sending that header itself.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # ASCII-only JSON: error messages that echo the input stay encodable
    # even when the input contains a lone surrogate such as "\ud800".
    "UNICODE_JSON": False,
}

DJOSER = {
    "USER_ID_FIELD": "id",
    "LOGIN_FIELD": "username",
    "USER_CREATE_PASSWORD_RETYPE": False,
    "SERIALIZERS": {
        "user_create": "users.serializers.UserCreateSerializer",
        "user": "users.serializers.UserSerializer",
        "current_user": "users.serializers.UserSerializer",
        "set_username": "users.serializers.SetUsernameSerializer",
        "password_reset": "users.serializers.SendEmailResetSerializer",
        "username_reset": "users.serializers.SendEmailResetSerializer",
        "username_reset_confirm": "users.serializers.UsernameResetConfirmSerializer",
    },
    "HIDE_USERS": True,
    "LOGOUT_ON_PASSWORD_CHANGE": True,
    # There is no web front end to link to: these emails carry the uid and
    # token that a client posts to reset_password_confirm/ or
    # reset_username_confirm/.
    "PASSWORD_RESET_CONFIRM_URL": "reset-password/{uid}/{token}",
    "USERNAME_RESET_CONFIRM_URL": "reset-username/{uid}/{token}",
    "ACTIVATION_URL": "activate/{uid}/{token}",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Photo album API",
    "DESCRIPTION": (
        "Private photo albums. Authenticate with `Authorization: Token <key>` "
        "from `auth/token/login/`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Background jobs: django-q2 with its ORM broker on the default database.
Q_CLUSTER = {
    "name": "gallery",
    "orm": "default",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": 300,
    "retry": 360,
    "max_attempts": 3,
    "catch_up": False,
    "sync": env.bool("Q_SYNC", default=False),
    "poll": 0.5,
    "ack_failures": True,
}

# Email. Without EMAIL_HOST messages are printed to the console.
EMAIL_HOST = env("EMAIL_HOST", default="")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
# EMAIL_USE_TLS is STARTTLS on a plain port (usually 587). EMAIL_USE_SSL is
# TLS from the first byte (usually 465). Django raises ValueError when both
# are set.
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="photos@localhost")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)

# Photo rules.
GALLERY_MAX_UPLOAD_BYTES = env.int("GALLERY_MAX_UPLOAD_BYTES", default=5_242_880)
# Decoded size cap against decompression bombs: 50 megapixels is above any
# phone camera that fits in 5 MiB and needs about 200 MB to decode as RGBA.
GALLERY_MAX_IMAGE_PIXELS = env.int("GALLERY_MAX_IMAGE_PIXELS", default=50_000_000)
GALLERY_THUMBNAIL_SIZE = 150
GALLERY_WEBP_QUALITY = env.int("GALLERY_WEBP_QUALITY", default=80)
GALLERY_WEBP_METHOD = env.int("GALLERY_WEBP_METHOD", default=0)
# Lifetime of signed media links, in seconds.
GALLERY_MEDIA_URL_MAX_AGE = env.int("GALLERY_MEDIA_URL_MAX_AGE", default=3600)
# When set (e.g. "/protected/"), media responses carry X-Accel-Redirect to
# this internal nginx location instead of streaming the file from Django.
GALLERY_ACCEL_REDIRECT_PREFIX = env("GALLERY_ACCEL_REDIRECT_PREFIX", default="")
GALLERY_TOP_SIZE = 10
# Slideshow videos: a 16:9 frame this many pixels wide (rounded down to an
# even number; the height follows), each photo shown this many seconds. The
# pictures are still, so a low frame rate looks the same and encodes faster.
GALLERY_SLIDESHOW_FRAME_WIDTH = env.int("GALLERY_SLIDESHOW_FRAME_WIDTH", default=1280)
GALLERY_SLIDESHOW_SECONDS_PER_PHOTO = env.int(
    "GALLERY_SLIDESHOW_SECONDS_PER_PHOTO", default=3
)
GALLERY_SLIDESHOW_FPS = env.int("GALLERY_SLIDESHOW_FPS", default=2)
# RGB colour of the bars and of transparent areas.
GALLERY_SLIDESHOW_BACKGROUND = (0, 0, 0)

LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "gallery": {"level": LOG_LEVEL},
        "users": {"level": LOG_LEVEL},
    },
}
