"""One error body for every object that is missing or someone else's."""

from django.http import Http404
from rest_framework import views
from rest_framework.exceptions import NotFound


def exception_handler(exc, context):
    """Handle errors as DRF does, but return "Not found." for every Http404.

    Django's Http404 from get_object() reads "No Photo matches the given
    query.", which differs by model from the API's own 404s.
    """
    if isinstance(exc, Http404):
        exc = NotFound()
    return views.exception_handler(exc, context)
