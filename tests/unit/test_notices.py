"""Top photo emails: recipients, periods, rendering, validation, once per period."""

import logging
from datetime import date, datetime, timezone as dt_timezone

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django_q.models import Schedule

from gallery.models import (
    Period,
    PeriodKind,
    TopPhotoNotice,
    TopPhotoNoticeTemplate,
)
from gallery.models.notices import Outcome, Recipient, TopPhoto
from gallery.tasks import NOTICES_TASK, find_period, send_top_photo_notices
from tests import factories

DAY = Period(PeriodKind.DAY, date(2025, 1, 2))


def _recipients_by_username():
    return {
        found.user.username: [(photo.rank, photo.title) for photo in found.photos]
        for found in TopPhotoNotice.objects.find_recipients()
    }


# Recipients


def test_recipients_top_three_in_rank_order(db):  # pylint: disable=unused-argument
    owners = [factories.make_user() for _ in range(4)]
    for owner, views in zip(owners, (5, 50, 20, 1)):
        factories.make_viewed_photo(owner, views, title=f"seen {views}")

    recipients = TopPhotoNotice.objects.find_recipients()

    assert [found.user for found in recipients] == [owners[1], owners[2], owners[0]]
    assert [found.photos[0].rank for found in recipients] == [1, 2, 3]
    assert [found.photos[0].views for found in recipients] == [50, 20, 5]


def test_recipients_owner_with_two_top_photos_once(user, other_user):
    factories.make_viewed_photo(user, 30, title="first")
    factories.make_viewed_photo(other_user, 20, title="second")
    factories.make_viewed_photo(user, 10, title="third")
    factories.make_viewed_photo(other_user, 5, title="fourth")

    assert _recipients_by_username() == {
        user.username: [(1, "first"), (3, "third")],
        other_user.username: [(2, "second")],
    }


def test_recipients_ties_broken_newest_first(db):  # pylint: disable=unused-argument
    owners = [factories.make_user() for _ in range(4)]
    for number, owner in enumerate(owners):
        factories.make_viewed_photo(owner, 7, title=f"photo {number}")

    recipients = TopPhotoNotice.objects.find_recipients()

    # The oldest of four equally viewed photos falls out of the top 3.
    assert [found.user for found in recipients] == owners[:0:-1]
    assert owners[0] not in [found.user for found in recipients]


def test_recipients_fewer_than_three_photos(user, other_user):
    factories.make_viewed_photo(user, 3, title="only")
    factories.make_viewed_photo(other_user, 9, title="best")

    assert _recipients_by_username() == {
        other_user.username: [(1, "best")],
        user.username: [(2, "only")],
    }


def test_recipients_exclude_unviewed_photos(user, other_user):
    factories.make_viewed_photo(user, 0, title="never seen")
    factories.make_viewed_photo(other_user, 1, title="seen once")

    assert _recipients_by_username() == {other_user.username: [(1, "seen once")]}


def test_recipients_empty_site(db):  # pylint: disable=unused-argument
    assert not TopPhotoNotice.objects.find_recipients()


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({}, None),
        ({"notify_top_photos": False}, "opted out"),
        ({"email": ""}, "no email address"),
        ({"is_active": False}, "account is inactive"),
    ],
)
def test_recipient_skip_reason(db, fields, reason):  # pylint: disable=unused-argument
    account = factories.make_user(**fields)
    assert Recipient(account).skip_reason == reason


# Periods


def test_period_day_of_moment():
    moment = datetime(2025, 3, 31, 23, 30, tzinfo=dt_timezone.utc)
    period = Period.containing(moment, PeriodKind.DAY)
    assert period == Period("day", date(2025, 3, 31))
    assert period.end == date(2025, 3, 31)
    assert period.label == "31 March 2025"
    assert str(period) == "day 2025-03-31"


