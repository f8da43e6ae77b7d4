"""OpenAPI corrections for djoser views that drf-spectacular cannot infer."""

from drf_spectacular.extensions import OpenApiViewExtension
from drf_spectacular.utils import extend_schema


class TokenDestroyViewFix(OpenApiViewExtension):
    """Token logout takes no body and returns 204 with no content."""

    target_class = "djoser.views.TokenDestroyView"

    def view_replacement(self):
        @extend_schema(request=None, responses={204: None})
        # target_class is a class once drf-spectacular resolves the dotted
        # path, which pylint cannot see.
        class Fixed(  # pylint: disable=too-few-public-methods,inherit-non-class
            self.target_class
        ):
            """Revoke the current token."""

        return Fixed
