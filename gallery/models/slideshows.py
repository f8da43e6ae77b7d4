"""Slideshows: WebM videos of a top-10 photo ranking, built by a background job."""

import hashlib
import json
import logging
import tempfile
from dataclasses import asdict
from functools import partial
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from ..jobs import queue_on_commit
from ..media import video
from ..querysets import SlideshowQuerySet
from .photos import Photo, random_name

logger = logging.getLogger(__name__)

# Progress is written to the database in steps of this many percent, so a
# long encode costs about 20 small UPDATEs, not one per frame.
PROGRESS_STEP = 5


class NoPhotos(ValueError):
    """A slideshow was requested for a scope that has no photos."""


class SlideshowBusy(Exception):
    """The user already has a slideshow queued or being built."""

    def __init__(self, pending):
        super().__init__(
            f"Slideshow {pending.pk} is still being built; wait until it is "
            "ready or failed, or delete it, before requesting another."
        )
        self.pending = pending


def _video_upload_to(_instance, filename):
    return random_name("slideshows", Path(filename).suffix)


def slideshow_options():
    """Return the ``SlideshowOptions`` the settings describe."""
    return video.SlideshowOptions(
        size=video.frame_size(settings.GALLERY_SLIDESHOW_FRAME_WIDTH),
        seconds_per_photo=settings.GALLERY_SLIDESHOW_SECONDS_PER_PHOTO,
        fps=settings.GALLERY_SLIDESHOW_FPS,
        background=tuple(settings.GALLERY_SLIDESHOW_BACKGROUND),
    )


