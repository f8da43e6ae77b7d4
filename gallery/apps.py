"""Gallery app configuration."""

import mimetypes

import pillow_heif
from django.apps import AppConfig


class GalleryConfig(AppConfig):
    """Albums, photos, their files and background jobs."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "gallery"

    def ready(self):
        # HEIF/HEIC files are never accepted as uploads (those are decoded as
        # PNG or JPEG only), but the seed command converts phone photos in
        # that format when it imports a folder.
        pillow_heif.register_heif_opener()
        # The media view takes content types from mimetypes, whose table also
        # reads the system's mime.types; fix the slideshow type either way.
        mimetypes.add_type("video/webm", ".webm")
        # pylint: disable-next=import-outside-toplevel,unused-import
        from . import signals  # noqa: F401
