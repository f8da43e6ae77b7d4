"""Background jobs run by the django-q2 cluster."""

import logging

from .models import Photo

logger = logging.getLogger(__name__)


def render_webp(photo_id):
    """Make the WebP copy of one photo; a photo deleted meanwhile is skipped."""
    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is None:
        logger.info("Photo %s was deleted before its WebP copy was made", photo_id)
        return None
    derivative = photo.render_webp()
    return derivative.pk if derivative else None
