"""Hostile requests: signed links, titles, file names, malformed bodies,
bad tokens and other users' ids all fail with a 4xx, never a 500."""

# pytest passes fixtures by parameter name, so test parameters repeat the
# fixture functions' names.
# pylint: disable=redefined-outer-name

import re

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token

from gallery import links
from gallery.models import Album, Photo
from tests import factories
from tests import images as build
from tests.conftest import client_for, stored_files

PHOTOS = "/api/v1/photos/"
ALBUMS = "/api/v1/albums/"
STORAGE_NAME = re.compile(
    r"^(originals|derivatives)/[0-9a-f]{2}/[0-9a-f]{32}\.(png|jpg|webp)$"
)


def media_path(url):
    return url[url.index("/media/") :]


def read_stored(field_file):
    with field_file.open("rb") as stored:
        return stored.read()


def png_bytes():
    return build.encode(build.quadrant_picture(), "PNG")


def body_of(response):
    return b"".join(response.streaming_content)


# --- Signed media links ---------------------------------------------------


def test_media_link_serves_only_its_file(api, anon_api, photo):
    data = api.get(f"{PHOTOS}{photo.pk}/").json()

    for kind, field_file in (
        ("original", photo.image),
        ("thumbnail", photo.get_derivative("thumbnail").file),
        ("webp", photo.get_derivative("webp").file),
    ):
        response = anon_api.get(media_path(data[kind]["url"]))
        assert response.status_code == 200
        assert response["Content-Type"] == data[kind]["content_type"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert body_of(response) == read_stored(field_file)


def _tampered(token):
    last = "A" if token[-1] != "A" else "B"
    return token[:-1] + last


def test_media_link_tampered_not_found(anon_api, photo):
    token = links.sign(photo.image.name)
    value, _separator, signature = token.rpartition(":")
    other = links.sign(photo.get_derivative("thumbnail").file.name)
    other_value = other.rpartition(":")[0]

    for bad in (
        _tampered(token),
        f"{other_value}:{signature}",
        f"{value}:{other.rpartition(':')[2]}",
        token[: len(token) // 2],
        token[:-1],
        "",
        ":",
        "x" * 5000,
    ):
        response = anon_api.get(f"/media/{bad}")
        assert response.status_code == 404, bad


def test_media_link_names_no_path_outside_storage(anon_api, photo):
    # A token for another name must carry a valid signature, which only the
    # server can make; the same payload with a stolen signature fails.
    forged = signing.dumps("../../etc/passwd", salt="another.salt", compress=True)

    response = anon_api.get(f"/media/{forged}")

    assert response.status_code == 404
    assert photo.image.name.startswith("originals/")


@pytest.mark.parametrize(
    "junk",
    ["%E2%98%83%F0%9F%98%80", "%00", "%FF%FE", "caf%C3%A9:abc:def", "..%2F..%2Fetc"],
)
def test_media_link_non_ascii_junk_not_found(anon_api, junk):
    response = anon_api.get(f"/media/{junk}")

    assert response.status_code == 404


def test_media_link_expired_gone(anon_api, photo, settings, monkeypatch):
    token = links.sign(photo.image.name)
    now = signing.time.time()
    monkeypatch.setattr(
        signing.time, "time", lambda: now + settings.GALLERY_MEDIA_URL_MAX_AGE + 5
    )

    response = anon_api.get(f"/media/{token}")

    assert response.status_code == 410
    assert b"expired" in response.content


def test_media_link_of_deleted_photo_not_found(
    api, anon_api, photo, django_capture_on_commit_callbacks
):
    url = media_path(api.get(f"{PHOTOS}{photo.pk}/").json()["original"]["url"])
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"{PHOTOS}{photo.pk}/").status_code == 204

    assert anon_api.get(url).status_code == 404


def test_media_link_rejects_unsafe_methods(anon_api, photo):
    token = links.sign(photo.image.name)

    for method in ("post", "put", "patch", "delete"):
        response = getattr(anon_api, method)(f"/media/{token}")
        assert response.status_code == 405, method
    assert Photo.objects.filter(pk=photo.pk).exists()


# --- Titles ----------------------------------------------------------------


@pytest.fixture
def upload(api, album):
    def post(title, name="photo.png", content=None):
        if content is None:
            content = build.encode(build.quadrant_picture((20, 20)), "PNG")
        return api.post(
            PHOTOS,
            {
                "album": album.pk,
                "title": title,
                "image": SimpleUploadedFile(name, content),
            },
            format="multipart",
        )

    return post


GOOD_TITLES = [
    ("x" * 200, "x" * 200),
    ("  Sunset  ", "Sunset"),
    ("🌅 Sunset 👨‍👩‍👧", "🌅 Sunset 👨‍👩‍👧"),
    ("שלום עולם", "שלום עולם"),
    ("مرحبا بالعالم", "مرحبا بالعالم"),
    ("\u202eabc", "\u202eabc"),
    ("<script>alert(1)</script>", "<script>alert(1)</script>"),
    ("'; DROP TABLE gallery_photo; --", "'; DROP TABLE gallery_photo; --"),
]
BAD_TITLES = [
    ("x" * 201, "no more than 200 characters"),
    ("", "may not be blank"),
    ("   \t  ", "may not be blank"),
    ("a\x00b", "Control characters"),
    ("a\nb", "Control characters"),
    ("\x1b[31mred", "Control characters"),
    ("a\x7fb", "Control characters"),
]


@pytest.mark.parametrize("title,stored", GOOD_TITLES)
def test_title_unusual_accepted(api, upload, title, stored):
    response = upload(title)
    assert response.status_code == 201, response.content
    assert response.json()["title"] == stored
    photo_id = response.json()["id"]
    assert Photo.objects.get(pk=photo_id).title == stored

    renamed = api.patch(f"{PHOTOS}{photo_id}/", {"title": title}, format="json")
    assert renamed.status_code == 200
    assert renamed.json()["title"] == stored

    created = api.post(ALBUMS, {"title": title}, format="json")
    assert created.status_code == 201
    assert Album.objects.get(pk=created.json()["id"]).title == stored


@pytest.mark.parametrize("title,reason", BAD_TITLES)
def test_title_invalid_rejected(api, photo, upload, media_root, title, reason):
    before = stored_files(media_root)

    response = upload(title)
    assert response.status_code == 400
    assert reason in " ".join(response.json()["title"])
    assert Photo.objects.count() == 1
    assert stored_files(media_root) == before

    renamed = api.patch(f"{PHOTOS}{photo.pk}/", {"title": title}, format="json")
    assert renamed.status_code == 400
    assert reason in " ".join(renamed.json()["title"])
    photo.refresh_from_db()
    assert photo.title == "Sunset"

    created = api.post(ALBUMS, {"title": title}, format="json")
    assert created.status_code == 400
    assert reason in " ".join(created.json()["title"])
    assert Album.objects.count() == 1


def test_title_lone_surrogate_rejected(api, photo):
    # JSON can carry "\ud800", which no database can store as UTF-8.
    body = b'{"title": "a\\ud800b"}'

    renamed = api.generic(
        "PATCH", f"{PHOTOS}{photo.pk}/", body, content_type="application/json"
    )
    created = api.generic("POST", ALBUMS, body, content_type="application/json")

    for response in (renamed, created):
        assert response.status_code == 400
        assert "Surrogate" in " ".join(response.json()["title"])
    photo.refresh_from_db()
    assert photo.title == "Sunset"


@pytest.mark.parametrize("title", [None, ["a"], {"a": 1}, True])
def test_title_wrong_type_rejected(api, photo, title):
    response = api.patch(f"{PHOTOS}{photo.pk}/", {"title": title}, format="json")

    assert response.status_code == 400
    assert "title" in response.json()


def test_title_number_stored_as_text(api, photo):
    response = api.patch(f"{PHOTOS}{photo.pk}/", {"title": 5}, format="json")

    assert response.status_code == 200
    assert response.json()["title"] == "5"


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd.png",
        "..\\..\\windows\\win.ini.png",
        "a/b/c.png",
        "/absolute/path.png",
        "..\u2215..\u2215x.png",
        "x" * 300 + ".png",
        "ph\u00f6to \U0001f305.PNG",
        "\u202egnp.exe.png",
    ],
)
def test_upload_file_name_never_a_path(upload, media_root, name):
    response = upload("Named", name=name)

    assert response.status_code == 201, response.content
    photo = Photo.objects.get(pk=response.json()["id"])
    assert STORAGE_NAME.match(photo.image.name), photo.image.name
    for stored in stored_files(media_root):
        assert STORAGE_NAME.match(stored), stored
        assert ".." not in stored


