"""Builders for users, albums, photos and in-memory image files."""

import io
import itertools
import os

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.authtoken.models import Token

from gallery.models import Album, Photo
from users.models import User

_numbers = itertools.count(1)
PASSWORD = "correct-horse-battery-9"


def make_user(**fields):
    """Create a user with a unique name and the shared test password."""
    number = next(_numbers)
    fields.setdefault("username", f"user{number}")
    fields.setdefault("email", f"user{number}@example.com")
    return User.objects.create_user(password=PASSWORD, **fields)


def make_album(owner, title="Holidays"):
    """Create an album for a user."""
    return Album.objects.create(owner=owner, title=title)


def image_bytes(
    image_format="JPEG", size=(64, 48), mode="RGB", color=(200, 40, 40), **save_options
):
    """Encode a plain image in memory and return the bytes."""
    if mode in ("RGBA", "LA") and isinstance(color, tuple) and len(color) == 3:
        color = (*color, 128)
    image = Image.new(mode, size, color)
    buffer = io.BytesIO()
    image.save(buffer, image_format, **save_options)
    return buffer.getvalue()


def upload_file(content=None, name="photo.jpg", content_type="image/jpeg"):
    """Wrap bytes as an uploaded file, a JPEG by default."""
    if content is None:
        content = image_bytes()
    return SimpleUploadedFile(name, content, content_type=content_type)


def make_photo(album, title="Sunset", content=None, name="photo.jpg"):
    """Create a photo through the same path an upload takes."""
    return Photo.objects.create_from_upload(
        album=album, title=title, upload=upload_file(content, name)
    )


def noise_image_bytes(image_format="PNG", size=(200, 200)):
    """Encode random pixels, which barely compress, and return the bytes."""
    width, height = size
    image = Image.frombytes("RGB", size, os.urandom(width * height * 3))
    buffer = io.BytesIO()
    image.save(buffer, image_format)
    return buffer.getvalue()


def token_for(account):
    """Return the API token key of a user, creating it when needed."""
    token, _created = Token.objects.get_or_create(user=account)
    return token.key


def make_viewed_photo(owner, views, title="Sunset"):
    """Create a photo for a user in a new album and set its view count."""
    created = make_photo(make_album(owner), title=title)
    Photo.objects.filter(pk=created.pk).update(views=views)
    created.views = views
    return created
