"""Upload checks and colour handling of the image helpers, on in-memory files."""

import io

import pytest
from PIL import Image, ImageCms

from gallery.media import images
from tests import factories
from tests import images as build

LIMITS = {"max_bytes": 5_242_880, "max_pixels": 50_000_000, "thumbnail_size": 150}


def check(content, name="photo.png", **limits):
    return images.check_upload(
        factories.upload_file(content, name), **{**LIMITS, **limits}
    )


def encoded(image, image_format, **options):
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def decode(rendition):
    with Image.open(io.BytesIO(rendition.content)) as image:
        image.load()
        return image.format, image.mode, image.size, image.info


def test_check_upload_reports_facts():
    checked = check(factories.image_bytes("JPEG", size=(300, 100)), "a.JPEG")

    assert checked.format == "JPEG"
    assert checked.content_type == "image/jpeg"
    assert checked.extension == ".jpg"
    assert (checked.width, checked.height) == (300, 100)
    assert (checked.thumbnail.width, checked.thumbnail.height) == (150, 50)


@pytest.mark.parametrize(
    ("content", "name", "limits", "code"),
    [
        (factories.image_bytes("PNG"), "photo.gif", {}, "extension"),
        (factories.image_bytes("PNG"), "photo", {}, "extension"),
        (b"", "photo.png", {}, "empty"),
        (factories.image_bytes("PNG"), "photo.png", {"max_bytes": 10}, "too_large"),
        (factories.image_bytes("GIF"), "photo.png", {}, "format"),
        (factories.image_bytes("BMP"), "photo.jpg", {}, "format"),
        (
            factories.image_bytes("JPEG", size=(400, 300))[:600],
            "cut.jpg",
            {},
            "corrupt",
        ),
        (factories.image_bytes("PNG", size=(400, 300))[:-30], "cut.png", {}, "corrupt"),
    ],
    ids=[
        "gif-extension",
        "no-extension",
        "empty",
        "too-large",
        "gif-content",
        "bmp-content",
        "truncated-jpeg",
        "truncated-png",
    ],
)
def test_check_upload_rejects(content, name, limits, code):
    with pytest.raises(images.InvalidImage) as raised:
        check(content, name, **limits)

    assert raised.value.code == code
    assert str(raised.value)


def test_check_upload_pixel_cap_names_dimensions():
    content = factories.image_bytes("PNG", size=(200, 100))

    with pytest.raises(images.InvalidImage) as raised:
        check(content, max_pixels=19_999)

    assert raised.value.code == "dimensions"
    assert "200x100 pixels" in str(raised.value)


def test_check_upload_pixel_cap_rejects():
    content = factories.image_bytes("PNG", size=(200, 100))

    with pytest.raises(images.InvalidImage):
        check(content, max_pixels=19_999)

    assert check(content, max_pixels=20_000).width == 200


def test_check_upload_scan_cap():
    with pytest.raises(images.InvalidImage) as raised:
        check(build.progressive_jpeg_with_scans(101), "many.jpg")

    assert raised.value.code == "scans"
    assert "101 scans" in str(raised.value)
    assert check(build.progressive_jpeg_with_scans(100), "cap.jpg").format == "JPEG"


def test_check_upload_scan_cap_ignores_png_bytes():
    # Compressed PNG data may contain the JPEG start-of-scan bytes anywhere.
    png = factories.image_bytes("PNG", size=(40, 30))
    iend = build.png_chunk(b"IEND", b"")
    content = png[: -len(iend)] + build.png_chunk(b"prVt", b"\xff\xda" * 200) + iend

    assert check(content).format == "PNG"


def test_check_upload_decompression_bomb_rejected():
    # Pillow's own guard fires at twice its MAX_IMAGE_PIXELS, before our check.
    content = factories.image_bytes("PNG", size=(300, 300), mode="1", color=0)
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = 1000
    try:
        with pytest.raises(images.InvalidImage) as raised:
            check(content)
    finally:
        Image.MAX_IMAGE_PIXELS = previous

    assert raised.value.code == "dimensions"


def test_thumbnail_keeps_transparency_as_png():
    checked = check(factories.image_bytes("PNG", size=(300, 300), mode="RGBA"))

    image_format, mode, size, _info = decode(checked.thumbnail)
    assert (image_format, mode, size) == ("PNG", "RGBA", (150, 150))


def test_thumbnail_of_palette_with_transparency_keeps_alpha():
    image = Image.new("P", (40, 40), 1)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)

    checked = check(encoded(image, "PNG", transparency=1))

    assert decode(checked.thumbnail)[1] == "RGBA"


def test_thumbnail_of_sixteen_bit_grey_scaled_not_clipped():
    image = Image.new("I;16", (20, 20), 32896)

    checked = check(encoded(image, "PNG"))

    with Image.open(io.BytesIO(checked.thumbnail.content)) as thumbnail:
        red, green, blue = thumbnail.convert("RGB").getpixel((10, 10))
    assert 120 <= red <= 136
    assert red == green == blue


def test_thumbnail_of_cmyk_jpeg_is_rgb():
    image = Image.new("CMYK", (40, 40), (0, 255, 255, 0))

    checked = check(encoded(image, "JPEG"), "cmyk.jpg")

    image_format, mode, _size, _info = decode(checked.thumbnail)
    assert (image_format, mode) == ("JPEG", "RGB")


def test_renditions_converted_from_icc_profile_without_metadata():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    image = Image.new("RGB", (40, 40), (30, 160, 90))
    content = encoded(image, "JPEG", icc_profile=srgb, quality=95)

    checked = check(content, "profiled.jpg")
    webp = images.make_webp(io.BytesIO(content), quality=80, method=0)

    assert "icc_profile" not in decode(checked.thumbnail)[3]
    assert decode(webp)[:3] == ("WEBP", "RGB", (40, 40))


def test_broken_icc_profile_ignored():
    image = Image.new("RGB", (40, 40), (30, 160, 90))

    checked = check(encoded(image, "PNG", icc_profile=b"not a profile"))

    assert decode(checked.thumbnail)[:3] == ("JPEG", "RGB", (40, 40))


def test_rgba_with_icc_profile_keeps_alpha():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    image = Image.new("RGBA", (40, 40), (30, 160, 90, 100))

    checked = check(encoded(image, "PNG", icc_profile=srgb))

    image_format, mode, _size, _info = decode(checked.thumbnail)
    assert (image_format, mode) == ("PNG", "RGBA")


def test_grey_with_icc_profile_becomes_rgb():
    grey = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    image = Image.new("L", (40, 40), 90)

    checked = check(encoded(image, "PNG", icc_profile=grey))

    assert decode(checked.thumbnail)[1] == "RGB"