# --- Malformed bodies, methods and tokens -----------------------------------


def assert_json_error(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    assert response.json()


@pytest.mark.parametrize(
    "body",
    [
        b'{"title": ',
        b"{'title': 'x'}",
        b"\xff\xfe\x00",
        b"[]",
        b"null",
        b'"x"',
        b'{"title": NaN}',
        b'{"title": "x"' + b" " * 10 + b"]",
    ],
)
def test_album_malformed_json_rejected(api, body):
    response = api.generic("POST", ALBUMS, body, content_type="application/json")

    assert_json_error(response, 400)
    assert not Album.objects.exists()


def test_album_wrong_content_type_rejected(api):
    response = api.generic("POST", ALBUMS, b"title=x", content_type="text/plain")

    assert_json_error(response, 415)


@pytest.mark.parametrize(
    "content_type,body",
    [
        ("multipart/form-data; boundary=abc", b"--xyz\r\nbroken"),
        ("multipart/form-data", b"--xyz\r\n"),
        ("multipart/form-data; boundary=", b"----\r\n"),
        (
            "multipart/form-data; boundary=abc",
            b"--abc\r\nContent-Disposition: x\r\n\r\n",
        ),
        ("multipart/form-data; boundary=abc", b""),
    ],
)
def test_upload_malformed_multipart_rejected(api, media_root, content_type, body):
    response = api.generic("POST", PHOTOS, body, content_type=content_type)

    assert response.status_code == 400, response.content
    assert response.json()
    assert not Photo.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.parametrize("missing", ["album", "title", "image"])
def test_upload_missing_part_rejected(api, album, media_root, missing):
    data = {
        "album": album.pk,
        "title": "Missing",
        "image": SimpleUploadedFile("p.png", png_bytes()),
    }
    del data[missing]

    response = api.post(PHOTOS, data, format="multipart")

    assert_json_error(response, 400)
    assert missing in response.json()
    assert not Photo.objects.exists()
    assert stored_files(media_root) == []


def test_upload_image_as_text_field_rejected(api, album):
    response = api.post(
        PHOTOS,
        {"album": album.pk, "title": "T", "image": "not a file"},
        format="multipart",
    )

    assert_json_error(response, 400)
    assert "image" in response.json()


def test_upload_as_json_or_form_rejected(api, album):
    as_json = api.post(
        PHOTOS, {"album": album.pk, "title": "T", "image": "x"}, format="json"
    )
    as_form = api.generic(
        "POST",
        PHOTOS,
        b"album=1&title=T",
        content_type="application/x-www-form-urlencoded",
    )

    assert_json_error(as_json, 400)
    assert_json_error(as_form, 415)
    assert not Photo.objects.exists()


@pytest.mark.parametrize(
    "album_value", ["abc", "", "1.5", "-1", str(10**30), "0x1", "[1]"]
)
@pytest.mark.usefixtures("album")
def test_upload_bad_album_value_rejected(api, media_root, album_value):
    response = api.post(
        PHOTOS,
        {
            "album": album_value,
            "title": "T",
            "image": SimpleUploadedFile("p.png", png_bytes()),
        },
        format="multipart",
    )

    assert response.status_code in (400, 404), response.content
    assert response.json()
    assert not Photo.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.parametrize(
    "query",
    [
        "album=abc",
        "album=",
        f"album={10**30}",
        "album=-1",
        "ordering=nope",
        "ordering=owner__password",
        "page=abc",
        "page=99999",
        "page_size=-1",
        "page_size=abc",
        "album=1%00",
    ],
)
@pytest.mark.usefixtures("photo")
def test_photo_list_bad_query_is_client_error(api, query):
    response = api.get(f"{PHOTOS}?{query}")

    assert response.status_code < 500
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("pk", ["abc", str(10**30), "-1", "0", "1e3", "%00"])
@pytest.mark.usefixtures("photo")
def test_detail_bad_id_not_found(api, pk):
    for url in (f"{PHOTOS}{pk}/", f"{ALBUMS}{pk}/"):
        response = api.get(url)
        assert response.status_code == 404, (url, response.content)


@pytest.mark.parametrize(
    "method,url",
    [
        ("put", "{photos}{photo}/"),
        ("delete", "{photos}"),
        ("patch", "{photos}"),
        ("put", "{photos}"),
        ("post", "{photos}{photo}/"),
        ("post", "{photos}top/"),
        ("delete", "{albums}"),
        ("patch", "{albums}"),
        ("post", "{albums}{album}/"),
    ],
)
def test_wrong_method_not_allowed(api, photo, method, url):
    target = url.format(
        photos=PHOTOS, albums=ALBUMS, photo=photo.pk, album=photo.album_id
    )

    response = getattr(api, method)(target, {}, format="json")

    assert_json_error(response, 405)
    assert Photo.objects.filter(pk=photo.pk).exists()


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Token",
        "Token ",
        "Token nope",
        "Token a b",
        "Bearer abc",
        "token x" * 500,
        "Token \u00e9\u00e9",
    ],
)
def test_bad_token_unauthorized(photo, header):
    client = client_for(None)
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)

    for url in (PHOTOS, f"{PHOTOS}{photo.pk}/", ALBUMS, f"{PHOTOS}top/"):
        response = client.get(url)
        assert_json_error(response, 401)
    assert client.delete(f"{PHOTOS}{photo.pk}/").status_code == 401
    assert Photo.objects.filter(pk=photo.pk).exists()


