"""Top photo emails end to end: a real SMTP server, the admin, the schedule."""

import logging
import os
import subprocess
import sys
import threading
from datetime import date, timedelta
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule
from django_q.scheduler import scheduler

from gallery.models import Period, TopPhotoNotice, TopPhotoNoticeTemplate
from gallery.tasks import NOTICES_TASK, send_top_photo_notices
from tests import factories, processes
from tests.conftest import client_for
from tests.smtp import refusing_port, start_server

SCHEDULED_FOR = "2025-01-02T08:00:00+00:00"


@pytest.fixture(name="smtp_server")
def fixture_smtp_server(settings):
    """An SMTP server on loopback with the email settings pointing at it."""
    controller = start_server()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = controller.hostname
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "photos@example.com"
    yield controller.handler
    controller.stop()


@pytest.fixture(name="superuser_client")
def fixture_superuser_client(db):  # pylint: disable=unused-argument
    """A Django test client logged in as a superuser with an email address."""
    account = factories.make_user(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(account)
    client.account = account
    return client


def _top_three(first, second):
    """Give ``first`` ranks 1 and 3 and ``second`` rank 2."""
    factories.make_viewed_photo(first, 90, title="Lighthouse")
    factories.make_viewed_photo(second, 60, title="Market day")
    factories.make_viewed_photo(first, 30, title="Fog & ferries")
    factories.make_viewed_photo(second, 1, title="Not in the top")


def test_notices_delivered_over_smtp_from_admin_template(
    smtp_server, superuser_client, notice_template, user, other_user
):
    _top_three(user, other_user)
    url = reverse(
        "admin:gallery_topphotonoticetemplate_change", args=[notice_template.pk]
    )
    response = superuser_client.post(
        url,
        {
            "name": "Edited",
            "is_active": "on",
            "subject": "{{ photos|length }} of yours in the top 3, {{ period.label }}",
            "body_text": (
                "Dear {{ user.username }},{% for photo in photos %}"
                " #{{ photo.rank }} {{ photo.title }} with {{ photo.views }} views."
                "{% endfor %}"
            ),
            "body_html": (
                "<ul>{% for photo in photos %}"
                "<li>{{ photo.title }}</li>"
                "{% endfor %}</ul>"
            ),
        },
    )
    assert response.status_code == 302

    summary = send_top_photo_notices(scheduled_for=SCHEDULED_FOR)

    assert summary["sent"] == 2
    delivered = {message.recipients[0]: message for message in smtp_server.messages}
    assert sorted(delivered) == sorted([user.email, other_user.email])
    assert all(len(message.recipients) == 1 for message in smtp_server.messages)
    mine = delivered[user.email]
    assert mine.mail_from == "photos@example.com"
    assert mine.subject == "2 of yours in the top 3, 2 January 2025"
    assert mine.text == (
        f"Dear {user.username}, #1 Lighthouse with 90 views."
        " #3 Fog & ferries with 30 views."
    )
    assert mine.html == "<ul><li>Lighthouse</li><li>Fog &amp; ferries</li></ul>"
    assert other_user.email not in str(mine.message)
    theirs = delivered[other_user.email]
    assert theirs.subject == "1 of yours in the top 3, 2 January 2025"
    assert "#2 Market day with 60 views." in theirs.text
    assert "Not in the top" not in theirs.text


def test_notices_template_change_changes_next_email(smtp_server, notice_template, user):
    factories.make_viewed_photo(user, 5, title="Pier")
    send_top_photo_notices("day", SCHEDULED_FOR)
    notice_template.subject = "New subject for {{ user.username }}"
    notice_template.body_text = "New body: {{ photos.0.title }}"
    notice_template.full_clean()
    notice_template.save()

    send_top_photo_notices("day", "2025-01-03T08:00:00+00:00")

    subjects = [message.subject for message in smtp_server.messages]
    assert subjects == [
        f"Top 3 for {user.username} on 2 January 2025",
        f"New subject for {user.username}",
    ]
    assert smtp_server.messages[1].text == "New body: Pier"


def test_notices_rejected_recipient_logged_then_retried(
    smtp_server, notice_template, user, other_user, caplog
):
    del notice_template
    _top_three(user, other_user)
    smtp_server.reject_recipients = True

    with caplog.at_level(logging.ERROR, logger="gallery.models.notices"):
        failed = send_top_photo_notices("day", SCHEDULED_FOR)

    assert failed["failed"] == 2
    assert smtp_server.messages == []
    assert not TopPhotoNotice.objects.exists()
    assert f"user {user.pk}, day 2025-01-02 failed to send" in caplog.text
    assert f"user {other_user.pk}, day 2025-01-02 failed to send" in caplog.text

    smtp_server.reject_recipients = False
    retried = send_top_photo_notices("day", SCHEDULED_FOR)

    assert retried["sent"] == 2
    assert sorted(message.recipients[0] for message in smtp_server.messages) == sorted(
        [user.email, other_user.email]
    )
    assert TopPhotoNotice.objects.count() == 2


def test_notices_smtp_down_logged_then_retried(
    settings, smtp_server, notice_template, user, caplog
):
    del notice_template
    factories.make_viewed_photo(user, 5)
    working_port = settings.EMAIL_PORT

    with refusing_port() as port, caplog.at_level(
        logging.ERROR, logger="gallery.models.notices"
    ):
        settings.EMAIL_PORT = port
        failed = send_top_photo_notices("day", SCHEDULED_FOR)

    assert failed["failed"] == 1
    assert not TopPhotoNotice.objects.exists()
    assert f"user {user.pk}, day 2025-01-02 failed to send" in caplog.text
    assert "ConnectionRefusedError" in caplog.text

    settings.EMAIL_PORT = working_port
    assert send_top_photo_notices("day", SCHEDULED_FOR)["sent"] == 1
    assert [message.recipients for message in smtp_server.messages] == [[user.email]]


def test_notices_parallel_runs_send_each_once(
    transactional_db, smtp_server, notice_template
):  # pylint: disable=unused-argument
    owners = [factories.make_user() for _ in range(3)]
    for owner, views in zip(owners, (30, 20, 10)):
        factories.make_viewed_photo(owner, views)
    # A slow server keeps the first claim open while the other run reaches
    # the same user, which is the window a check-then-insert would miss.
    smtp_server.delay = 0.3
    start = threading.Barrier(2)
    results = []
    errors = []

    def run():
        try:
            start.wait()
            results.append(send_top_photo_notices("day", SCHEDULED_FOR))
        except Exception as error:  # pylint: disable=broad-exception-caught
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=run) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert not errors, errors
    recipients = sorted(message.recipients[0] for message in smtp_server.messages)
    assert recipients == sorted(owner.email for owner in owners)
    assert sum(result["sent"] for result in results) == 3
    assert sum(result["already_sent"] for result in results) == 3
    assert TopPhotoNotice.objects.count() == 3


