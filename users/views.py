"""djoser's account views with the product's access rules added."""

from djoser import views as djoser_views
from djoser.views import TokenCreateView
from rest_framework.settings import api_settings

from .throttling import LoginRateThrottle


class LoginView(TokenCreateView):
    """Exchange a username and password for an API token."""

    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, LoginRateThrottle]


class UserViewSet(djoser_views.UserViewSet):
    """djoser's account endpoints, where other users' ids are not found.

    djoser hides other users only from the list, so its detail routes return
    403 for another user's id and 404 for a free one, which reveals which ids
    exist.
    """

    # Accounts are active from registration (SEND_ACTIVATION_EMAIL is off),
    # so djoser's activation routes are not served. activation/ accepts any
    # token of Django's default generator, so a password reset token would
    # reactivate an account that an operator deactivated.
    activation = None
    resend_activation = None
    # Ids are numbers, so "activation/" is not taken for one either.
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        queryset = super().get_queryset()
        user = self.request.user
        if user.is_authenticated and not user.is_staff:
            queryset = queryset.filter(pk=user.pk)
        return queryset
