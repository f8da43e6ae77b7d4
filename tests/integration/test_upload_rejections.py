"""Hostile uploads: each is a 400 (or 413) naming the reason and stores
nothing: no row, no file in storage, no temporary upload file."""

# pytest passes fixtures by parameter name, so test parameters repeat the
# fixture functions' names.
# pylint: disable=redefined-outer-name

import io
import json
import socket
import struct
import zlib
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.core.files import uploadedfile
from PIL import Image
from rest_framework.authtoken.models import Token

from gallery.models import Photo, PhotoDerivative
from tests import images as build
from tests.conftest import stored_files

URL = "/api/v1/photos/"
MAX_BYTES = 5_242_880


@pytest.fixture
def upload_temp_dir(settings, tmp_path, monkeypatch):
    """Send every upload over 1 KiB to a temporary file in a test folder.

    Records each temporary file Django creates, so a test can check both
    that the file existed and that it is gone.
    """
    folder = tmp_path / "upload-tmp"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    created = []
    real = uploadedfile.tempfile.NamedTemporaryFile

    def recording(*args, **kwargs):
        handle = real(*args, **kwargs)
        created.append(handle.name)
        return handle

    monkeypatch.setattr(uploadedfile.tempfile, "NamedTemporaryFile", recording)
    return SimpleNamespace(path=folder, created=created)


@pytest.fixture
def post_photo(api, album, upload_temp_dir):  # pylint: disable=unused-argument
    """Post a file as a photo and return the response."""

    def post(content, name="photo.png", **fields):
        data = {"album": album.pk, "title": "Test", **fields}
        data["image"] = uploadedfile.SimpleUploadedFile(name, content)
        return api.post(URL, data, format="multipart")

    return post


def assert_rejected(response, media_root, temp_dir, reason, field="image"):
    """Check a 400 naming ``reason`` and that nothing was stored or left."""
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    message = " ".join(response.json()[field])
    assert reason in message
    assert not Photo.objects.exists()
    assert not PhotoDerivative.objects.exists()
    assert stored_files(media_root) == []
    assert not list(temp_dir.path.iterdir())


NOT_IMAGE = "not a PNG or JPEG image"


@pytest.mark.parametrize("label,content", build.other_formats())
@pytest.mark.parametrize("name", ["photo.png", "photo.jpg", "photo.jpeg"])
def test_upload_other_format_rejected(
    post_photo, media_root, upload_temp_dir, label, content, name
):
    response = post_photo(content, name=name)

    assert_rejected(response, media_root, upload_temp_dir, NOT_IMAGE)
    assert label


@pytest.mark.parametrize(
    "name,shown",
    [
        ("photo.gif", ".gif"),
        ("photo.webp", ".webp"),
        ("photo.heic", ".heic"),
        ("photo", "no extension"),
        ("photo.jpg.exe", ".exe"),
        ("photo.png.", "."),
        (".png", "no extension"),
    ],
)
def test_upload_wrong_extension_rejected(
    post_photo, media_root, upload_temp_dir, name, shown
):
    content = build.encode(build.quadrant_picture(), "PNG")

    response = post_photo(content, name=name)

    assert_rejected(response, media_root, upload_temp_dir, f"extension ({shown})")


# Pillow warns between its own limit and twice it; the service's lower cap
# rejects those files anyway.
@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize(
    "content",
    [
        pytest.param(build.png_bomb(100_000, 100_000), id="png-10-gigapixels"),
        # Between Pillow's MAX_IMAGE_PIXELS and twice it Pillow only warns.
        pytest.param(build.png_bomb(10_000, 10_000), id="png-100-megapixels"),
        pytest.param(build.png_bomb(7072, 7072), id="png-just-over-cap"),
        pytest.param(build.png_bomb(1, 50_000_001), id="png-one-column"),
        pytest.param(build.jpeg_with_dimensions(60_000, 60_000), id="jpeg-3-6-gp"),
        pytest.param(build.jpeg_with_dimensions(10_000, 10_000), id="jpeg-100-mp"),
        pytest.param(build.jpeg_with_dimensions(8000, 8000), id="jpeg-64-mp"),
    ],
)
def test_upload_decompression_bomb_rejected(
    post_photo, media_root, upload_temp_dir, content
):
    assert len(content) < 2048

    response = post_photo(content, name="bomb.png")

    assert_rejected(
        response, media_root, upload_temp_dir, "the maximum is 50000000 pixels"
    )


