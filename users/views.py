"""djoser's token login with the per-username rate limit added."""

from djoser.views import TokenCreateView
from rest_framework.settings import api_settings

from .throttling import LoginRateThrottle


class LoginView(TokenCreateView):
    """Exchange a username and password for an API token."""

    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, LoginRateThrottle]
