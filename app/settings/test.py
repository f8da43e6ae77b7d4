"""Test suite: fast hashing, jobs run in-process, files in a temporary folder."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-insecure-key")
os.environ.setdefault("Q_SYNC", "true")
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="gallery-test-media-"))

from .base import *  # noqa: E402,F403  pylint: disable=wildcard-import,unused-wildcard-import,wrong-import-position

# pylint: disable-next=wrong-import-position
from .base import BASE_DIR, DATABASES, REST_FRAMEWORK  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not the in-memory default, so a job worker started as a child
    # process by the tests uses the same test database.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / ".test-db.sqlite3")}

# Small frames keep the real encodes in the suite fast.
GALLERY_SLIDESHOW_FRAME_WIDTH = 320

REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    "anon": "10000/minute",
    "user": None,
    "login": "10000/minute",
    "upload": None,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": "WARNING"},
}

# Django's live test server wraps the app in a handler that serves MEDIA_URL
# and fails on every request when it is None. A URL on another host makes
# that handler serve nothing, so media stay reachable only by signed links.
MEDIA_URL = "https://media.invalid/"