@pytest.mark.parametrize("size", [(16384, 3), (2, 20000)])
def test_upload_side_over_limit_rejected(post_photo, media_root, upload_temp_dir, size):
    content = build.encode(Image.new("L", size, 200), "PNG")

    response = post_photo(content, name="strip.png")

    assert_rejected(
        response, media_root, upload_temp_dir, "each side may be at most 16383 pixels"
    )


def test_upload_pixel_cap_from_settings(
    post_photo, settings, media_root, upload_temp_dir
):
    settings.GALLERY_MAX_IMAGE_PIXELS = 1000

    response = post_photo(build.encode(Image.new("RGB", (40, 26)), "PNG"))

    assert_rejected(response, media_root, upload_temp_dir, "The image is 40x26 pixels")


def test_upload_at_pixel_cap_accepted(post_photo, settings, upload_temp_dir):
    settings.GALLERY_MAX_IMAGE_PIXELS = 1000

    response = post_photo(build.encode(Image.new("RGB", (40, 25)), "PNG"))

    assert response.status_code == 201, response.content
    assert not list(upload_temp_dir.path.iterdir())


def _noisy_jpeg(size=(900, 700)):
    return build.encode(Image.effect_noise(size, 80).convert("RGB"), "JPEG")


def _progressive_jpeg():
    picture = Image.effect_noise((900, 700), 80).convert("RGB")
    return build.encode(picture, "JPEG", progressive=True)


@pytest.mark.parametrize("fraction", [0.2, 0.5, 0.9, 0.99])
@pytest.mark.parametrize(
    "maker,name",
    [(_noisy_jpeg, "p.jpg"), (_progressive_jpeg, "p.jpg"), (build.noisy_png, "p.png")],
)
def test_upload_truncated_rejected(
    post_photo, media_root, upload_temp_dir, maker, name, fraction
):
    content = maker()
    truncated = content[: int(len(content) * fraction)]

    response = post_photo(truncated, name=name)

    assert_rejected(response, media_root, upload_temp_dir, "corrupt or truncated")


def test_upload_jpeg_with_too_many_scans_rejected(
    post_photo, media_root, upload_temp_dir
):
    content = build.progressive_jpeg_with_scans(101)

    response = post_photo(content, name="p.jpg")

    assert_rejected(
        response,
        media_root,
        upload_temp_dir,
        "The JPEG has 101 scans; at most 100 are accepted.",
    )


def test_upload_jpeg_at_scan_cap_accepted(post_photo):
    response = post_photo(build.progressive_jpeg_with_scans(100), name="p.jpg")

    assert response.status_code == 201, response.content


def test_upload_jpeg_without_end_marker_rejected(
    post_photo, media_root, upload_temp_dir
):
    # Image.verify() passes this file; only a full decode finds it truncated.
    content = _noisy_jpeg()[:-200]
    with Image.open(io.BytesIO(content)) as image:
        image.verify()

    response = post_photo(content, name="p.jpg")

    assert_rejected(response, media_root, upload_temp_dir, "corrupt or truncated")