def test_period_month_of_moment():
    moment = datetime(2024, 2, 15, 8, 0, tzinfo=dt_timezone.utc)
    period = Period.containing(moment, PeriodKind.MONTH)
    assert period == Period("month", date(2024, 2, 1))
    assert period.end == date(2024, 2, 29)
    assert period.label == "February 2024"
    assert str(period) == "month 2024-02"


def test_period_rejects_unknown_kind():
    with pytest.raises(ValueError, match="Invalid period 'week'"):
        Period.containing(datetime(2025, 1, 1, tzinfo=dt_timezone.utc), "week")


def test_find_period_explicit_kind_and_time(db):  # pylint: disable=unused-argument
    period = find_period("month", "2025-06-30T23:59:00+00:00")
    assert period == Period("month", date(2025, 6, 1))


def test_find_period_naive_time_is_local(
    db, settings
):  # pylint: disable=unused-argument
    settings.TIME_ZONE = "Europe/Paris"
    period = find_period("day", "2025-06-30T23:30:00")
    assert period == Period("day", date(2025, 6, 30))


def test_find_period_rejects_invalid_time(db):  # pylint: disable=unused-argument
    with pytest.raises(ValueError, match="Invalid scheduled_for 'yesterday'"):
        find_period("day", "yesterday")


@pytest.mark.parametrize(
    ("schedule_type", "kind"),
    [
        (Schedule.DAILY, PeriodKind.DAY),
        (Schedule.MONTHLY, PeriodKind.MONTH),
        (Schedule.QUARTERLY, PeriodKind.MONTH),
        (Schedule.HOURLY, PeriodKind.DAY),
        (Schedule.WEEKLY, PeriodKind.DAY),
    ],
)
def test_find_period_follows_schedule_type(
    db, schedule_type, kind
):  # pylint: disable=unused-argument
    Schedule.objects.filter(func=NOTICES_TASK).delete()
    Schedule.objects.create(func=NOTICES_TASK, schedule_type=schedule_type)
    assert find_period(scheduled_for="2025-05-20T08:00:00+00:00").kind == kind


def test_find_period_without_schedule_is_day(db):  # pylint: disable=unused-argument
    Schedule.objects.filter(func=NOTICES_TASK).delete()
    assert find_period(scheduled_for="2025-05-20T08:00:00+00:00").kind == "day"


def test_find_period_two_schedules_oldest_decides(
    db, caplog
):  # pylint: disable=unused-argument
    Schedule.objects.filter(func=NOTICES_TASK).delete()
    oldest = Schedule.objects.create(func=NOTICES_TASK, schedule_type=Schedule.MONTHLY)
    Schedule.objects.create(func=NOTICES_TASK, schedule_type=Schedule.DAILY)
    with caplog.at_level(logging.WARNING, logger="gallery.tasks"):
        assert find_period().kind == "month"
    assert f"schedule {oldest.pk} sets the period" in caplog.text


# Rendering


def test_render_fills_user_photos_and_period(notice_template, user):
    photos = [TopPhoto(rank=2, title="Dunes <at> dusk", views=41)]
    rendered = notice_template.render({"user": user, "photos": photos, "period": DAY})

    assert rendered.subject == f"Top 3 for {user.username} on 2 January 2025"
    expected_text = f"Hello {user.username} & co\n#2 Dunes <at> dusk (41 views)\n"
    assert rendered.text == expected_text
    assert rendered.html == "<p><b>Dunes &lt;at&gt; dusk</b></p>"


def test_render_subject_is_one_line(notice_template, user):
    notice_template.subject = (
        "Top\n3 {% for photo in photos %}\n{{ photo.title }}{% endfor %}"
    )
    photos = [TopPhoto(1, "a", 1), TopPhoto(2, "b", 1)]
    rendered = notice_template.render({"user": user, "photos": photos, "period": DAY})
    assert rendered.subject == "Top 3 a b"


