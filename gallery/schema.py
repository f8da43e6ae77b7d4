"""OpenAPI generation that documents the error responses every view can send.

drf-spectacular documents only the success response of each operation, yet
DRF returns 401 for a bad token, 400 for failed validation, 404 for an
unknown or foreign id or page and 429 when throttled. A client generated from
the schema needs those too.
"""

import re

from drf_spectacular import openapi

ERROR_SCHEMA = {
    "type": "object",
    "description": (
        'Either {"detail": message} or field names, each with a list of messages.'
    ),
    "additionalProperties": True,
}

ERRORS = {
    "400": "Invalid input; the body names each problem.",
    "401": "Missing, invalid or revoked token.",
    "403": "Authenticated but not allowed.",
    "404": "Not found, or owned by another user.",
    "429": "Too many requests; retry later.",
}
BODY_ERRORS = {
    "413": "The request body is larger than any valid upload.",
    "415": "Unsupported content type.",
}


# Python's \w, \d, \s and \b match any Unicode letter, digit or space, but
# in an OpenAPI pattern (ECMA-262) they are ASCII only. Django's username
# pattern ^[\w.@+-]+ accepts "ú", which a schema validator would reject.
_UNICODE_CLASSES = re.compile(r"\\[wWdDsSbB]")


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema with error responses and portable patterns."""

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        pattern = schema.get("pattern")
        if pattern and _UNICODE_CLASSES.search(pattern):
            # The pattern would mean something narrower to clients; the
            # server still applies the full rule and reports a 400.
            del schema["pattern"]

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = dict(ERRORS)
        if self.method in ("POST", "PUT", "PATCH"):
            errors.update(BODY_ERRORS)
        for status, description in errors.items():
            responses.setdefault(
                status,
                {
                    "content": {"application/json": {"schema": ERROR_SCHEMA}},
                    "description": description,
                },
            )
        return responses
