"""Request body parsers that fail with a 4xx on hostile bodies.

JSON is the only format the API accepts by default; multipart is parsed
only by the photo upload, with a size limit checked before reading.
"""

from django.conf import settings
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import MultiPartParser

# Room for the multipart boundaries, headers and the other form fields.
MULTIPART_OVERHEAD_BYTES = 65_536


class RequestTooLarge(APIException):
    """413: the declared body size is beyond what any valid upload needs."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


class UploadSizeLimitedMultiPartParser(MultiPartParser):
    """Check Content-Length first, so a huge body is never read at all."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = parser_context["request"]
        limit = settings.GALLERY_MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            raise RequestTooLarge(
                f"The request body is {length} bytes; a photo may be at most "
                f"{settings.GALLERY_MAX_UPLOAD_BYTES} bytes."
            )
        return super().parse(stream, media_type, parser_context)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with a 400 for nesting too deep to decode.

    About a thousand nested brackets exhaust Python's recursion limit in the
    json module, which would otherwise end in a 500.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise ParseError("JSON parse error - nested too deeply.") from error
