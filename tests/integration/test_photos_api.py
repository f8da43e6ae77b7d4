"""Photo endpoints: upload, list, get, rename, delete and top."""

import io
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from PIL import Image
from rest_framework.throttling import SimpleRateThrottle

from gallery.models import Photo, PhotoDerivative
from tests import factories
from tests.conftest import client_for, fetch_media, stored_files, upload_photo

PHOTOS = "/api/v1/photos/"
RENDITION_KEYS = {"url", "content_type", "width", "height", "size"}


def test_photo_upload_returns_renditions(api, album, media_root):
    content = factories.image_bytes(size=(64, 48))

    response = upload_photo(api, album.pk, content, title="Beach")

    assert response.status_code == 201
    body = response.data
    assert body["title"] == "Beach"
    assert body["album"] == album.pk
    assert body["owner"] == album.owner_id
    assert body["views"] == 0
    assert body["status"] == "processing"
    assert set(body["original"]) == RENDITION_KEYS
    assert set(body["thumbnail"]) == RENDITION_KEYS
    assert body["webp"] is None
    assert body["original"]["size"] == len(content)
    assert body["original"]["content_type"] == "image/jpeg"
    assert (body["original"]["width"], body["original"]["height"]) == (64, 48)
    assert len(stored_files(media_root)) == 2


def test_photo_upload_webp_ready_after_commit(
    api, album, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload_photo(api, album.pk)

    shown = api.get(f"{PHOTOS}{response.data['id']}/").data
    assert shown["status"] == "ready"
    assert shown["webp"]["content_type"] == "image/webp"
    assert (shown["webp"]["width"], shown["webp"]["height"]) == (64, 48)


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((600, 400), (150, 100)),
        ((300, 900), (50, 150)),
        ((64, 48), (64, 48)),
        ((150, 10), (150, 10)),
    ],
    ids=["landscape", "portrait", "small-not-upscaled", "exact-side"],
)
def test_photo_upload_thumbnail_size(api, album, size, expected):
    content = factories.image_bytes("PNG", size=size)

    response = upload_photo(api, album.pk, content, name="picture.png")

    assert response.status_code == 201
    thumbnail = response.data["thumbnail"]
    assert (thumbnail["width"], thumbnail["height"]) == expected
    reply, body = fetch_media(api, thumbnail["url"])
    assert reply.status_code == 200
    assert len(body) == thumbnail["size"]


@pytest.mark.parametrize(
    ("content", "name", "field"),
    [
        (b"GIF89a not really", "photo.jpg", "image"),
        (factories.image_bytes("GIF"), "photo.gif", "image"),
        (factories.image_bytes("GIF"), "photo.png", "image"),
        (b"plain text", "notes.txt", "image"),
        (b"", "empty.jpg", "image"),
    ],
    ids=["garbage", "gif-name", "gif-as-png", "text", "empty"],
)
def test_photo_upload_invalid_file_rejected(
    api, album, media_root, content, name, field
):
    response = api.post(
        PHOTOS,
        {
            "album": album.pk,
            "title": "Bad",
            "image": factories.upload_file(content, name),
        },
        format="multipart",
    )

    assert response.status_code == 400
    assert field in response.data
    assert Photo.objects.count() == 0
    assert stored_files(media_root) == []


def test_photo_upload_over_size_limit_rejected(api, album, settings, media_root):
    content = factories.noise_image_bytes("PNG", size=(100, 100))
    settings.GALLERY_MAX_UPLOAD_BYTES = len(content) - 1

    response = upload_photo(api, album.pk, content, name="big.png")

    assert response.status_code == 400
    assert f"{len(content) - 1} bytes" in str(response.data["image"])
    assert Photo.objects.count() == 0
    assert stored_files(media_root) == []


def test_photo_upload_oversized_body_rejected(api, album, settings, media_root):
    settings.GALLERY_MAX_UPLOAD_BYTES = 1000
    content = factories.noise_image_bytes("PNG", size=(200, 200))

    response = upload_photo(api, album.pk, content, name="big.png")

    assert response.status_code == 413
    assert "at most 1000 bytes" in str(response.data["detail"])
    assert Photo.objects.count() == 0
    assert stored_files(media_root) == []


