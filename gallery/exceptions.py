"""Error bodies: one for every object that is missing or someone else's, and
400s for constraint conflicts."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import views
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings


def exception_handler(exc, context):
    """Handle errors as DRF does, but return "Not found." for every Http404.

    Django's Http404 from get_object() reads "No Photo matches the given
    query.", which differs by model from the API's own 404s. A Django
    ValidationError, which a model raises when a concurrent request broke
    one of its constraints, becomes a 400 with the same messages.
    """
    if isinstance(exc, Http404):
        exc = NotFound()
    elif isinstance(exc, DjangoValidationError):
        detail = as_serializer_error(exc)
        if NON_FIELD_ERRORS in detail:
            detail[api_settings.NON_FIELD_ERRORS_KEY] = detail.pop(NON_FIELD_ERRORS)
        exc = ValidationError(detail)
    return views.exception_handler(exc, context)
