"""Background jobs run by the django-q2 cluster."""

import logging

from .models import Photo, Slideshow

logger = logging.getLogger(__name__)


def render_webp(photo_id):
    """Make the WebP copy of one photo; a photo deleted meanwhile is skipped."""
    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is None:
        logger.info("Photo %s was deleted before its WebP copy was made", photo_id)
        return None
    derivative = photo.render_webp()
    return derivative.pk if derivative else None


def build_slideshow(slideshow_id):
    """Build one slideshow's video; a slideshow deleted meanwhile is skipped."""
    slideshow = Slideshow.objects.filter(pk=slideshow_id).first()
    if slideshow is None:
        logger.info("Slideshow %s was deleted before it was built", slideshow_id)
        return None
    slideshow.build()
    return slideshow.status
