"""Signed media links: content, expiry, tampering and X-Accel-Redirect."""

import io
import time

import pytest
from django.core import signing
from PIL import Image

from gallery import links
from tests import factories
from tests.conftest import fetch_media, upload_photo


def decode(body):
    with Image.open(io.BytesIO(body)) as image:
        image.load()
        return image.format, image.size


def exif_rotated_jpeg(size=(200, 100), orientation=6):
    """Encode a landscape JPEG whose EXIF orientation turns it to portrait."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    return factories.image_bytes("JPEG", size=size, exif=exif.tobytes())


def test_media_every_rendition_served(api, photo):
    shown = api.get(f"/api/v1/photos/{photo.pk}/").data

    for kind, image_format in (
        ("original", "JPEG"),
        ("thumbnail", "JPEG"),
        ("webp", "WEBP"),
    ):
        rendition = shown[kind]
        response, body = fetch_media(api, rendition["url"])
        assert response.status_code == 200, kind
        assert response["Content-Type"] == rendition["content_type"], kind
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cache-Control"].startswith("private")
        assert len(body) == rendition["size"], kind
        assert decode(body) == (
            image_format,
            (rendition["width"], rendition["height"]),
        ), kind


def test_media_png_served_as_png(api, album):
    content = factories.image_bytes("PNG", size=(40, 30), mode="RGBA")
    created = upload_photo(api, album.pk, content, name="alpha.png").data

    response, body = fetch_media(api, created["original"]["url"])

    assert response["Content-Type"] == "image/png"
    assert body == content
    assert created["thumbnail"]["content_type"] == "image/png"


def test_media_link_needs_no_token(anon_api, photo, api):
    url = api.get(f"/api/v1/photos/{photo.pk}/").data["original"]["url"]

    response, body = fetch_media(anon_api, url)

    assert response.status_code == 200
    assert decode(body)[0] == "JPEG"


def test_media_exif_rotated_thumbnail_upright(
    api, album, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = upload_photo(api, album.pk, exif_rotated_jpeg()).data
    shown = api.get(f"/api/v1/photos/{created['id']}/").data

    thumbnail = decode(fetch_media(api, shown["thumbnail"]["url"])[1])
    webp = decode(fetch_media(api, shown["webp"]["url"])[1])

    assert thumbnail == ("JPEG", (75, 150))
    assert webp == ("WEBP", (100, 200))
    assert (shown["original"]["width"], shown["original"]["height"]) == (100, 200)


def test_media_tampered_token_not_found(api, photo):
    url = api.get(f"/api/v1/photos/{photo.pk}/").data["original"]["url"]
    tampered = url[:-2] + ("xy" if not url.endswith("xy") else "yz")

    response = api.get(tampered)

    assert response.status_code == 404


def test_media_token_for_unknown_name_not_found(
    api, db
):  # pylint: disable=unused-argument
    response = api.get(f"/media/{links.sign('originals/00/missing.jpg')}")

    assert response.status_code == 404


class PastTimestampSigner(signing.TimestampSigner):
    """Signs as if it were 100 seconds ago."""

    def timestamp(self):
        return signing.b62_encode(int(time.time()) - 100)


def test_media_expired_token_gone(api, photo, settings):
    settings.GALLERY_MEDIA_URL_MAX_AGE = 10
    token = PastTimestampSigner(salt=links.SALT).sign_object(
        photo.image.name, compress=True
    )

    response = api.get(f"/media/{token}")

    assert response.status_code == 410
    assert "expired" in response.content.decode()


def test_media_old_token_within_max_age_served(api, photo, settings):
    settings.GALLERY_MEDIA_URL_MAX_AGE = 1000
    token = PastTimestampSigner(salt=links.SALT).sign_object(
        photo.image.name, compress=True
    )

    response, body = fetch_media(api, f"/media/{token}")

    assert response.status_code == 200
    assert decode(body)[0] == "JPEG"


def test_media_deleted_photo_not_found(api, photo, django_capture_on_commit_callbacks):
    url = api.get(f"/api/v1/photos/{photo.pk}/").data["thumbnail"]["url"]
    with django_capture_on_commit_callbacks(execute=True):
        api.delete(f"/api/v1/photos/{photo.pk}/")

    response = api.get(url)

    assert response.status_code == 404


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_media_write_methods_not_allowed(api, photo, method):
    url = api.get(f"/api/v1/photos/{photo.pk}/").data["original"]["url"]

    response = getattr(api, method)(url)

    assert response.status_code == 405
    assert photo.image.storage.exists(photo.image.name)


def test_media_head_allowed(api, photo):
    url = api.get(f"/api/v1/photos/{photo.pk}/").data["original"]["url"]

    response = api.head(url)

    assert response.status_code == 200


def test_media_accel_redirect(api, photo, settings):
    settings.GALLERY_ACCEL_REDIRECT_PREFIX = "/protected/"
    url = api.get(f"/api/v1/photos/{photo.pk}/").data["webp"]["url"]
    webp_name = photo.derivatives.get(kind="webp").file.name

    response = api.get(url)

    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected/{webp_name}"
    assert response["Content-Type"] == "image/webp"
    assert response.content == b""
