"""Background jobs run by the django-q2 cluster."""

import logging

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .models import Period, PeriodKind, Photo, Slideshow, TopPhotoNotice

logger = logging.getLogger(__name__)

NOTICES_TASK = "gallery.tasks.send_top_photo_notices"


def render_webp(photo_id):
    """Make the WebP copy of one photo; a photo deleted meanwhile is skipped."""
    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is None:
        logger.info("Photo %s was deleted before its WebP copy was made", photo_id)
        return None
    derivative = photo.render_webp()
    return derivative.pk if derivative else None


def send_top_photo_notices(period=None, scheduled_for=None):
    """Email the owners of the site's 3 most viewed photos, once per period.

    ``scheduled_for`` is the ISO time the schedule intended this run for
    (django-q2 passes it as the schedule's ``intended_date_kwarg``), so a
    late start or a retry still counts for the day or month it was meant
    for. ``period`` ("day" or "month") defaults to the type of the schedule
    that runs this task. Returns the number of recipients per outcome.
    """
    found = find_period(period, scheduled_for)
    return TopPhotoNotice.objects.send_for(found).summary()


# Schedule types whose runs are a month or more apart send once per month;
# every other type, daily included, sends at most once per day.
_MONTHLY_TYPES = {"M", "BM", "Q", "Y"}


def find_period(kind=None, scheduled_for=None):
    """Return the day or month that a run of the notices task sends for.

    ``kind`` wins when given. Otherwise the type of the django-q2 schedule
    that calls this task decides: monthly sends per month, anything else per
    day. Without such a schedule the period is the day.
    """
    if kind is None:
        kind = _find_schedule_period_kind()
    moment = timezone.now()
    if scheduled_for:
        moment = parse_datetime(scheduled_for)
        if moment is None:
            raise ValueError(
                f"Invalid scheduled_for {scheduled_for!r}: expected ISO 8601."
            )
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
    return Period.containing(moment, kind)


def _find_schedule_period_kind():
    # Imported here because django_q loads its models on import.
    from django_q.models import Schedule  # pylint: disable=import-outside-toplevel

    schedules = list(
        Schedule.objects.filter(func=NOTICES_TASK)
        .order_by("pk")
        .values_list("pk", "schedule_type")
    )
    if not schedules:
        return PeriodKind.DAY
    if len(schedules) > 1:
        # NOTE: a task run cannot tell which schedule queued it, so with
        # several schedules the oldest one decides for all of them.
        logger.warning(
            "%d schedules run %s; schedule %s sets the period",
            len(schedules),
            NOTICES_TASK,
            schedules[0][0],
        )
    schedule_type = schedules[0][1]
    return PeriodKind.MONTH if schedule_type in _MONTHLY_TYPES else PeriodKind.DAY


def build_slideshow(slideshow_id):
    """Build one slideshow's video; a slideshow deleted meanwhile is skipped."""
    slideshow = Slideshow.objects.filter(pk=slideshow_id).first()
    if slideshow is None:
        logger.info("Slideshow %s was deleted before it was built", slideshow_id)
        return None
    slideshow.build()
    return slideshow.status
