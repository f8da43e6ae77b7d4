"""Slideshow admin: list with video links and the site build action."""

import pytest
from django.test import Client

from gallery.models import Slideshow
from tests import factories

CHANGELIST = "/admin/gallery/slideshow/"


@pytest.fixture(name="superuser_client")
def fixture_superuser_client(db):  # pylint: disable=unused-argument
    admin = factories.make_user(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    return client, admin


def test_action_builds_site_slideshow_on_empty_list(
    superuser_client, photo, django_capture_on_commit_callbacks
):
    client, admin = superuser_client
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            CHANGELIST, {"action": "build_site_slideshow", "index": "0"}, follow=True
        )
    assert response.status_code == 200
    slideshow = Slideshow.objects.get()
    assert slideshow.requested_by == admin
    assert slideshow.scope == "site"
    assert slideshow.status == "ready"
    assert slideshow.photo_ids == [photo.pk]
    assert f"Slideshow {slideshow.pk} is queued" in response.content.decode()


def test_action_reports_no_photos(superuser_client):
    client, _admin = superuser_client
    response = client.post(
        CHANGELIST, {"action": "build_site_slideshow", "index": "0"}, follow=True
    )
    assert "no photos yet" in response.content.decode()
    assert not Slideshow.objects.exists()


@pytest.mark.usefixtures("photo")
def test_changelist_links_ready_video(
    superuser_client, django_capture_on_commit_callbacks
):
    client, admin = superuser_client
    with django_capture_on_commit_callbacks(execute=True):
        slideshow, _queued = Slideshow.objects.request(admin, "site")
    slideshow.refresh_from_db()
    page = client.get(CHANGELIST).content.decode()
    assert "/media/" in page
    assert f"WebM, {slideshow.size} bytes" in page
    detail = client.get(f"{CHANGELIST}{slideshow.pk}/change/")
    assert detail.status_code == 200
    assert "/media/" in detail.content.decode()
