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
    return signing.loads(
        token, salt=SALT, max_age=settings.GALLERY_MEDIA_URL_MAX_AGE
    )


def build_url(request, field_file):
    """Return the absolute signed URL of a stored file."""
    path = reverse("media", kwargs={"token": sign(field_file.name)})
    if request is None:
        return path
    return request.build_absolute_uri(path)
