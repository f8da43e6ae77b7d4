"""Emails to the owners of the site's most viewed photos, once per period.

``TopPhotoNoticeTemplate`` is the message the operator edits in the admin.
``TopPhotoNotice`` records that one user was emailed for one day or month.
Its unique constraint lets only one run claim a user and period, even when
two workers run the same schedule at the same time. The one exception is a
crash between the SMTP server accepting a message and the commit, after
which the next run sends again.
"""

import calendar
import logging
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.template import Context, Engine, TemplateSyntaxError
from django.utils import timezone
from django.utils.dateformat import format as format_date

from .photos import Photo

logger = logging.getLogger(__name__)

# How many of the most viewed photos earn their owners an email.
TOP_SIZE = 3

# Marker the validation engine prints in place of an unknown variable, so a
# misspelt name is reported when the template is saved.
_INVALID_MARKER = "\x00unknown variable %s\x00"


class PeriodKind(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"


@dataclass(frozen=True)
class Period:
    """A calendar day or month in the site's time zone."""

    kind: str
    start: date

    @classmethod
    def containing(cls, moment, kind):
        """Return the day or month of ``kind`` that contains ``moment``."""
        if kind not in PeriodKind.values:
            expected = ", ".join(PeriodKind.values)
            raise ValueError(f"Invalid period {kind!r}: expected one of {expected}.")
        day = timezone.localdate(moment)
        if kind == PeriodKind.MONTH:
            day = day.replace(day=1)
        return cls(kind, day)

    @property
    def end(self):
        """Last day of the period."""
        if self.kind == PeriodKind.DAY:
            return self.start
        last = calendar.monthrange(self.start.year, self.start.month)[1]
        return self.start.replace(day=last)

    @property
    def label(self):
        """Human name of the period, such as "2 January 2025" or "January 2025"."""
        if self.kind == PeriodKind.DAY:
            return format_date(self.start, "j F Y")
        return format_date(self.start, "F Y")

    def __str__(self):
        if self.kind == PeriodKind.DAY:
            return f"day {self.start.isoformat()}"
        return f"month {self.start:%Y-%m}"


@dataclass(frozen=True)
class NoticeUser:
    """The recipient as passed to the message template: plain values only.

    Staff edit the template, and Django templates follow relations and call
    methods, so the template never gets the real User, whose password hash,
    API token and other users' photos are a few dots away.
    """

    username: str
    first_name: str
    last_name: str
    email: str

    @classmethod
    def from_user(cls, user):
        """Copy the fields a message may show from a user."""
        return cls(user.username, user.first_name, user.last_name, user.email)

    @property
    def full_name(self):
        """First and last name, or the username when both are blank."""
        return f"{self.first_name} {self.last_name}".strip() or self.username


@dataclass(frozen=True)
class TopPhoto:
    """One photo of the site's top list, in the message template's context."""

    rank: int
    title: str
    views: int
    photo_id: int | None = None


@dataclass
class Recipient:
    """An owner of one or more top photos, with those photos in rank order."""

    user: Any
    photos: list = field(default_factory=list)

    @property
    def skip_reason(self):
        """Why this user gets no email, or None when they get one."""
        if not self.user.is_active:
            return "account is inactive"
        if not self.user.notify_top_photos:
            return "opted out"
        if not self.user.email:
            return "no email address"
        return None


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


def _sample_context():
    user = NoticeUser(
        username="sample",
        first_name="Sam",
        last_name="Sample",
        email="sam@example.com",
    )
    photos = [
        TopPhoto(rank=1, title="Harbour at dawn", views=1520, photo_id=1),
        TopPhoto(rank=3, title="Snow on the pier", views=870, photo_id=2),
    ]
    return {
        "user": user,
        "photos": photos,
        "period": Period.containing(timezone.now(), PeriodKind.DAY),
    }


def _template_engine(string_if_invalid=""):
    # Only Django's built-in tags and filters, and no loaders, so a template
    # cannot {% include %} or {% load %} anything from the server.
    return Engine(loaders=[], libraries={}, string_if_invalid=string_if_invalid)


def _render_source(engine, source, context, *, autoescape):
    return engine.from_string(source).render(Context(context, autoescape=autoescape))


class TopPhotoNoticeTemplateManager(models.Manager):
    def get_active(self):
        """Return the template the notices use; raise DoesNotExist if none is."""
        template = self.filter(is_active=True).first()
        if template is None:
            raise self.model.DoesNotExist(
                "No top photo notice template is active: activate one in the admin."
            )
        return template


class TopPhotoNoticeTemplate(models.Model):
    """Subject and body of the top photo email, in Django template syntax."""

    CONTEXT_HELP = (
        "Django template syntax. Variables: user (username, first_name, "
        "last_name, email), photos (a list, each with rank, title and views), "
        "period (kind is 'day' or 'month', start, end, label)."
    )

    name = models.CharField(max_length=100)
    subject = models.CharField(max_length=255, help_text=CONTEXT_HELP)
    body_text = models.TextField("plain text body", help_text=CONTEXT_HELP)
    body_html = models.TextField(
        "HTML body",
        blank=True,
        help_text="Optional. Variables are HTML-escaped. " + CONTEXT_HELP,
    )
    is_active = models.BooleanField(
        "active",
        default=False,
        help_text="The active template is the one the notices use.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = TopPhotoNoticeTemplateManager()

    class Meta:
        ordering = ["-is_active", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=Q(is_active=True),
                name="single_active_notice_template",
                violation_error_message=(
                    "Another template is already active. Use the "
                    "'Make active' action to switch templates."
                ),
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        """Reject a template that does not compile or render on a sample."""
        super().clean()
        engine = _template_engine(string_if_invalid=_INVALID_MARKER)
        context = _sample_context()
        errors = {}
        for name, autoescape in (
            ("subject", False),
            ("body_text", False),
            ("body_html", True),
        ):
            source = getattr(self, name)
            if not source:
                continue
            try:
                output = _render_source(engine, source, context, autoescape=autoescape)
            except TemplateSyntaxError as error:
                errors[name] = f"Template syntax error: {error}"
                continue
            # Any error a sample render raises would also stop the real send,
            # so it is reported here whatever its type.
            except Exception as error:  # pylint: disable=broad-exception-caught
                errors[name] = f"Rendering failed on a sample message: {error!r}"
                continue
            unknown = _find_unknown_variables(output)
            if unknown:
                errors[name] = "Unknown variable: " + ", ".join(unknown)
            elif not output.strip():
                errors[name] = "Renders empty on a sample message."
        if errors:
            raise ValidationError(errors)

    def render(self, context):
        """Render subject, text and HTML body; the subject becomes one line."""
        engine = _template_engine()
        subject = _render_source(engine, self.subject, context, autoescape=False)
        text = _render_source(engine, self.body_text, context, autoescape=False)
        html = ""
        if self.body_html:
            html = _render_source(engine, self.body_html, context, autoescape=True)
        return RenderedMessage(subject=" ".join(subject.split()), text=text, html=html)

    def build_message(self, recipient, period, connection=None):
        """Build the email to one recipient, the only address on it."""
        rendered = self.render(
            {
                "user": NoticeUser.from_user(recipient.user),
                "photos": recipient.photos,
                "period": period,
            }
        )
        message = mail.EmailMultiAlternatives(
            subject=rendered.subject,
            body=rendered.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[recipient.user.email],
            headers={"Auto-Submitted": "auto-generated"},
            connection=connection,
        )
        if rendered.html:
            message.attach_alternative(rendered.html, "text/html")
        return message

    def send_test(self, user):
        """Email this template to ``user`` and record nothing.

        Uses the user's own photos in the site's top list when there are any,
        sample photos otherwise. Raises ValueError when the user has no email
        address and OSError when sending fails.
        """
        if not user.email:
            raise ValueError(f"User {user.pk} has no email address.")
        recipient = next(
            (
                found
                for found in TopPhotoNotice.objects.find_recipients()
                if found.user.pk == user.pk
            ),
            Recipient(user, _sample_context()["photos"]),
        )
        recipient.user = user
        period = Period.containing(timezone.now(), PeriodKind.DAY)
        message = self.build_message(recipient, period)
        message.subject = f"[Test] {message.subject}"
        message.send()
        logger.info("Test top photo notice %s sent to user %s", self.pk, user.pk)
        return message

    def activate(self):
        """Make this the active template and deactivate the others."""
        with transaction.atomic():
            type(self).objects.exclude(pk=self.pk).filter(is_active=True).update(
                is_active=False
            )
            type(self).objects.filter(pk=self.pk).update(is_active=True)
        self.is_active = True
        logger.info("Top photo notice template %s activated", self.pk)


def _find_unknown_variables(output):
    prefix, suffix = _INVALID_MARKER.split("%s")
    names = []
    for part in output.split(prefix)[1:]:
        name = part.split(suffix, 1)[0]
        if name not in names:
            names.append(name)
    return names


class Outcome(models.TextChoices):
    SENT = "sent", "sent"
    WOULD_SEND = "would_send", "would send"
    ALREADY_SENT = "already_sent", "already sent"
    FAILED = "failed", "failed"
    SKIPPED = "skipped", "skipped"


@dataclass(frozen=True)
class Delivery:
    """Outcome of one run for one recipient."""

    user_id: int
    username: str
    email: str
    outcome: str
    subject: str = ""
    detail: str = ""


@dataclass
class NoticeRun:
    """The result of one run: the period and one delivery per top photo owner."""

    period: Period
    dry_run: bool = False
    deliveries: list = field(default_factory=list)

    def count(self, outcome):
        """Return how many deliveries ended with ``outcome``."""
        return sum(1 for delivery in self.deliveries if delivery.outcome == outcome)

    def summary(self):
        """Return the number of deliveries per outcome, every outcome included."""
        return {outcome.value: self.count(outcome) for outcome in Outcome}


class TopPhotoNoticeManager(models.Manager):
    """Picks the recipients and sends each of them one email per period."""

    def find_recipients(self, size=TOP_SIZE):
        """Return the owners of the ``size`` most viewed photos, best rank first.

        Ties in views are broken the way ``PhotoQuerySet.top()`` breaks them
        (newest first), so the list covers exactly ``size`` photos when the
        site has that many with at least one view. Photos with zero views are
        left out. An owner of several top photos appears once, with all
        of them.
        """
        top = Photo.objects.viewed().top(size).select_related("owner")
        by_owner = {}
        for rank, photo in enumerate(top, start=1):
            recipient = by_owner.setdefault(photo.owner_id, Recipient(photo.owner))
            recipient.photos.append(
                TopPhoto(
                    rank=rank, title=photo.title, views=photo.views, photo_id=photo.pk
                )
            )
        return list(by_owner.values())

    def send_for(self, period, *, dry_run=False):
        """Email every top photo owner not yet emailed for ``period``.

        Raises ``TopPhotoNoticeTemplate.DoesNotExist`` when no template is
        active. With ``dry_run`` nothing is sent or recorded.
        """
        template = TopPhotoNoticeTemplate.objects.get_active()
        run = NoticeRun(period=period, dry_run=dry_run)
        connection = mail.get_connection()
        try:
            for recipient in self.find_recipients():
                run.deliveries.append(
                    self._deliver(recipient, period, template, connection, dry_run)
                )
        finally:
            connection.close()
        logger.info("Top photo notices for %s: %s", period, run.summary())
        return run

    def _deliver(self, recipient, period, template, connection, dry_run):
        user = recipient.user
        delivery = partial(
            Delivery, user_id=user.pk, username=user.get_username(), email=user.email
        )
        reason = recipient.skip_reason
        if reason:
            return delivery(outcome=Outcome.SKIPPED, detail=reason)

        if dry_run:
            already_sent = self.filter(
                user=user, period_kind=period.kind, period_start=period.start
            ).exists()
            message = template.build_message(recipient, period)
            outcome = Outcome.ALREADY_SENT if already_sent else Outcome.WOULD_SEND
            return delivery(outcome=outcome, subject=message.subject)

        try:
            message = template.build_message(recipient, period, connection)
        # The template was validated on save, but a user's own data can still
        # break a render. Logging it and going on keeps the other owners'
        # emails flowing; the next run retries this one.
        except Exception as error:  # pylint: disable=broad-exception-caught
            logger.exception(
                "Top photo notice for user %s, %s failed to render", user.pk, period
            )
            return delivery(outcome=Outcome.FAILED, detail=repr(error))

        try:
            self._claim_and_send(recipient, period, message)
        except IntegrityError:
            return delivery(outcome=Outcome.ALREADY_SENT, subject=message.subject)
        except OSError as error:
            # SMTPException is an OSError, like a refused or timed out
            # connection. The claim was rolled back, so the next run retries.
            logger.exception(
                "Top photo notice for user %s, %s failed to send; next run retries",
                user.pk,
                period,
            )
            # A half-broken SMTP session must not fail the next recipient.
            connection.close()
            return delivery(
                outcome=Outcome.FAILED, subject=message.subject, detail=repr(error)
            )
        logger.info("Top photo notice for user %s, %s sent", user.pk, period)
        return delivery(outcome=Outcome.SENT, subject=message.subject)

    def _claim_and_send(self, recipient, period, message):
        # The INSERT claims the user and period before anything is sent, and
        # a send failure raises out of the block and rolls the claim back.
        # On PostgreSQL a second worker inserting the same row waits on the
        # unique index until this transaction ends. It then gets
        # IntegrityError if the claim was committed, or takes the claim over
        # if it was rolled back. On SQLite the IMMEDIATE transaction waits
        # for the write lock instead, so the runs take turns.
        # NOTE: if the process dies after the SMTP server accepted the
        # message but before COMMIT, the claim is lost and the next run sends
        # again. On SQLite a send slower than the busy timeout (20 s) makes
        # the other worker fail with "database is locked".
        with transaction.atomic():
            self.create(
                user=recipient.user,
                period_kind=period.kind,
                period_start=period.start,
                email=recipient.user.email,
                subject=message.subject[:255],
                photos=[
                    {
                        "rank": photo.rank,
                        "photo_id": photo.photo_id,
                        "views": photo.views,
                    }
                    for photo in recipient.photos
                ],
            )
            message.send()


class TopPhotoNotice(models.Model):
    """Record that one user was emailed about their top photos for one period."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="top_photo_notices",
    )
    period_kind = models.CharField(max_length=5, choices=PeriodKind.choices)
    period_start = models.DateField(help_text="First day of the day or month.")
    email = models.EmailField("sent to")
    subject = models.CharField(max_length=255)
    photos = models.JSONField(
        default=list, help_text="Rank, photo id and views of each photo listed."
    )
    sent_at = models.DateTimeField(auto_now_add=True)

    objects = TopPhotoNoticeManager()

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "period_kind", "period_start"],
                name="one_top_photo_notice_per_user_and_period",
            )
        ]

    def __str__(self):
        return f"Top photo notice to user {self.user_id} for {self.period}"

    @property
    def period(self):
        """The day or month this notice was sent for."""
        return Period(self.period_kind, self.period_start)
