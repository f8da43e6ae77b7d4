"""Create the default top photo email and the daily schedule that sends it.

The texts are copied here, not imported, so this migration keeps working
whatever later code does to the models.
"""

from datetime import datetime, time, timedelta

from django.db import migrations
from django.utils import timezone

TASK = "gallery.tasks.send_top_photo_notices"
SCHEDULE_NAME = "Top photo notices"
TEMPLATE_NAME = "Default top photo notice"

SUBJECT = (
    "{% if photos|length == 1 %}Your photo is{% else %}Your photos are{% endif %}"
    " in the site's top 3"
)

BODY_TEXT = """\
Hello {{ user.first_name|default:user.username }},

{% if photos|length == 1 %}One of your photos is{% else %}{{ photos|length }} of \
your photos are{% endif %} among the site's 3 most viewed \
{% if period.kind == "month" %}in{% else %}on{% endif %} {{ period.label }}:
{% for photo in photos %}
  #{{ photo.rank }} {{ photo.title }} ({{ photo.views }} view{{ photo.views|pluralize }})\
{% endfor %}

You get this email because your account asks for it. To stop it, set
notify_top_photos to false on your account.
"""

BODY_HTML = """\
<p>Hello {{ user.first_name|default:user.username }},</p>
<p>{% if photos|length == 1 %}One of your photos is{% else %}{{ photos|length }} \
of your photos are{% endif %} among the site's 3 most viewed \
{% if period.kind == "month" %}in{% else %}on{% endif %} {{ period.label }}:</p>
<ol>{% for photo in photos %}
  <li value="{{ photo.rank }}">{{ photo.title }} ({{ photo.views }} \
view{{ photo.views|pluralize }})</li>{% endfor %}
</ol>
<p>You get this email because your account asks for it. To stop it, set
<code>notify_top_photos</code> to false on your account.</p>
"""


def create_template_and_schedule(apps, schema_editor):
    template_model = apps.get_model("gallery", "TopPhotoNoticeTemplate")
    schedule_model = apps.get_model("django_q", "Schedule")
    if not template_model.objects.filter(is_active=True).exists():
        template_model.objects.create(
            name=TEMPLATE_NAME,
            subject=SUBJECT,
            body_text=BODY_TEXT,
            body_html=BODY_HTML,
            is_active=True,
        )
    # First run at 08:00 tomorrow in the site's time zone. The scheduler
    # passes that intended time as scheduled_for, and the task takes the
    # day or month to send for from it.
    tomorrow = timezone.localdate() + timedelta(days=1)
    first_run = timezone.make_aware(datetime.combine(tomorrow, time(8, 0)))
    schedule_model.objects.get_or_create(
        func=TASK,
        defaults={
            "name": SCHEDULE_NAME,
            "schedule_type": "D",
            "repeats": -1,
            "next_run": first_run,
            "intended_date_kwarg": "scheduled_for",
        },
    )


def remove_template_and_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=TASK).delete()
    apps.get_model("gallery", "TopPhotoNoticeTemplate").objects.filter(
        name=TEMPLATE_NAME
    ).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("gallery", "0002_notices"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.RunPython(
            create_template_and_schedule, remove_template_and_schedule
        ),
    ]
