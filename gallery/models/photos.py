"""Albums, photos and the files derived from each photo."""

import logging
import os
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import F

from ..jobs import queue_on_commit
from ..media import images
from ..querysets import AlbumQuerySet, PhotoQuerySet

logger = logging.getLogger(__name__)


def random_name(folder, extension):
    """Return a storage name that reveals nothing about the upload."""
    key = uuid.uuid4().hex
    return f"{folder}/{key[:2]}/{key}{extension}"


# Callers pass a name whose extension comes from the decoded format, never the
# client's file name.
def _original_upload_to(_instance, filename):
    return random_name("originals", os.path.splitext(filename)[1])


def _derivative_upload_to(_instance, filename):
    return random_name("derivatives", os.path.splitext(filename)[1])


class Album(models.Model):
    """A named collection of one user's photos."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="albums"
    )
    title = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AlbumQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self):
        return self.title


class PhotoManager(models.Manager.from_queryset(PhotoQuerySet)):
    """Creates photos from uploads, keeping storage and database in step."""

    def create_from_upload(self, *, album, title, upload, checked=None):
        """Check an upload, store it with its thumbnail and queue the WebP job.

        ``checked`` is the result of ``Photo.check_upload()`` when the caller
        has already run it. Raises ``images.InvalidImage`` for a file that
        breaks the rules. If anything fails after a file was written, the
        files are removed again, so a failed upload leaves no row and no
        file behind.
        """
        if checked is None:
            checked = Photo.check_upload(upload)
        photo = self.model(
            owner_id=album.owner_id,
            album=album,
            title=title,
            format=checked.format,
            width=checked.width,
            height=checked.height,
            size=upload.size,
        )
        stored = []
        try:
            photo.image.save(f"original{checked.extension}", upload, save=False)
            stored.append(photo.image.name)
            with transaction.atomic():
                photo.save()
                thumbnail = PhotoDerivative(
                    photo=photo, kind=PhotoDerivative.Kind.THUMBNAIL
                )
                thumbnail.set_rendition(checked.thumbnail)
                stored.append(thumbnail.file.name)
                thumbnail.save()
                photo.queue_webp()
        except BaseException:
            for name in stored:
                photo.image.storage.delete(name)
            raise
        logger.info(
            "Photo %s uploaded by user %s (%s, %dx%d, %d bytes)",
            photo.pk,
            photo.owner_id,
            photo.format,
            photo.width,
            photo.height,
            photo.size,
        )
        return photo


class Photo(models.Model):
    """An uploaded picture with its counters; files live in storage."""

    class Status(models.TextChoices):
        PROCESSING = "processing", "WebP copy being made"
        READY = "ready", "Ready"
        FAILED = "failed", "WebP copy failed"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="photos"
    )
    album = models.ForeignKey(Album, on_delete=models.CASCADE, related_name="photos")
    title = models.CharField(max_length=200)
    image = models.FileField(upload_to=_original_upload_to, max_length=255)
    format = models.CharField(max_length=4, editable=False)
    width = models.PositiveIntegerField(editable=False)
    height = models.PositiveIntegerField(editable=False)
    size = models.PositiveIntegerField("size in bytes", editable=False)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PROCESSING
    )
    views = models.PositiveBigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PhotoManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at"]),
            models.Index(fields=["owner", "-views", "-created_at"]),
            models.Index(fields=["-views", "-created_at"]),
        ]

    def __str__(self):
        return self.title

    @property
    def content_type(self):
        """MIME type of the original file."""
        return images.CONTENT_TYPES[self.format]

    @staticmethod
    def check_upload(upload):
        """Apply the upload rules in settings; return the thumbnail and facts.

        Raises ``images.InvalidImage`` naming the broken rule.
        """
        return images.check_upload(
            upload,
            max_bytes=settings.GALLERY_MAX_UPLOAD_BYTES,
            max_pixels=settings.GALLERY_MAX_IMAGE_PIXELS,
            thumbnail_size=settings.GALLERY_THUMBNAIL_SIZE,
        )

    def get_derivative(self, kind):
        """Return this photo's derivative of one kind, or None.

        Reads the prefetched set when there is one, so lists stay at a fixed
        number of queries.
        """
        for derivative in self.derivatives.all():
            if derivative.kind == kind:
                return derivative
        return None

    def register_view(self):
        """Add one to the view count in a single UPDATE and reload it.

        The F-expression makes the database do the addition, so concurrent
        requests never overwrite each other's count.
        """
        type(self).objects.filter(pk=self.pk).update(views=F("views") + 1)
        self.refresh_from_db(fields=["views"])

    def queue_webp(self):
        """Queue the job that makes the WebP copy once this transaction commits."""
        queue_on_commit("gallery.tasks.render_webp", self.pk)

    def render_webp(self):
        """Make the WebP copy of the original and mark the photo ready.

        A rerun replaces the earlier copy. A photo that cannot be decoded is
        marked failed; a photo deleted meanwhile leaves no file behind.
        """
        try:
            with self.image.open("rb") as source:
                rendition = images.make_webp(
                    source,
                    quality=settings.GALLERY_WEBP_QUALITY,
                    method=settings.GALLERY_WEBP_METHOD,
                )
        except images.DECODE_ERRORS:
            logger.exception("WebP copy of photo %s failed", self.pk)
            type(self).objects.filter(pk=self.pk).update(status=self.Status.FAILED)
            self.status = self.Status.FAILED
            return None
        derivative = PhotoDerivative.objects.store(
            self, PhotoDerivative.Kind.WEBP, rendition, status=self.Status.READY
        )
        if derivative is not None:
            self.status = self.Status.READY
            logger.info(
                "WebP copy of photo %s ready (%d bytes)", self.pk, rendition.size
            )
        return derivative


class PhotoDerivativeManager(models.Manager):
    """Stores derived files so that a rerun replaces instead of duplicating."""

    def store(self, photo, kind, rendition, *, status):
        """Store a rendition as the photo's derivative of ``kind``.

        Sets the photo's status in the same transaction. Returns None, and
        removes the new file, when the photo was deleted meanwhile.
        """
        derivative = self.model(photo_id=photo.pk, kind=kind)
        derivative.set_rendition(rendition)
        try:
            with transaction.atomic():
                # The UPDATE locks the photo row, so a concurrent delete waits
                # for this transaction and then removes the new derivative too.
                found = Photo.objects.filter(pk=photo.pk).update(status=status)
                if not found:
                    raise Photo.DoesNotExist
                previous = self.filter(photo_id=photo.pk, kind=kind)
                for old in previous:
                    old.delete()
                derivative.save()
        except BaseException as error:
            derivative.file.storage.delete(derivative.file.name)
            if isinstance(error, Photo.DoesNotExist):
                logger.info(
                    "Photo %s was deleted before its %s was stored", photo.pk, kind
                )
                return None
            raise
        return derivative


class PhotoDerivative(models.Model):
    """A file made from a photo's original: its thumbnail or WebP copy."""

    class Kind(models.TextChoices):
        THUMBNAIL = "thumbnail", "Thumbnail"
        WEBP = "webp", "WebP"

    photo = models.ForeignKey(
        Photo, on_delete=models.CASCADE, related_name="derivatives"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    file = models.FileField(upload_to=_derivative_upload_to, max_length=255)
    format = models.CharField(max_length=4)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField("size in bytes")

    objects = PhotoDerivativeManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["photo", "kind"], name="unique_derivative_per_kind"
            )
        ]

    def __str__(self):
        return f"{self.kind} of photo {self.photo_id}"

    @property
    def content_type(self):
        """MIME type of the file."""
        return images.CONTENT_TYPES[self.format]

    def set_rendition(self, rendition):
        """Write a rendition to storage under a random name and copy its facts."""
        self.format = rendition.format
        self.width = rendition.width
        self.height = rendition.height
        self.size = rendition.size
        self.file.save(
            f"derivative{rendition.extension}",
            ContentFile(rendition.content),
            save=False,
        )