def test_revoked_token_unauthorized(user, photo):
    client = client_for(user)
    assert client.post("/api/v1/auth/token/logout/").status_code == 204
    assert not Token.objects.filter(user=user).exists()

    assert_json_error(client.get(PHOTOS), 401)
    assert_json_error(client.delete(f"{PHOTOS}{photo.pk}/"), 401)
    assert Photo.objects.filter(pk=photo.pk).exists()


# --- Other users' ids -------------------------------------------------------


def test_other_users_ids_not_found(other_api, photo, media_root):
    before = stored_files(media_root)
    album_id = photo.album_id

    checks = [
        other_api.get(f"{PHOTOS}{photo.pk}/"),
        other_api.patch(f"{PHOTOS}{photo.pk}/", {"title": "Mine"}, format="json"),
        other_api.delete(f"{PHOTOS}{photo.pk}/"),
        other_api.get(f"{ALBUMS}{album_id}/"),
        other_api.patch(f"{ALBUMS}{album_id}/", {"title": "Mine"}, format="json"),
        other_api.put(f"{ALBUMS}{album_id}/", {"title": "Mine"}, format="json"),
        other_api.delete(f"{ALBUMS}{album_id}/"),
        other_api.get(f"{PHOTOS}?album={album_id}"),
        other_api.post(
            PHOTOS,
            {
                "album": album_id,
                "title": "Planted",
                "image": SimpleUploadedFile(
                    "p.png", build.encode(build.quadrant_picture(), "PNG")
                ),
            },
            format="multipart",
        ),
    ]

    for response in checks:
        assert_json_error(response, 404)
    photo.refresh_from_db()
    assert photo.title == "Sunset"
    assert photo.views == 0
    assert Album.objects.get(pk=album_id).title == "Holidays"
    assert Photo.objects.count() == 1
    assert stored_files(media_root) == before
    assert other_api.get(PHOTOS).json()["count"] == 0
    assert other_api.get(f"{PHOTOS}top/?scope=mine").json() == []