def test_photo_upload_over_pixel_cap_rejected(api, album, settings, media_root):
    settings.GALLERY_MAX_IMAGE_PIXELS = 100 * 100 - 1

    response = upload_photo(api, album.pk, factories.image_bytes(size=(100, 100)))

    assert response.status_code == 400
    assert "image" in response.data
    assert Photo.objects.count() == 0
    assert stored_files(media_root) == []


def test_photo_upload_invalid_content_length_rejected(api, album, media_root):
    response = api.post(
        PHOTOS,
        {"album": album.pk, "title": "x", "image": factories.upload_file()},
        format="multipart",
        CONTENT_LENGTH="not-a-number",
    )

    assert response.status_code == 400
    assert Photo.objects.count() == 0
    assert stored_files(media_root) == []


def test_photo_upload_as_json_rejected(api, album):
    response = api.post(PHOTOS, {"album": album.pk, "title": "x", "image": "abc"})

    assert response.status_code == 400
    assert "image" in response.data


@pytest.mark.parametrize(
    ("album_value", "title", "field"),
    [
        (None, "No album", "album"),
        ("abc", "Bad album", "album"),
        ("own", "", "title"),
        ("own", "x" * 201, "title"),
        ("own", "tab\there", "title"),
    ],
    ids=["missing-album", "non-numeric-album", "blank-title", "long-title", "tab"],
)
def test_photo_upload_invalid_fields_rejected(
    api, album, media_root, album_value, title, field
):
    data = {"title": title, "image": factories.upload_file()}
    if album_value == "own":
        data["album"] = album.pk
    elif album_value is not None:
        data["album"] = album_value

    response = api.post(PHOTOS, data, format="multipart")

    assert response.status_code == 400
    assert field in response.data
    assert Photo.objects.count() == 0
    assert stored_files(media_root) == []


def test_photo_upload_missing_image_rejected(api, album):
    response = api.post(PHOTOS, {"album": album.pk, "title": "x"}, format="multipart")

    assert response.status_code == 400
    assert "image" in response.data


def test_photo_upload_ignores_read_only_fields(api, album, other_user):
    response = api.post(
        PHOTOS,
        {
            "album": album.pk,
            "title": "Mine",
            "image": factories.upload_file(),
            "views": 500,
            "owner": other_user.pk,
            "status": "ready",
        },
        format="multipart",
    )

    assert response.status_code == 201
    created = Photo.objects.get(pk=response.data["id"])
    assert created.views == 0
    assert created.owner == album.owner
    assert created.status == Photo.Status.PROCESSING


def make_listed(album, specs):
    """Create photos from (title, views, age in minutes) and return them."""
    now = timezone.now()
    photos = []
    for title, views, age in specs:
        photo = factories.make_photo(album, title=title)
        Photo.objects.filter(pk=photo.pk).update(
            views=views, created_at=now - timedelta(minutes=age)
        )
        photos.append(photo)
    return photos


def listed_titles(response):
    return [entry["title"] for entry in response.data["results"]]


def test_photo_list_newest_first_by_default(api, album):
    make_listed(album, [("old", 0, 30), ("new", 0, 1), ("mid", 0, 10)])

    response = api.get(PHOTOS)

    assert response.status_code == 200
    assert listed_titles(response) == ["new", "mid", "old"]
    assert response.data["count"] == 3


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("created_at", ["b", "c", "a"]),
        ("-created_at", ["a", "c", "b"]),
        ("views", ["c", "a", "b"]),
        ("-views", ["b", "a", "c"]),
        ("title", ["a", "b", "c"]),
        ("-title", ["c", "b", "a"]),
    ],
)
def test_photo_list_ordering(api, album, ordering, expected):
    make_listed(album, [("a", 5, 1), ("b", 9, 30), ("c", 2, 10)])

    response = api.get(PHOTOS, {"ordering": ordering})

    assert response.status_code == 200
    assert listed_titles(response) == expected


@pytest.mark.parametrize("ordering", ["owner", "size", "-pk", "views,secret"])
def test_photo_list_unknown_ordering_rejected(api, album, ordering):
    factories.make_photo(album)

    response = api.get(PHOTOS, {"ordering": ordering})

    assert response.status_code == 400
    assert "ordering" in response.data