def test_render_without_html_is_text_only(notice_template, user):
    notice_template.body_html = ""
    message = notice_template.build_message(Recipient(user, [TopPhoto(1, "a", 1)]), DAY)
    assert message.alternatives == []
    assert message.to == [user.email]
    assert message.cc == []
    assert message.bcc == []


# Template validation


@pytest.mark.parametrize(
    ("field", "source", "error"),
    [
        ("subject", "Top {% if %}", "Template syntax error"),
        ("body_text", "{% for photo in photos %}", "Template syntax error"),
        ("body_html", "{{ user.username|nosuchfilter }}", "Template syntax error"),
        ("body_text", "{% load nosuchlibrary %}", "Template syntax error"),
        ("body_text", '{% include "missing.txt" %}', "Rendering failed on a sample"),
        ("body_text", "Hello {{ usr.username }}", "Unknown variable: usr.username"),
        ("subject", "{{ period.lable }}", "Unknown variable: period.lable"),
        ("subject", "{% if False %}x{% endif %}", "Renders empty"),
        ("body_text", "{{ user.password }}", "Unknown variable: user.password"),
        ("body_text", "{{ user.auth_token.key }}", "Unknown variable: user.auth"),
        ("body_text", "{% load static %}", "Template syntax error"),
    ],
)
def test_template_clean_rejects(notice_template, field, source, error):
    setattr(notice_template, field, source)
    with pytest.raises(ValidationError) as raised:
        notice_template.full_clean()
    assert list(raised.value.message_dict) == [field]
    assert error in raised.value.message_dict[field][0]


def test_message_hides_user_secrets(notice_template, user, other_user):
    """A guarded template passes the sample check but still sees no secrets."""
    photo = factories.make_viewed_photo(other_user, views=5)
    notice_template.body_text = (
        "{% if user.pk %}{{ user.password }}{{ user.auth_token.key }}"
        "{% for photo in user.photos.all %}{{ photo.owner.password }}{% endfor %}"
        "{% endif %}[{{ user.username }}|{{ user.full_name }}]"
    )
    notice_template.full_clean()
    user.first_name, user.last_name = "Ada", "Lovelace"

    message = notice_template.build_message(
        Recipient(user, [TopPhoto(1, photo.title, 5)]), DAY
    )

    assert message.body == f"[{user.username}|Ada Lovelace]"
    assert user.password not in message.body


def test_template_clean_accepts_valid(notice_template):
    notice_template.body_html = ""
    notice_template.full_clean()


def test_template_second_active_rejected(notice_template):
    second = TopPhotoNoticeTemplate(
        name="Second", subject="s", body_text="b", is_active=True
    )
    with pytest.raises(ValidationError, match="Another template is already active"):
        second.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()
    assert TopPhotoNoticeTemplate.objects.get_active() == notice_template


def test_template_activate_switches(notice_template):
    second = TopPhotoNoticeTemplate.objects.create(
        name="Second", subject="s", body_text="b"
    )
    second.activate()
    notice_template.refresh_from_db()
    assert TopPhotoNoticeTemplate.objects.get_active() == second
    assert notice_template.is_active is False


def test_template_none_active_raises(db):  # pylint: disable=unused-argument
    TopPhotoNoticeTemplate.objects.update(is_active=False)
    with pytest.raises(TopPhotoNoticeTemplate.DoesNotExist, match="activate one"):
        TopPhotoNoticeTemplate.objects.get_active()


# Sending once per period


def test_send_once_per_user_and_period(notice_template, user, other_user, mailoutbox):
    del notice_template
    factories.make_viewed_photo(user, 10, title="first")
    factories.make_viewed_photo(other_user, 5, title="second")
    factories.make_viewed_photo(user, 1, title="third")

    first = TopPhotoNotice.objects.send_for(DAY)
    second = TopPhotoNotice.objects.send_for(DAY)

    assert sorted(message.to[0] for message in mailoutbox) == sorted(
        [user.email, other_user.email]
    )
    assert all(len(message.recipients()) == 1 for message in mailoutbox)
    assert first.count(Outcome.SENT) == 2
    assert second.count(Outcome.ALREADY_SENT) == 2
    assert second.count(Outcome.SENT) == 0
    notice = TopPhotoNotice.objects.get(user=user)
    assert notice.period == DAY
    assert [entry["rank"] for entry in notice.photos] == [1, 3]