def test_upload_png_with_damaged_pixel_data_rejected(
    post_photo, media_root, upload_temp_dir
):
    picture = build.quadrant_picture((60, 60))
    rows = [picture.tobytes()[y * 180 : (y + 1) * 180] for y in range(60)]
    compressed = bytearray(zlib.compress(b"".join(b"\x00" + row for row in rows)))
    compressed[len(compressed) // 2] ^= 0xFF
    content = (
        build.png_header(60, 60, 8, 2)
        + build.png_chunk(b"IDAT", bytes(compressed))
        + build.png_chunk(b"IEND", b"")
    )

    response = post_photo(content)

    assert_rejected(response, media_root, upload_temp_dir, "corrupt or truncated")


@pytest.mark.parametrize(
    "content,name",
    [
        pytest.param(
            build.png_header(40, 40, 8, 2) + bytes(range(256)) * 8, "p.png", id="png"
        ),
        pytest.param(_noisy_jpeg()[:600] + b"\x13\x37" * 2000, "p.jpg", id="jpeg"),
        pytest.param(build.PNG_SIGNATURE, "p.png", id="png-signature-only"),
        pytest.param(b"\xff\xd8\xff", "p.jpg", id="jpeg-marker-only"),
    ],
)
def test_upload_garbage_after_header_rejected(
    post_photo, media_root, upload_temp_dir, content, name
):
    response = post_photo(content, name=name)

    assert response.status_code == 400
    message = " ".join(response.json()["image"])
    assert "corrupt or truncated" in message or NOT_IMAGE in message
    assert_rejected(response, media_root, upload_temp_dir, "")


def test_upload_empty_file_rejected(post_photo, media_root, upload_temp_dir):
    response = post_photo(b"")

    assert_rejected(response, media_root, upload_temp_dir, "empty")


def test_upload_exactly_max_size_png_accepted(post_photo, media_root, upload_temp_dir):
    content = build.pad_png(build.noisy_png((200, 200)), MAX_BYTES)
    assert len(content) == MAX_BYTES

    response = post_photo(content)

    assert response.status_code == 201, response.content
    photo = Photo.objects.get()
    assert photo.size == MAX_BYTES
    assert photo.image.size == MAX_BYTES
    # The original and its thumbnail; the WebP job runs after the commit.
    assert len(stored_files(media_root)) == 2
    assert len(upload_temp_dir.created) == 1
    assert not list(upload_temp_dir.path.iterdir())


def test_upload_one_byte_over_max_png_rejected(post_photo, media_root, upload_temp_dir):
    content = build.pad_png(build.noisy_png((200, 200)), MAX_BYTES + 1)

    response = post_photo(content)

    assert len(upload_temp_dir.created) == 1
    assert_rejected(response, media_root, upload_temp_dir, "The file is 5242881 bytes")


def test_upload_exactly_max_size_jpeg_accepted(post_photo):
    jpeg = _noisy_jpeg((200, 200))
    content = jpeg + b"\x00" * (MAX_BYTES - len(jpeg))

    response = post_photo(content, name="photo.jpeg")

    assert response.status_code == 201, response.content
    assert Photo.objects.get().size == MAX_BYTES


def test_upload_one_byte_over_max_jpeg_rejected(
    post_photo, media_root, upload_temp_dir
):
    jpeg = _noisy_jpeg((200, 200))
    content = jpeg + b"\x00" * (MAX_BYTES + 1 - len(jpeg))

    response = post_photo(content, name="photo.jpg")

    assert_rejected(response, media_root, upload_temp_dir, "maximum is 5242880 bytes")


def test_upload_huge_declared_body_refused(api, album, media_root, upload_temp_dir):
    body = b'--xyz\r\nContent-Disposition: form-data; name="title"\r\n\r\nT\r\n'

    response = api.generic(
        "POST",
        URL,
        body,
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(2**40),
    )

    assert response.status_code == 413
    assert "1099511627776 bytes" in response.json()["detail"]
    assert not Photo.objects.exists()
    assert stored_files(media_root) == []
    assert upload_temp_dir.created == []
    assert album.photos.count() == 0


def test_upload_huge_body_refused_over_socket(live_server, user, media_root):
    """A real client announcing 1 GiB gets 413 after sending a few bytes."""
    token, _created = Token.objects.get_or_create(user=user)
    address = urlsplit(live_server.url)
    head = (
        f"POST {URL} HTTP/1.1\r\n"
        f"Host: {address.hostname}\r\n"
        f"Authorization: Token {token.key}\r\n"
        "Content-Type: multipart/form-data; boundary=xyz\r\n"
        f"Content-Length: {2**30}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((address.hostname, address.port), timeout=10) as conn:
        conn.sendall(head + b"--xyz\r\n" + b"x" * 4096)
        received = b""
        while b"\r\n\r\n" not in received or not received.rstrip().endswith(b"}"):
            chunk = conn.recv(65536)
            if not chunk:
                break
            received += chunk
    status_line, _, rest = received.partition(b"\r\n")
    assert status_line.split()[1] == b"413", received
    body = rest.partition(b"\r\n\r\n")[2]
    assert "at most 5242880 bytes" in json.loads(body)["detail"]
    assert not Photo.objects.exists()
    assert stored_files(media_root) == []


def test_upload_png_declaring_size_overflow_rejected(
    post_photo, media_root, upload_temp_dir
):
    # Width and height at the PNG maximum (2**31 - 1) overflow 32-bit maths.
    content = build.png_header(2**31 - 1, 2**31 - 1, 8, 2) + build.png_chunk(
        b"IEND", b""
    )

    response = post_photo(content)

    assert response.status_code == 400
    assert_rejected(response, media_root, upload_temp_dir, "")


def test_upload_zero_width_png_rejected(post_photo, media_root, upload_temp_dir):
    ihdr = struct.pack(">IIBBBBB", 0, 10, 8, 2, 0, 0, 0)
    content = (
        build.PNG_SIGNATURE
        + build.png_chunk(b"IHDR", ihdr)
        + build.png_chunk(b"IDAT", zlib.compress(b"\x00" * 10))
        + build.png_chunk(b"IEND", b"")
    )

    response = post_photo(content)

    assert response.status_code == 400
    assert_rejected(response, media_root, upload_temp_dir, "")
