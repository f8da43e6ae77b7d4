"""Admin pages for users, albums, photos and django-q2, and photo uploads."""

import pytest
from django.test import Client
from django_q.models import Schedule

from gallery.models import Photo, PhotoDerivative
from tests import factories
from tests.conftest import stored_files


@pytest.fixture(name="superuser_client")
def fixture_superuser_client(db):  # pylint: disable=unused-argument
    client = Client()
    client.force_login(factories.make_user(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/users/user/",
        "/admin/gallery/album/",
        "/admin/gallery/photo/",
        "/admin/gallery/photo/add/",
        "/admin/gallery/album/add/",
        "/admin/django_q/schedule/",
        "/admin/django_q/schedule/add/",
        "/admin/django_q/success/",
        "/admin/django_q/failure/",
        "/admin/django_q/ormq/",
        "/admin/users/user/?q=user",
        "/admin/gallery/photo/?q=Sunset&status__exact=ready",
    ],
)
def test_admin_page_opens(
    superuser_client, photo, path
):  # pylint: disable=unused-argument
    response = superuser_client.get(path)

    assert response.status_code == 200


def test_admin_change_pages_open(superuser_client, photo):
    schedule = Schedule.objects.create(func="gallery.tasks.render_webp", args="1")
    for path in (
        f"/admin/users/user/{photo.owner_id}/change/",
        f"/admin/gallery/album/{photo.album_id}/change/",
        f"/admin/gallery/photo/{photo.pk}/change/",
        f"/admin/django_q/schedule/{schedule.pk}/change/",
    ):
        response = superuser_client.get(path)

        assert response.status_code == 200, path


def test_admin_photo_pages_show_thumbnail(superuser_client, photo):
    change = superuser_client.get(f"/admin/gallery/photo/{photo.pk}/change/")
    changelist = superuser_client.get("/admin/gallery/photo/")

    thumbnail = photo.get_derivative(PhotoDerivative.Kind.THUMBNAIL)
    expected = f'width="{thumbnail.width}" height="{thumbnail.height}"'
    for response in (change, changelist):
        html = response.content.decode()
        assert '<img src="/media/' in html
        assert expected in html


def test_admin_photo_without_thumbnail_shows_dash(superuser_client, photo):
    photo.derivatives.all().delete()

    response = superuser_client.get("/admin/gallery/photo/")

    assert response.status_code == 200
    assert '<img src="/media/' not in response.content.decode()


def test_admin_photo_change_renames(superuser_client, photo):
    response = superuser_client.post(
        f"/admin/gallery/photo/{photo.pk}/change/",
        {
            "title": "Renamed in admin",
            "views": 999,
            "derivatives-TOTAL_FORMS": "0",
            "derivatives-INITIAL_FORMS": "0",
            "derivatives-MIN_NUM_FORMS": "0",
            "derivatives-MAX_NUM_FORMS": "1000",
        },
    )

    errors = response.context and response.context["adminform"].form.errors
    assert response.status_code == 302, errors
    photo.refresh_from_db()
    assert photo.title == "Renamed in admin"
    assert photo.views == 0


def test_admin_photo_add_creates_with_thumbnail(superuser_client, album, media_root):
    content = factories.image_bytes("PNG", size=(600, 300))

    response = superuser_client.post(
        "/admin/gallery/photo/add/",
        {
            "album": album.pk,
            "title": "From admin",
            "upload": factories.upload_file(content, "admin.png", "image/png"),
        },
    )

    assert response.status_code == 302
    created = Photo.objects.get()
    assert created.title == "From admin"
    assert created.owner == album.owner
    assert (created.width, created.height) == (600, 300)
    thumbnail = created.get_derivative(PhotoDerivative.Kind.THUMBNAIL)
    assert (thumbnail.width, thumbnail.height) == (150, 75)
    assert len(stored_files(media_root)) == 2
    assert response["Location"].endswith("/admin/gallery/photo/")


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (factories.image_bytes("GIF"), "animation.gif"),
        (factories.image_bytes("GIF"), "disguised.png"),
        (b"just some text\n", "notes.txt"),
        (b"just some text\n", "notes.jpg"),
    ],
    ids=["gif", "gif-named-png", "text", "text-named-jpg"],
)
def test_admin_photo_add_invalid_file_rejected(
    superuser_client, album, media_root, content, name
):
    response = superuser_client.post(
        "/admin/gallery/photo/add/",
        {
            "album": album.pk,
            "title": "Bad",
            "upload": factories.upload_file(content, name, "image/gif"),
        },
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "upload" in errors
    assert Photo.objects.count() == 0
    assert stored_files(media_root) == []


def test_admin_album_inline_lists_photos(superuser_client, photo):
    response = superuser_client.get(f"/admin/gallery/album/{photo.album_id}/change/")

    assert "Sunset" in response.content.decode()


def test_admin_album_owner_cannot_change(superuser_client, photo, other_user):
    response = superuser_client.post(
        f"/admin/gallery/album/{photo.album_id}/change/",
        {
            "title": "Renamed album",
            "owner": other_user.pk,
            "photos-TOTAL_FORMS": "1",
            "photos-INITIAL_FORMS": "1",
            "photos-MIN_NUM_FORMS": "0",
            "photos-MAX_NUM_FORMS": "1000",
            "photos-0-id": photo.pk,
            "photos-0-album": photo.album_id,
        },
    )

    errors = response.context and response.context["adminform"].form.errors
    assert response.status_code == 302, errors
    photo.album.refresh_from_db()
    assert photo.album.title == "Renamed album"
    assert photo.album.owner_id == photo.owner_id
