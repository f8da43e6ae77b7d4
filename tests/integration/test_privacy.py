"""Another user's albums and photos look exactly like ids that do not exist."""

import pytest

from gallery.models import Album, Photo, PhotoDerivative
from tests import factories
from tests.conftest import stored_files, upload_photo

MISSING_ID = 987654


def snapshot(media_root):
    """Return every row and file a user could change."""
    return {
        "albums": list(Album.objects.order_by("pk").values()),
        "photos": list(Photo.objects.order_by("pk").values()),
        "derivatives": list(PhotoDerivative.objects.order_by("pk").values()),
        "files": stored_files(media_root),
    }


REQUESTS = [
    ("get", "albums", None),
    ("put", "albums", {"title": "Taken"}),
    ("patch", "albums", {"title": "Taken"}),
    ("delete", "albums", None),
    ("get", "photos", None),
    ("patch", "photos", {"title": "Taken"}),
    ("delete", "photos", None),
]


@pytest.mark.parametrize("attempt", REQUESTS, ids=lambda attempt: " ".join(attempt[:2]))
def test_privacy_other_users_object_not_found(
    other_api, photo, media_root, django_capture_on_commit_callbacks, attempt
):
    method, collection, data = attempt
    target = photo.album_id if collection == "albums" else photo.pk
    before = snapshot(media_root)

    with django_capture_on_commit_callbacks(execute=True):
        foreign = getattr(other_api, method)(f"/api/v1/{collection}/{target}/", data)
    missing = getattr(other_api, method)(f"/api/v1/{collection}/{MISSING_ID}/", data)

    assert foreign.status_code == 404
    assert foreign.data == missing.data
    assert snapshot(media_root) == before


def test_privacy_photo_put_same_as_for_missing(other_api, photo, media_root):
    before = snapshot(media_root)

    foreign = other_api.put(f"/api/v1/photos/{photo.pk}/", {"title": "Taken"})
    missing = other_api.put(f"/api/v1/photos/{MISSING_ID}/", {"title": "Taken"})

    assert foreign.status_code == missing.status_code
    assert foreign.data == missing.data
    assert snapshot(media_root) == before


def test_privacy_upload_into_other_users_album(other_api, photo, media_root):
    before = snapshot(media_root)

    foreign = upload_photo(other_api, photo.album_id)
    missing = upload_photo(other_api, MISSING_ID)

    assert foreign.status_code == 404
    assert foreign.data == missing.data
    assert snapshot(media_root) == before


def test_privacy_album_filter_on_other_users_album(other_api, photo):
    factories.make_photo(factories.make_album(photo.owner, "Also private"))

    foreign = other_api.get("/api/v1/photos/", {"album": photo.album_id})
    missing = other_api.get("/api/v1/photos/", {"album": MISSING_ID})

    assert foreign.status_code == 404
    assert foreign.data == missing.data


def test_privacy_lists_hide_other_users_objects(other_api, photo):
    albums = other_api.get("/api/v1/albums/")
    photos = other_api.get("/api/v1/photos/")

    assert albums.data["count"] == 0
    assert photos.data["count"] == 0
    assert photo.views == 0


def test_privacy_top_mine_never_shows_others(other_api, other_user, photo):
    Photo.objects.filter(pk=photo.pk).update(views=1000)
    own = factories.make_photo(factories.make_album(other_user), title="Own")

    response = other_api.get("/api/v1/photos/top/", {"scope": "mine"})

    assert [entry["id"] for entry in response.data] == [own.pk]


def test_privacy_other_users_get_adds_no_view(other_api, photo):
    other_api.get(f"/api/v1/photos/{photo.pk}/")

    photo.refresh_from_db()
    assert photo.views == 0


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/photos/{photo}/",
        "/api/v1/albums/{album}/",
        "/api/v1/photos/?album={album}",
        "/api/v1/photos/{missing}/",
    ],
)
def test_not_found_body_is_uniform(other_api, photo, path):
    url = path.format(photo=photo.pk, album=photo.album_id, missing=photo.pk + 999)

    response = other_api.get(url)

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