def test_send_again_in_next_period(notice_template, user, mailoutbox):
    del notice_template
    factories.make_viewed_photo(user, 10)
    TopPhotoNotice.objects.send_for(DAY)
    TopPhotoNotice.objects.send_for(Period(PeriodKind.DAY, date(2025, 1, 3)))
    TopPhotoNotice.objects.send_for(Period(PeriodKind.MONTH, date(2025, 1, 1)))
    assert len(mailoutbox) == 3
    assert TopPhotoNotice.objects.filter(user=user).count() == 3


def test_send_skips_opted_out_and_no_email(notice_template, user, mailoutbox):
    del notice_template
    opted_out = factories.make_user(notify_top_photos=False)
    no_email = factories.make_user(email="")
    for owner, views in ((opted_out, 30), (no_email, 20), (user, 10)):
        factories.make_viewed_photo(owner, views)

    run = TopPhotoNotice.objects.send_for(DAY)

    assert [message.to for message in mailoutbox] == [[user.email]]
    assert run.count(Outcome.SKIPPED) == 2
    assert list(TopPhotoNotice.objects.values_list("user", flat=True)) == [user.pk]


def test_send_dry_run_sends_and_records_nothing(
    notice_template, user, other_user, mailoutbox
):
    del notice_template
    factories.make_viewed_photo(user, 10)
    factories.make_viewed_photo(other_user, 5)
    TopPhotoNotice.objects.create(
        user=other_user, period_kind="day", period_start=DAY.start, email="x@y.z"
    )

    run = TopPhotoNotice.objects.send_for(DAY, dry_run=True)

    assert mailoutbox == []
    assert TopPhotoNotice.objects.count() == 1
    assert [delivery.outcome for delivery in run.deliveries] == [
        Outcome.WOULD_SEND,
        Outcome.ALREADY_SENT,
    ]


def test_send_existing_claim_blocks_send(notice_template, user, mailoutbox):
    del notice_template
    factories.make_viewed_photo(user, 10)
    TopPhotoNotice.objects.create(
        user=user, period_kind="day", period_start=DAY.start, email=user.email
    )
    run = TopPhotoNotice.objects.send_for(DAY)
    assert mailoutbox == []
    assert run.count(Outcome.ALREADY_SENT) == 1


def test_notice_unique_per_user_and_period(user):
    TopPhotoNotice.objects.create(
        user=user, period_kind="day", period_start=DAY.start, email=user.email
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        TopPhotoNotice.objects.create(
            user=user, period_kind="day", period_start=DAY.start, email=user.email
        )


def test_send_render_failure_logged_and_not_recorded(
    notice_template, user, other_user, caplog, mailoutbox
):
    # A template saved without the admin's check can still fail to render.
    notice_template.body_text = '{% include "missing.txt" %}{{ user.username }}'
    notice_template.save()
    factories.make_viewed_photo(user, 10)
    factories.make_viewed_photo(other_user, 5)

    with caplog.at_level(logging.ERROR, logger="gallery.models.notices"):
        run = TopPhotoNotice.objects.send_for(DAY)

    assert run.count(Outcome.FAILED) == 2
    assert mailoutbox == []
    assert not TopPhotoNotice.objects.exists()
    assert f"user {user.pk}, day 2025-01-02 failed to render" in caplog.text


def test_task_returns_summary(notice_template, user):
    del notice_template
    factories.make_viewed_photo(user, 10)
    summary = send_top_photo_notices("day", "2025-01-02T08:00:00+00:00")
    assert summary["sent"] == 1
    assert summary["failed"] == 0
    assert TopPhotoNotice.objects.get().period == DAY