def test_photo_list_album_filter(api, user, album):
    make_listed(album, [("in", 0, 1)])
    make_listed(factories.make_album(user, "Other"), [("out", 0, 1)])

    response = api.get(PHOTOS, {"album": album.pk})

    assert listed_titles(response) == ["in"]


@pytest.mark.parametrize("value", ["abc", ""])
def test_photo_list_invalid_album_filter_rejected(api, value):
    response = api.get(PHOTOS, {"album": value})

    assert response.status_code == 400
    assert "album" in response.data


def test_photo_list_pages(api, album):
    make_listed(album, [(f"p{number}", 0, number) for number in range(5)])

    first = api.get(PHOTOS, {"page_size": 2})
    last = api.get(PHOTOS, {"page_size": 2, "page": 3})

    assert listed_titles(first) == ["p0", "p1"]
    assert first.data["count"] == 5
    assert "page=2" in first.data["next"]
    assert first.data["previous"] is None
    assert listed_titles(last) == ["p4"]
    assert last.data["next"] is None
    assert api.get(PHOTOS, {"page": 4, "page_size": 2}).status_code == 404


def test_photo_list_page_size_capped(api, album):
    Photo.objects.bulk_create(
        Photo(
            owner=album.owner,
            album=album,
            title=f"row {number}",
            image=f"originals/none/{number}.jpg",
            format="JPEG",
            width=1,
            height=1,
            size=1,
        )
        for number in range(105)
    )

    response = api.get(PHOTOS, {"page_size": 1000})
    default = api.get(PHOTOS)

    assert len(response.data["results"]) == 100
    assert len(default.data["results"]) == 20


def test_photo_list_query_count_fixed(api, album, django_assert_num_queries):
    for _ in range(4):
        factories.make_photo(album)

    # Token lookup, count, page, derivatives.
    with django_assert_num_queries(4):
        response = api.get(PHOTOS)

    assert len(response.data["results"]) == 4
    assert all(entry["thumbnail"] for entry in response.data["results"])


def test_photo_get_adds_views(api, photo):
    first = api.get(f"{PHOTOS}{photo.pk}/")
    second = api.get(f"{PHOTOS}{photo.pk}/")

    assert first.status_code == 200
    assert first.data["views"] == 1
    assert second.data["views"] == 2
    photo.refresh_from_db()
    assert photo.views == 2


def test_photo_list_does_not_add_views(api, photo):
    api.get(PHOTOS)

    photo.refresh_from_db()
    assert photo.views == 0


def test_photo_patch_renames(api, photo):
    response = api.patch(f"{PHOTOS}{photo.pk}/", {"title": "  New name "})

    assert response.status_code == 200
    assert response.data["title"] == "New name"
    assert response.data["thumbnail"] is not None
    photo.refresh_from_db()
    assert photo.title == "New name"


def test_photo_patch_rejects_other_fields(api, photo, user, other_user):
    other_album = factories.make_album(user, "Elsewhere")
    before = Photo.objects.filter(pk=photo.pk).values().get()

    response = api.patch(
        f"{PHOTOS}{photo.pk}/",
        {
            "title": "Renamed",
            "views": 1000,
            "album": other_album.pk,
            "owner": other_user.pk,
            "status": "failed",
            "width": 1,
            "created_at": "2000-01-01T00:00:00Z",
            "image": "originals/evil.jpg",
        },
    )

    assert response.status_code == 400
    body = response.json()
    for name in ("views", "album", "owner", "status", "width", "created_at", "image"):
        assert "read-only" in body[name][0]
    assert "title" not in body
    assert Photo.objects.filter(pk=photo.pk).values().get() == before


@pytest.mark.parametrize(
    "title",
    ["", "   ", "x" * 201, "nul\x00byte", "new\nline", "escape\x1b[31m"],
    ids=["empty", "blank", "too-long", "nul", "newline", "escape"],
)
def test_photo_patch_invalid_title_rejected(api, photo, title):
    response = api.patch(f"{PHOTOS}{photo.pk}/", {"title": title})

    assert response.status_code == 400
    assert "title" in response.data
    photo.refresh_from_db()
    assert photo.title == "Sunset"