def test_notices_parallel_processes_send_each_once(
    transactional_db, smtp_server, notice_template, media_root, tmp_path
):  # pylint: disable=unused-argument
    owners = [factories.make_user() for _ in range(3)]
    for owner, views in zip(owners, (30, 20, 10)):
        factories.make_viewed_photo(owner, views)
    # Each run spends over a second on the slow server, so the two commands,
    # started together, reach the same owners while the other's claims are
    # still open.
    smtp_server.delay = 0.5
    env = processes.child_env(
        media_root,
        EMAIL_HOST=django_settings.EMAIL_HOST,
        EMAIL_PORT=str(django_settings.EMAIL_PORT),
    )
    command = ["manage.py", "send_top_photo_notices", "--period", "day"]
    logs = [tmp_path / f"run-{number}.log" for number in range(2)]
    runs = [processes.start(command, env, log) for log in logs]
    codes = [run.wait(timeout=60) for run in runs]

    output = "\n".join(processes.read_log(log) for log in logs)
    assert codes == [0, 0], output
    recipients = sorted(message.recipients[0] for message in smtp_server.messages)
    assert recipients == sorted(owner.email for owner in owners), output
    assert output.count("  already sent: ") == 3, output
    assert output.count("  sent: ") == 3, output
    assert TopPhotoNotice.objects.count() == 3


def test_notices_scheduler_runs_task_for_intended_day(
    smtp_server, notice_template, user
):
    del notice_template
    factories.make_viewed_photo(user, 5)
    intended = timezone.now() - timedelta(days=3)
    Schedule.objects.filter(func=NOTICES_TASK).delete()
    Schedule.objects.create(
        name="Top photo notices",
        func=NOTICES_TASK,
        schedule_type=Schedule.MONTHLY,
        next_run=intended,
        intended_date_kwarg="scheduled_for",
    )

    # django-q2 runs the queued task in this process in sync mode.
    scheduler()

    notice = TopPhotoNotice.objects.get(user=user)
    assert notice.period_kind == "month"
    assert notice.period_start == timezone.localdate(intended).replace(day=1)
    assert [message.recipients for message in smtp_server.messages] == [[user.email]]


# Migration


def _migrate_gallery(name):
    executor = MigrationExecutor(connection)
    executor.migrate([("gallery", name)])


def _migrate_to_latest():
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.fixture(name="migrated_fresh")
def fixture_migrated_fresh(transactional_db):  # pylint: disable=unused-argument
    """Undo and reapply the data migration, as on a fresh database."""
    _migrate_gallery("0002_notices")
    assert not Schedule.objects.filter(func=NOTICES_TASK).exists()
    assert not TopPhotoNoticeTemplate.objects.exists()
    _migrate_gallery("0003_default_notice_and_schedule")
    # Later migrations were undone with 0003; the next tests need them back.
    _migrate_to_latest()


