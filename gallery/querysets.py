"""Chainable queries for albums and photos."""

from django.db import models
from django.db.models import Count


class AlbumQuerySet(models.QuerySet):
    """Albums, filtered by owner before anything else."""

    def owned_by(self, user):
        """Return the albums of one user."""
        return self.filter(owner=user)

    def with_photo_count(self):
        """Annotate each album with the number of its photos."""
        return self.annotate(photo_count=Count("photos"))


class PhotoQuerySet(models.QuerySet):
    """Photos, with the filters and orderings the API and jobs use."""

    def owned_by(self, user):
        """Return the photos of one user."""
        return self.filter(owner=user)

    def with_derivatives(self):
        """Fetch thumbnails and WebP copies in one extra query."""
        return self.prefetch_related("derivatives")

    def viewed(self):
        """Return the photos seen at least once."""
        return self.filter(views__gt=0)

    def top(self, limit):
        """Return the ``limit`` most viewed photos, newest first on ties."""
        return self.order_by("-views", "-created_at", "-pk")[:limit]


class SlideshowQuerySet(models.QuerySet):
    """Slideshow jobs, filtered by who requested them."""

    def requested_by(self, user):
        """Return the slideshows one user requested."""
        return self.filter(requested_by=user)

    def ready(self):
        """Return the slideshows whose video is ready."""
        return self.filter(status="ready")

    def pending(self):
        """Return the slideshows queued or being built."""
        return self.filter(status__in=("queued", "running"))

    def matching(self, scope, fingerprint):
        """Return the slideshows of a scope made from the same photos."""
        return self.filter(scope=scope, fingerprint=fingerprint)