def test_photo_patch_title_of_200_characters_accepted(api, photo):
    response = api.patch(f"{PHOTOS}{photo.pk}/", {"title": "é" * 200})

    assert response.status_code == 200
    photo.refresh_from_db()
    assert photo.title == "é" * 200


def test_photo_put_not_allowed(api, photo):
    response = api.put(f"{PHOTOS}{photo.pk}/", {"title": "Replaced"})

    assert response.status_code == 405
    photo.refresh_from_db()
    assert photo.title == "Sunset"


def test_photo_delete_removes_row_and_files(
    api, photo, media_root, django_capture_on_commit_callbacks
):
    urls = api.get(f"{PHOTOS}{photo.pk}/").data
    with django_capture_on_commit_callbacks(execute=True):
        response = api.delete(f"{PHOTOS}{photo.pk}/")

    assert response.status_code == 204
    assert not Photo.objects.filter(pk=photo.pk).exists()
    assert PhotoDerivative.objects.count() == 0
    assert stored_files(media_root) == []
    assert api.get(f"{PHOTOS}{photo.pk}/").status_code == 404
    for kind in ("original", "thumbnail", "webp"):
        assert fetch_media(api, urls[kind]["url"])[0].status_code == 404


def test_photo_top_mine(api, album, other_user):
    make_listed(album, [(f"mine{views}", views, views) for views in range(12)])
    make_listed(factories.make_album(other_user), [("theirs", 100, 0)])

    response = api.get(f"{PHOTOS}top/", {"scope": "mine"})

    assert response.status_code == 200
    titles = [entry["title"] for entry in response.data]
    assert titles == [f"mine{views}" for views in range(11, 1, -1)]


def test_photo_top_default_scope_is_mine(api, album, other_user):
    make_listed(album, [("mine", 1, 0)])
    make_listed(factories.make_album(other_user), [("theirs", 100, 0)])

    response = api.get(f"{PHOTOS}top/")

    assert [entry["title"] for entry in response.data] == ["mine"]


def test_photo_top_ties_newest_first(api, album):
    make_listed(album, [("older", 3, 20), ("newer", 3, 5), ("most", 4, 60)])

    response = api.get(f"{PHOTOS}top/")

    assert [entry["title"] for entry in response.data] == ["most", "newer", "older"]


def test_photo_top_site_forbidden_for_non_staff(api, album):
    make_listed(album, [("mine", 1, 0)])

    response = api.get(f"{PHOTOS}top/", {"scope": "site"})

    assert response.status_code == 403


def test_photo_top_site_for_staff_covers_all_users(staff_user, album, other_user):
    make_listed(album, [("first", 5, 0)])
    make_listed(factories.make_album(other_user), [("second", 7, 0)])
    client = client_for(staff_user)

    response = client.get(f"{PHOTOS}top/", {"scope": "site"})

    assert response.status_code == 200
    assert [entry["title"] for entry in response.data] == ["second", "first"]
    owners = {entry["owner"] for entry in response.data}
    assert owners == {album.owner_id, other_user.pk}


@pytest.mark.parametrize("scope", ["all", "", "SITE"])
def test_photo_top_unknown_scope_rejected(api, scope):
    response = api.get(f"{PHOTOS}top/", {"scope": scope})

    assert response.status_code == 400
    assert "scope" in response.data


def test_photo_thumbnail_decodes(api, photo):
    thumbnail = api.get(f"{PHOTOS}{photo.pk}/").data["thumbnail"]

    reply, body = fetch_media(api, thumbnail["url"])

    assert reply["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(body)) as image:
        assert image.size == (thumbnail["width"], thumbnail["height"])


def test_photo_uploads_throttled_per_user(api, album, monkeypatch):
    rates = {"anon": None, "user": None, "upload": "2/minute"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    cache.clear()

    answers = [upload_photo(api, album.pk).status_code for _ in range(3)]
    listed = api.get(PHOTOS)

    cache.clear()
    assert answers == [201, 201, 429]
    assert listed.status_code == 200
    assert Photo.objects.filter(album=album).count() == 2