def test_migration_creates_schedule_and_template(migrated_fresh):
    del migrated_fresh
    schedule = Schedule.objects.get(func=NOTICES_TASK)
    assert schedule.name == "Top photo notices"
    assert schedule.schedule_type == Schedule.DAILY
    assert schedule.repeats == -1
    assert schedule.intended_date_kwarg == "scheduled_for"
    assert schedule.next_run > timezone.now()
    template = TopPhotoNoticeTemplate.objects.get_active()
    assert template.body_html
    template.full_clean()


def test_migration_template_renders_photos(migrated_fresh, user):
    del migrated_fresh
    template = TopPhotoNoticeTemplate.objects.get_active()
    factories.make_viewed_photo(user, 12, title="Old mill")
    recipient = TopPhotoNotice.objects.find_recipients()[0]

    message = template.build_message(recipient, Period("month", date(2025, 1, 1)))

    assert message.subject == "Your photo is in the site's top 3"
    assert "#1 Old mill (12 views)" in message.body
    assert "in January 2025" in message.body
    assert '<li value="1">Old mill (12 views)</li>' in message.alternatives[0][0]


# Command


def test_command_dry_run_sends_nothing(smtp_server, notice_template, user):
    del notice_template
    factories.make_viewed_photo(user, 5, title="Pier")
    output = StringIO()

    call_command(
        "send_top_photo_notices", "--period", "month", "--dry-run", stdout=output
    )

    assert smtp_server.messages == []
    assert not TopPhotoNotice.objects.exists()
    text = output.getvalue()
    assert "(dry run, nothing sent)" in text
    assert f"would send: user {user.pk} {user.username} <{user.email}>" in text
    assert "0 sent, 1 would send" in text


def test_command_sends_and_prints(smtp_server, notice_template, user):
    del notice_template
    opted_out = factories.make_user(notify_top_photos=False)
    factories.make_viewed_photo(user, 5)
    factories.make_viewed_photo(opted_out, 3)
    output = StringIO()

    call_command("send_top_photo_notices", "--period", "day", stdout=output)
    call_command("send_top_photo_notices", "--period", "day", stdout=output)

    assert [message.recipients for message in smtp_server.messages] == [[user.email]]
    text = output.getvalue()
    assert f"sent: user {user.pk}" in text
    assert f"skipped: user {opted_out.pk}" in text
    assert "(opted out)" in text
    assert f"already sent: user {user.pk}" in text
    assert TopPhotoNotice.objects.get().period_start == timezone.localdate()


def test_command_failure_exits_with_error(settings, notice_template, user):
    del notice_template
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    factories.make_viewed_photo(user, 5)
    output = StringIO()
    with refusing_port() as port, pytest.raises(
        CommandError, match="1 notice\\(s\\) failed"
    ):
        settings.EMAIL_PORT = port
        call_command("send_top_photo_notices", stdout=output)
    assert f"failed: user {user.pk}" in output.getvalue()


def test_command_without_active_template(db):  # pylint: disable=unused-argument
    TopPhotoNoticeTemplate.objects.update(is_active=False)
    with pytest.raises(CommandError, match="activate one in the admin"):
        call_command("send_top_photo_notices", stdout=StringIO())


def test_command_nobody_to_email(notice_template):
    del notice_template
    output = StringIO()
    call_command("send_top_photo_notices", "--dry-run", stdout=output)
    assert "nobody to email" in output.getvalue()


# Admin


