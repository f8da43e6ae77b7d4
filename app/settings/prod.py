"""Production: every secret comes from the environment; HTTPS assumed."""

from .base import *  # noqa: F403  pylint: disable=wildcard-import,unused-wildcard-import
from .base import env

SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
