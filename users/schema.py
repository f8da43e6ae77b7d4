"""OpenAPI corrections for djoser views that drf-spectacular cannot infer."""

from drf_spectacular.extensions import OpenApiViewExtension
from drf_spectacular.utils import extend_schema


class TokenDestroyViewFix(OpenApiViewExtension):
    """Token logout takes no body and returns 204 with no content."""

    target_class = "djoser.views.TokenDestroyView"

    def view_replacement(self):
        @extend_schema(request=None, responses={204: None})
        # pylint cannot see that target_class is resolved to a class here.
        class Fixed(self.target_class):  # pylint: disable=inherit-non-class
            """Revoke the current token."""

        return Fixed
