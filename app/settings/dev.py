"""Local development: debug on, a fixed throwaway secret key, SQLite."""

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")

from .base import *  # noqa: E402,F403  pylint: disable=wildcard-import,unused-wildcard-import,wrong-import-position
