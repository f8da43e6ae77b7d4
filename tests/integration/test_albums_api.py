"""Album endpoints: list, create, get, rename and delete."""

from datetime import timedelta

from django.utils import timezone

from gallery.models import Album, Photo
from tests import factories
from tests.conftest import stored_files

ALBUMS = "/api/v1/albums/"


def test_album_create_sets_owner(api, user):
    response = api.post(ALBUMS, {"title": "  Trip  ", "owner": 999})

    assert response.status_code == 201
    assert response.data["title"] == "Trip"
    assert response.data["photo_count"] == 0
    assert Album.objects.get(pk=response.data["id"]).owner == user


def test_album_create_invalid_title_rejected(api):
    for title in ["", "   ", "x" * 201, "bad\x00title", "two\nlines"]:
        response = api.post(ALBUMS, {"title": title})

        assert response.status_code == 400, title
        assert "title" in response.data
    assert Album.objects.count() == 0


def test_album_list_own_with_photo_counts(api, user, other_user):
    first = factories.make_album(user, "First")
    factories.make_photo(first)
    factories.make_photo(first)
    factories.make_album(user, "Second")
    factories.make_album(other_user, "Not mine")

    response = api.get(ALBUMS)

    assert response.status_code == 200
    assert response.data["count"] == 2
    results = response.data["results"]
    counts = {entry["title"]: entry["photo_count"] for entry in results}
    assert counts == {"First": 2, "Second": 0}


def test_album_list_newest_first(api, user):
    now = timezone.now()
    albums = [factories.make_album(user, title) for title in ("a", "b", "c")]
    # Neither pk order nor its reverse matches, so only ORDER BY gets this right.
    for album, age in zip(albums, (2, 1, 3)):
        Album.objects.filter(pk=album.pk).update(created_at=now - timedelta(days=age))

    response = api.get(ALBUMS)

    assert [entry["title"] for entry in response.data["results"]] == ["b", "a", "c"]


def test_album_get_one(api, album):
    response = api.get(f"{ALBUMS}{album.pk}/")

    assert response.status_code == 200
    assert response.data["id"] == album.pk
    assert response.data["title"] == "Holidays"
    assert set(response.data) == {"id", "title", "photo_count", "created_at"}


def test_album_rename_with_put(api, album):
    response = api.put(f"{ALBUMS}{album.pk}/", {"title": "Renamed"})

    assert response.status_code == 200
    album.refresh_from_db()
    assert album.title == "Renamed"


def test_album_rename_with_patch(api, album):
    response = api.patch(f"{ALBUMS}{album.pk}/", {"title": "Patched"})

    assert response.status_code == 200
    assert response.data["title"] == "Patched"
    album.refresh_from_db()
    assert album.title == "Patched"


def test_album_rename_invalid_title_rejected(api, album):
    response = api.patch(f"{ALBUMS}{album.pk}/", {"title": "x" * 201})

    assert response.status_code == 400
    album.refresh_from_db()
    assert album.title == "Holidays"


def test_album_delete_removes_photos_and_files(
    api, photo, media_root, django_capture_on_commit_callbacks
):
    assert len(stored_files(media_root)) == 3

    with django_capture_on_commit_callbacks(execute=True):
        response = api.delete(f"{ALBUMS}{photo.album_id}/")

    assert response.status_code == 204
    assert not Album.objects.filter(pk=photo.album_id).exists()
    assert Photo.objects.count() == 0
    assert stored_files(media_root) == []


def test_album_list_query_count_fixed(api, user, django_assert_num_queries):
    for number in range(5):
        factories.make_photo(factories.make_album(user, f"Album {number}"))

    # Token lookup, count, page.
    with django_assert_num_queries(3):
        response = api.get(ALBUMS)

    assert len(response.data["results"]) == 5
