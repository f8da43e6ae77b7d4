"""Signed, expiring links to stored files.

A link carries the storage name signed with the secret key and a timestamp.
It is a bearer link, so it works in an ``<img>`` tag without the API token;
it names one file only and stops working after
``GALLERY_MEDIA_URL_MAX_AGE`` seconds.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "gallery.media"


def sign(name):
    """Return the signed token for a storage name."""
    return signing.dumps(name, salt=SALT, compress=True)


def unsign(token):
    """Return the storage name in a token.

    Raises ``signing.SignatureExpired`` for an expired token and
    ``signing.BadSignature`` for any other invalid one.
    """
    return signing.loads(token, salt=SALT, max_age=settings.GALLERY_MEDIA_URL_MAX_AGE)


# Stands in for the token when the media URL is reversed once for many files.
_TOKEN_PLACEHOLDER = "token"


def media_url_prefix(request):
    """Return the media view's URL up to the token, absolute with a request.

    ``reverse()`` and ``build_absolute_uri()`` cost more than signing, so a
    list reverses once and appends each token. Tokens contain only URL-safe
    base64 characters, ``:`` and ``.``, which ``reverse()`` leaves unquoted,
    so the result is the same.
    """
    path = reverse("media", kwargs={"token": _TOKEN_PLACEHOLDER})
    path = path[: -len(_TOKEN_PLACEHOLDER)]
    if request is None:
        return path
    return request.build_absolute_uri(path)


def build_url(request, field_file, prefix=None):
    """Return the absolute signed URL of a stored file.

    ``prefix`` is ``media_url_prefix(request)`` when the caller has it.
    """
    if prefix is None:
        prefix = media_url_prefix(request)
    return prefix + sign(field_file.name)