def test_admin_rejects_template_that_does_not_render(superuser_client, notice_template):
    url = reverse(
        "admin:gallery_topphotonoticetemplate_change", args=[notice_template.pk]
    )
    response = superuser_client.post(
        url,
        {
            "name": "Broken",
            "is_active": "on",
            "subject": "Top {% if %}",
            "body_text": "{{ usr.username }}",
            "body_html": "",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "Template syntax error" in errors["subject"][0]
    assert errors["body_text"] == ["Unknown variable: usr.username"]
    notice_template.refresh_from_db()
    assert notice_template.name == "Test notice"


def test_admin_send_test_email_to_me(
    smtp_server, superuser_client, notice_template, user
):
    factories.make_viewed_photo(user, 5)
    url = reverse("admin:gallery_topphotonoticetemplate_changelist")
    response = superuser_client.post(
        url,
        {"action": "send_test_email", "_selected_action": [notice_template.pk]},
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Test email sent to {superuser_client.account.email}" in page
    assert [message.recipients for message in smtp_server.messages] == [
        [superuser_client.account.email]
    ]
    message = smtp_server.messages[0]
    assert message.subject.startswith("[Test] Top 3 for")
    # The admin owns no top photo, so the test shows sample photos.
    assert "#1 Harbour at dawn (1520 views)" in message.text
    assert not TopPhotoNotice.objects.exists()


def test_admin_send_test_email_without_address(superuser_client, notice_template):
    superuser_client.account.email = ""
    superuser_client.account.save()
    url = reverse("admin:gallery_topphotonoticetemplate_changelist")
    response = superuser_client.post(
        url,
        {"action": "send_test_email", "_selected_action": [notice_template.pk]},
        follow=True,
    )
    assert "Your account has no email address" in response.content.decode()


def test_admin_send_test_email_smtp_down(
    settings, superuser_client, notice_template, caplog
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    url = reverse("admin:gallery_topphotonoticetemplate_changelist")
    with refusing_port() as port, caplog.at_level(logging.ERROR, logger="gallery"):
        settings.EMAIL_PORT = port
        response = superuser_client.post(
            url,
            {"action": "send_test_email", "_selected_action": [notice_template.pk]},
            follow=True,
        )
    assert "Sending the test email failed" in response.content.decode()
    assert (
        f"template {notice_template.pk} to user {superuser_client.account.pk} failed"
        in caplog.text
    )


@pytest.mark.parametrize("action", ["send_test_email", "make_active"])
def test_admin_action_needs_one_template(
    superuser_client, notice_template, action, mailoutbox
):
    second = TopPhotoNoticeTemplate.objects.create(
        name="Second", subject="s", body_text="b"
    )
    url = reverse("admin:gallery_topphotonoticetemplate_changelist")
    response = superuser_client.post(
        url,
        {"action": action, "_selected_action": [notice_template.pk, second.pk]},
        follow=True,
    )
    assert "Select exactly one template" in response.content.decode()
    assert mailoutbox == []
    assert TopPhotoNoticeTemplate.objects.get_active() == notice_template


def test_admin_make_active(superuser_client, notice_template):
    second = TopPhotoNoticeTemplate.objects.create(
        name="Second", subject="s", body_text="b"
    )
    url = reverse("admin:gallery_topphotonoticetemplate_changelist")
    response = superuser_client.post(
        url,
        {"action": "make_active", "_selected_action": [second.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert TopPhotoNoticeTemplate.objects.get_active() == second
    notice_template.refresh_from_db()
    assert notice_template.is_active is False


def test_admin_lists_sent_notices(superuser_client, user):
    TopPhotoNotice.objects.create(
        user=user, period_kind="day", period_start=date(2025, 1, 2), email=user.email
    )
    response = superuser_client.get(reverse("admin:gallery_topphotonotice_changelist"))
    assert response.status_code == 200
    assert user.email in response.content.decode()


def test_admin_schedule_page_lists_notices(superuser_client):
    Schedule.objects.get_or_create(
        func=NOTICES_TASK, defaults={"name": "Top photo notices"}
    )
    response = superuser_client.get(reverse("admin:django_q_schedule_changelist"))
    assert response.status_code == 200
    assert NOTICES_TASK in response.content.decode()


def test_admin_api_opt_out_stops_notices(api, notice_template, user, mailoutbox):
    del notice_template
    factories.make_viewed_photo(user, 5)
    response = api.patch("/api/v1/auth/users/me/", {"notify_top_photos": False})
    assert response.status_code == 200
    send_top_photo_notices("day", SCHEDULED_FOR)
    assert mailoutbox == []
    me = client_for(user).get("/api/v1/auth/users/me/").json()
    assert me["notify_top_photos"] is False


# Email settings


def _email_settings(**environment):
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, "
        "s.EMAIL_HOST_PASSWORD, s.EMAIL_USE_TLS, s.EMAIL_USE_SSL, s.DEFAULT_FROM_EMAIL)"
    )
    variables = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("EMAIL_", "DEFAULT_FROM_EMAIL"))
    }
    variables.update(
        DJANGO_SETTINGS_MODULE="app.settings.base", SECRET_KEY="x", **environment
    )
    finished = subprocess.run(
        [sys.executable, "-c", code],
        env=variables,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return finished.stdout.split()


def test_email_settings_default_to_console():
    assert _email_settings() == [
        "django.core.mail.backends.console.EmailBackend",
        "25",
        "False",
        "False",
        "photos@localhost",
    ]


def test_email_settings_from_environment():
    assert _email_settings(
        EMAIL_HOST="smtp.example.com",
        EMAIL_PORT="587",
        EMAIL_HOST_USER="mailer",
        EMAIL_HOST_PASSWORD="secret",
        EMAIL_USE_TLS="true",
        DEFAULT_FROM_EMAIL="Photos <photos@example.com>",
    ) == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.com",
        "587",
        "mailer",
        "secret",
        "True",
        "False",
        "Photos",
        "<photos@example.com>",
    ]