def fingerprint(photos):
    """Return a SHA-256 hex digest of an ordered photo list and the settings.

    Each photo contributes its id and its original file's storage name, byte
    size and dimensions. Photos are never edited in place (an upload always
    gets a new random name), so equal digests mean the same pictures in the
    same order rendered the same way.
    """
    facts = {
        "photos": [
            [photo.pk, photo.image.name, photo.size, photo.width, photo.height]
            for photo in photos
        ],
        "render": {
            **asdict(slideshow_options()),
            "codec": video.CODEC,
            "encoder_options": video.ENCODER_OPTIONS,
        },
    }
    encoded = json.dumps(facts, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()


class SlideshowManager(models.Manager.from_queryset(SlideshowQuerySet)):
    """Creates slideshow jobs, reusing a ready video when nothing changed."""

    def select_photos(self, user, scope):
        """Return the top photos of a scope, most viewed first, as a list."""
        photos = Photo.objects.all()
        if scope == Slideshow.Scope.MINE:
            photos = photos.owned_by(user)
        return list(photos.top(settings.GALLERY_TOP_SIZE))

    def request(self, user, scope):
        """Return a slideshow of the scope's top photos and whether it is new.

        A ready slideshow made from the same photos with the same settings is
        reused: the user's own is returned as it is, and a site slideshow
        another staff member requested is shared through a new row that
        points at the same video file. A queued or running job of the user
        for the same photos is returned too. Otherwise a new job is created
        and queued once the transaction commits.

        Raises ``PermissionDenied`` when a non-staff user asks for the site
        scope and ``NoPhotos`` when the scope has no photos. Raises
        ``SlideshowBusy`` when another job of the user is still queued or
        running, so one user keeps at most one encode busy.
        """
        if scope == Slideshow.Scope.SITE and not user.is_staff:
            raise PermissionDenied("Only staff can build the site's slideshow.")
        photos = self.select_photos(user, scope)
        if not photos:
            where = "you have" if scope == Slideshow.Scope.MINE else "the site has"
            raise NoPhotos(
                f"No slideshow can be made because {where} no photos yet; "
                "upload a photo first."
            )
        digest = fingerprint(photos)
        with transaction.atomic():
            # Requests of one user run one at a time, so two at once cannot
            # both pass the busy check below. On SQLite, IMMEDIATE
            # transactions already serialize every writer.
            get_user_model().objects.select_for_update().filter(pk=user.pk).exists()
            same = self.matching(scope, digest)
            own = (
                same.requested_by(user)
                .exclude(status=Slideshow.Status.FAILED)
                .order_by("-created_at", "-pk")
                .first()
            )
            if own is not None:
                logger.info("Slideshow %s reused for user %s", own.pk, user.pk)
                return own, False
            pending = self.requested_by(user).pending().first()
            if pending is not None:
                raise SlideshowBusy(pending)
            shared = same.ready().order_by("-finished_at", "-pk").first()
            slideshow = self.create(
                requested_by=user,
                scope=scope,
                photo_ids=[photo.pk for photo in photos],
                fingerprint=digest,
            )
            if shared is not None:
                slideshow.share_video(shared)
                logger.info(
                    "Slideshow %s shares the video of slideshow %s",
                    slideshow.pk,
                    shared.pk,
                )
                return slideshow, False
            slideshow.queue_build()
        logger.info(
            "Slideshow %s queued for user %s (scope %s, %d photos)",
            slideshow.pk,
            user.pk,
            scope,
            len(photos),
        )
        return slideshow, True


class Slideshow(models.Model):
    """A WebM video of a top-10 ranking, and the job that builds it."""

    class Scope(models.TextChoices):
        MINE = "mine", "The requester's photos"
        SITE = "site", "Every user's photos"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="slideshows",
    )
    scope = models.CharField(max_length=4, choices=Scope.choices)
    status = models.CharField(
        max_length=7, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField("progress in percent", default=0)
    photo_ids = models.JSONField(
        "photo ids", default=list, help_text="The photos shown, in order."
    )
    fingerprint = models.CharField(
        max_length=64,
        editable=False,
        help_text="SHA-256 of the photos and render settings; equal means reusable.",
    )
    video = models.FileField(upload_to=_video_upload_to, max_length=255, blank=True)
    size = models.PositiveBigIntegerField("size in bytes", null=True, blank=True)
    duration = models.FloatField("duration in seconds", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    objects = SlideshowManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["requested_by", "-created_at"]),
            models.Index(fields=["scope", "fingerprint"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="slideshow_progress_max_100"
            ),
        ]

    def __str__(self):
        return f"{self.get_scope_display()} slideshow {self.pk} ({self.status})"

    def queue_build(self):
        """Queue the job that builds the video once this transaction commits."""
        queue_on_commit("gallery.tasks.build_slideshow", self.pk)

    def share_video(self, source):
        """Point this slideshow at another ready slideshow's video file."""
        self.status = self.Status.READY
        self.progress = 100
        self.video = source.video.name
        self.size = source.size
        self.duration = source.duration
        self.finished_at = timezone.now()
        self.save(
            update_fields=[
                "status",
                "progress",
                "video",
                "size",
                "duration",
                "finished_at",
            ]
        )

    def get_photos(self):
        """Return the photos of ``photo_ids`` that still exist, in that order."""
        found = Photo.objects.in_bulk(self.photo_ids)
        return [found[pk] for pk in self.photo_ids if pk in found]

    def build(self):
        """Encode the video, store it and mark the slideshow ready.

        The row moves to running, reports progress while encoding and ends
        ready with the file's size, duration and finish time. Any error marks
        it failed with the error text and leaves no file behind. A slideshow
        already ready is left alone, so a retried job does nothing; one
        deleted meanwhile keeps no file.
        """
        if self.status == self.Status.READY:
            logger.info("Slideshow %s is already ready", self.pk)
            return
        started = self._update(status=self.Status.RUNNING, progress=0, error="")
        if not started:
            logger.info("Slideshow %s was deleted before it was built", self.pk)
            return
        logger.info("Slideshow %s build started", self.pk)
        stored_name = None
        try:
            photos = self.get_photos()
            missing = sorted(set(self.photo_ids) - {photo.pk for photo in photos})
            if missing:
                raise NoPhotos(
                    f"Photos {', '.join(map(str, missing))} were deleted after "
                    "the request; request a new slideshow."
                )
            with tempfile.TemporaryDirectory(prefix="slideshow-") as folder:
                path = Path(folder) / f"slideshow{video.EXTENSION}"
                info = self._render(photos, path)
                with open(path, "rb") as encoded:
                    stored_name = self.video.storage.save(
                        _video_upload_to(self, path.name), File(encoded)
                    )
            self._finish(stored_name, info)
        except NoPhotos as error:
            logger.warning("Slideshow %s build failed: %s", self.pk, error)
            self._fail(error)
        except Slideshow.DoesNotExist:
            logger.info("Slideshow %s was deleted while it was built", self.pk)
            if stored_name:
                self.video.storage.delete(stored_name)
        # Any error (Pillow, ffmpeg, storage or database) must end the job as
        # failed, because otherwise the client polls a job that stays
        # "running". The client sees the error text and the log the traceback.
        except Exception as error:  # pylint: disable=broad-exception-caught
            logger.exception("Slideshow %s build failed", self.pk)
            if stored_name:
                self.video.storage.delete(stored_name)
            self._fail(error)

    def _render(self, photos, path):
        def open_photo(photo):
            return photo.image.open("rb")

        return video.render_slideshow(
            [partial(open_photo, photo) for photo in photos],
            path,
            slideshow_options(),
            progress=self._report_progress,
        )

    def _report_progress(self, percent):
        step = percent - percent % PROGRESS_STEP
        # 100 is written by _finish together with the ready status.
        if self.progress < step < 100 and not self._update(progress=step):
            # Deleted meanwhile, so no one can fetch the video: stop encoding.
            raise Slideshow.DoesNotExist(
                f"Slideshow {self.pk} was deleted while it was built."
            )

    def _finish(self, stored_name, info):
        with transaction.atomic():
            done = self._update(
                status=self.Status.READY,
                progress=100,
                video=stored_name,
                size=info.size,
                duration=info.duration,
                finished_at=timezone.now(),
            )
            if not done:
                raise Slideshow.DoesNotExist(
                    f"Slideshow {self.pk} was deleted while it was built."
                )
        logger.info(
            "Slideshow %s ready (%d bytes, %.1f s)", self.pk, info.size, info.duration
        )

    def _fail(self, error):
        message = str(error) or type(error).__name__
        self._update(
            status=self.Status.FAILED,
            error=f"{type(error).__name__}: {message}"[:2000],
            finished_at=timezone.now(),
        )

    def _update(self, **fields):
        """Write fields with one UPDATE and copy them to this instance."""
        found = type(self).objects.filter(pk=self.pk).update(**fields)
        if found:
            for name, value in fields.items():
                setattr(self, name, value)
        return bool(found)