# --- Deletion leaves no files ------------------------------------------------


def test_photo_delete_removes_files(
    api, album, media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        kept = factories.make_photo(album, title="Kept")
        gone = factories.make_photo(album, title="Gone")
    kept_files = {kept.image.name, *(d.file.name for d in kept.derivatives.all())}
    assert len(stored_files(media_root)) == 6

    with django_capture_on_commit_callbacks(execute=True):
        response = api.delete(f"{PHOTOS}{gone.pk}/")

    assert response.status_code == 204
    assert set(stored_files(media_root)) == kept_files


def test_album_delete_removes_all_files(
    api, user, media_root, django_capture_on_commit_callbacks
):
    album = factories.make_album(user, "Doomed")
    other = factories.make_album(user, "Kept")
    with django_capture_on_commit_callbacks(execute=True):
        for index in range(3):
            factories.make_photo(album, title=f"P{index}")
        kept = factories.make_photo(other)
    assert len(stored_files(media_root)) == 12

    with django_capture_on_commit_callbacks(execute=True):
        response = api.delete(f"{ALBUMS}{album.pk}/")

    assert response.status_code == 204
    assert not Photo.objects.filter(album_id=album.pk).exists()
    expected = {kept.image.name, *(d.file.name for d in kept.derivatives.all())}
    assert set(stored_files(media_root)) == expected


@pytest.mark.parametrize(
    "url", ["/api/v1/auth/users/me/", PHOTOS, ALBUMS, "/api/v1/photos/top/"]
)
def test_options_never_server_error(api, url):
    response = api.options(url)

    assert response.status_code == 200
    assert "name" in response.json()


@pytest.mark.parametrize("path", ["/api/v1/photos/a/b/", "/api/v1/nothing/", "/x"])
def test_unknown_path_json_not_found(api, path):
    assert_json_error(api.get(path), 404)


@pytest.mark.parametrize("name", ["", "originals", "../settings.py", 7, {"a": 1}])
def test_media_token_naming_no_file_not_found(client, name, media_root):
    (media_root / "originals").mkdir(parents=True, exist_ok=True)
    token = signing.dumps(name, salt=links.SALT, compress=True)

    response = client.get(f"/media/{token}")

    assert response.status_code == 404


def test_deeply_nested_json_rejected(api):
    body = "[" * 5000 + "]" * 5000

    response = api.generic(
        "POST", "/api/v1/albums/", body, content_type="application/json"
    )

    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


def test_multipart_login_unsupported(anon_api, user):
    response = anon_api.post(
        "/api/v1/auth/token/login/",
        {"username": user.username, "password": "x"},
        format="multipart",
    )

    assert response.status_code == 415


@pytest.mark.parametrize(
    "title", ["\u200b\u200b", "\ufeff", "\u200e \u200f", "\u2060\u3000\u2060"]
)
def test_invisible_title_rejected(api, album, title):
    response = api.patch(f"/api/v1/albums/{album.pk}/", {"title": title})

    assert response.status_code == 400
    assert "no visible characters" in response.json()["title"][0]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/auth/token/login/", '{"username": "\\ud800", "password": "x"}'),
        ("/api/v1/slideshows/", '{"scope": "\\ud800"}'),
        ("/api/v1/photos/{photo}/", '{"title": "ok", "\\ud800": 1}'),
    ],
)
def test_lone_surrogate_bodies_are_client_errors(api, photo, path, body):
    method = "PATCH" if "{photo}" in path else "POST"
    url = path.format(photo=photo.pk)

    response = api.generic(method, url, body, content_type="application/json")

    assert 400 <= response.status_code < 500
    assert response.json()


@pytest.mark.usefixtures("album")
def test_upload_infinite_album_id_rejected(api):
    body = '{"album": 1e400, "title": "x"}'

    response = api.generic(
        "POST", "/api/v1/photos/", body, content_type="application/json"
    )

    assert response.status_code == 400


@pytest.mark.parametrize("name", ["originals/a\x00b.jpg", "originals/\ud800.jpg"])
def test_media_token_unstorable_name_not_found(client, name):
    token = signing.dumps(name, salt=links.SALT, compress=True)

    response = client.get(f"/media/{token}")

    assert response.status_code == 404
