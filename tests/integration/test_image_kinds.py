"""Unusual but valid images: each upload gets an upright, right-coloured
thumbnail and WebP copy of the right size and mode."""

# pytest passes fixtures by parameter name, so test parameters repeat the
# fixture functions' names.
# pylint: disable=redefined-outer-name

import io

import pytest
from PIL import Image, ImageCms

from gallery import tasks
from gallery.models import Photo, PhotoDerivative
from tests import factories
from tests import images as build

THUMBNAIL = 150


@pytest.fixture
def render(album, django_capture_on_commit_callbacks):
    """Upload bytes as a photo; return it with its decoded renditions."""

    def upload(content, name="photo.jpg"):
        with django_capture_on_commit_callbacks(execute=True):
            photo = factories.make_photo(album, content=content, name=name)
        photo = Photo.objects.get(pk=photo.pk)
        assert photo.status == Photo.Status.READY
        return photo, decode(photo, "thumbnail"), decode(photo, "webp")

    return upload


def decode(photo, kind):
    derivative = photo.derivatives.get(kind=kind)
    with derivative.file.open("rb") as stored:
        picture = Image.open(io.BytesIO(stored.read()))
        picture.load()
    assert picture.size == (derivative.width, derivative.height)
    assert derivative.size == derivative.file.size
    return picture


def assert_quadrants(picture, expected=build.QUADRANTS, tolerance=24):
    colors = build.quadrant_colors(picture.convert("RGB"))
    for actual, wanted in zip(colors, expected):
        assert build.close_to(actual, wanted, tolerance), (colors, expected)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_renditions_upright(render, orientation):
    content = build.oriented_jpeg(orientation, size=(80, 60))
    stored = Image.open(io.BytesIO(content))
    assert stored.size == ((60, 80) if orientation >= 5 else (80, 60))

    photo, thumbnail, webp = render(content)

    assert (photo.width, photo.height) == (80, 60)
    assert thumbnail.size == (80, 60)
    assert webp.size == (80, 60)
    assert_quadrants(thumbnail)
    assert_quadrants(webp)
    assert not thumbnail.getexif()
    assert not webp.getexif()


def test_exif_orientation_large_thumbnail_upright(render):
    # Large enough for the JPEG draft decode to scale down while decoding.
    photo, thumbnail, webp = render(build.oriented_jpeg(6, size=(1600, 1200)))

    assert (photo.width, photo.height) == (1600, 1200)
    assert thumbnail.size == (150, 112)
    assert webp.size == (1600, 1200)
    assert_quadrants(thumbnail)
    assert_quadrants(webp)


def test_exif_orientation_in_png_applied(render):
    stored = build.oriented(build.quadrant_picture(), 8)
    content = build.encode(stored, "PNG", exif=build.exif_with_orientation(8))

    photo, thumbnail, webp = render(content, name="photo.png")

    assert (photo.width, photo.height) == (80, 60)
    assert thumbnail.size == (80, 60)
    assert webp.size == (80, 60)
    assert_quadrants(thumbnail)
    assert_quadrants(webp)


@pytest.mark.parametrize("value", [0, 9, 65535, "x", "6"])
def test_invalid_exif_orientation_ignored(render, value):
    photo, thumbnail, webp = render(build.jpeg_with_orientation_value(value))

    assert (photo.width, photo.height) == (80, 60)
    assert thumbnail.size == (80, 60)
    assert webp.size == (80, 60)
    assert_quadrants(thumbnail)
    assert_quadrants(webp)


def test_cmyk_jpeg_colours_kept(render):
    picture = build.quadrant_picture(mode="CMYK", colors=build.CMYK_QUADRANTS)
    photo, thumbnail, webp = render(build.encode(picture, "JPEG", quality=95))

    assert photo.format == "JPEG"
    assert thumbnail.mode == "RGB"
    assert webp.mode == "RGB"
    assert_quadrants(thumbnail)
    assert_quadrants(webp)


def test_ycck_jpeg_colours_kept(render):
    content = build.ycck_jpeg()
    source = Image.open(io.BytesIO(content))
    assert source.mode == "CMYK"
    assert source.info["adobe_transform"] == 2

    _photo, thumbnail, webp = render(content)

    assert thumbnail.mode == "RGB"
    assert_quadrants(thumbnail, tolerance=32)
    assert_quadrants(webp, tolerance=32)


def test_greyscale_jpeg_stays_grey(render):
    content = build.encode(Image.new("L", (90, 70), 128), "JPEG", quality=95)

    photo, thumbnail, webp = render(content)

    assert (photo.width, photo.height) == (90, 70)
    assert build.close_to(thumbnail.convert("RGB").getpixel((45, 35)), (128,) * 3, 3)
    assert build.close_to(webp.convert("RGB").getpixel((45, 35)), (128,) * 3, 3)


def test_progressive_jpeg_accepted(render):
    content = build.encode(
        build.quadrant_picture((400, 300)), "JPEG", quality=95, progressive=True
    )

    photo, thumbnail, webp = render(content)

    assert (photo.width, photo.height) == (400, 300)
    # 300 * 150 / 400 is 112.5; Pillow rounds to the closer aspect ratio.
    assert thumbnail.size == (150, 113)
    assert webp.size == (400, 300)
    assert_quadrants(thumbnail)
    assert_quadrants(webp)


def test_mpo_first_frame_used(render):
    first = build.quadrant_picture((120, 90))
    second = Image.new("RGB", (120, 90), (0, 0, 0))
    content = build.encode(first, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(content)).format == "MPO"

    photo, thumbnail, webp = render(content)

    assert photo.format == "JPEG"
    assert photo.content_type == "image/jpeg"
    assert (photo.width, photo.height) == (120, 90)
    assert_quadrants(thumbnail)
    assert_quadrants(webp)


def test_palette_png_transparent_index_kept(render):
    picture = build.quadrant_picture((40, 40)).convert(
        "P", palette=Image.Palette.ADAPTIVE, colors=4
    )
    transparent = picture.getpixel((0, 0))
    content = build.encode(picture, "PNG", transparency=transparent)

    _photo, thumbnail, webp = render(content, name="photo.png")

    assert thumbnail.mode == "RGBA"
    assert webp.mode == "RGBA"
    assert thumbnail.getpixel((5, 5))[3] == 0
    assert webp.getpixel((5, 5))[3] == 0
    assert webp.getpixel((35, 35))[3] == 255
    assert build.close_to(webp.getpixel((35, 35))[:3], build.BOTTOM_RIGHT)


def test_palette_png_alpha_table_kept(render):
    picture = Image.new("P", (40, 40), 0)
    picture.putpalette([200, 0, 0, 0, 200, 0, 0, 0, 200])
    picture.paste(1, (20, 0, 40, 40))
    picture.paste(2, (0, 20, 20, 40))
    # tRNS with one alpha per palette entry: 0, 128 and opaque.
    content = build.encode(picture, "PNG", transparency=b"\x00\x80\xff")

    _photo, thumbnail, webp = render(content, name="photo.png")

    for rendition in (thumbnail, webp):
        assert rendition.mode == "RGBA"
        assert rendition.getpixel((5, 5))[3] == 0
        assert abs(rendition.getpixel((30, 10))[3] - 128) <= 4
        assert rendition.getpixel((5, 30))[3] == 255
        assert build.close_to(rendition.getpixel((5, 30))[:3], (0, 0, 200), 8)


def test_grey_alpha_png_kept(render):
    picture = Image.new("LA", (40, 40), (100, 255))
    picture.paste((100, 0), (0, 0, 20, 40))
    content = build.encode(picture, "PNG")

    _photo, thumbnail, webp = render(content, name="photo.png")

    for rendition in (thumbnail, webp):
        assert rendition.mode == "RGBA"
        assert rendition.getpixel((5, 5))[3] == 0
        assert build.close_to(rendition.getpixel((30, 20)), (100, 100, 100, 255), 4)


def test_rgba_png_alpha_kept(render):
    opaque = [(*color, 255) for color in build.QUADRANTS]
    picture = build.quadrant_picture((40, 40), "RGBA", opaque)
    picture.paste((0, 0, 0, 0), (0, 0, 20, 20))
    content = build.encode(picture, "PNG")

    _photo, thumbnail, webp = render(content, name="photo.png")

    for rendition in (thumbnail, webp):
        assert rendition.mode == "RGBA"
        assert rendition.getpixel((5, 5))[3] == 0
        assert build.close_to(rendition.getpixel((30, 30)), (*build.BOTTOM_RIGHT, 255))


@pytest.mark.parametrize(
    "mode,key,opaque", [("RGB", (0, 0, 0), (200, 0, 0)), ("L", 0, 200)]
)
def test_colour_key_transparency_kept(render, mode, key, opaque):
    picture = Image.new(mode, (40, 40), key)
    picture.paste(opaque, (20, 0, 40, 40))
    content = build.encode(picture, "PNG", transparency=key)

    _photo, thumbnail, webp = render(content, name="photo.png")

    for rendition in (thumbnail, webp):
        assert rendition.mode == "RGBA"
        assert rendition.getpixel((5, 5))[3] == 0
        assert rendition.getpixel((30, 20))[3] == 255


def test_16bit_grey_colour_key_transparency_kept(render):
    picture = Image.new("I;16", (40, 40), 0)
    picture.paste(51400, (20, 0, 40, 40))
    content = build.encode(picture, "PNG", transparency=0)

    _photo, thumbnail, webp = render(content, name="photo.png")

    for rendition in (thumbnail, webp):
        assert rendition.mode == "RGBA"
        assert rendition.getpixel((5, 5))[3] == 0
        assert build.close_to(rendition.getpixel((30, 20)), (200, 200, 200, 255), 3)


def test_16bit_grey_png_stays_mid_grey(render):
    content = build.encode(Image.new("I;16", (40, 30), 32896), "PNG")
    assert Image.open(io.BytesIO(content)).mode == "I;16"

    _photo, thumbnail, webp = render(content, name="photo.png")

    assert thumbnail.mode == "RGB"
    assert build.close_to(thumbnail.getpixel((20, 15)), (128, 128, 128), 2)
    assert build.close_to(webp.convert("RGB").getpixel((20, 15)), (128, 128, 128), 3)


def test_16bit_grey_gradient_png_keeps_range(render):
    content = build.png_16bit((64, 8), lambda x, y: (x * 1040,), 1)

    _photo, thumbnail, webp = render(content, name="photo.png")

    assert thumbnail.getpixel((0, 4))[0] <= 2
    assert thumbnail.getpixel((63, 4))[0] >= 250
    assert webp.convert("L").getpixel((0, 4)) <= 4
    assert webp.convert("L").getpixel((63, 4)) >= 248


def test_16bit_grey_alpha_png_kept(render):
    content = build.png_16bit((40, 30), lambda x, y: (32896, 0 if x < 20 else 65535), 2)

    _photo, thumbnail, webp = render(content, name="photo.png")

    for rendition in (thumbnail, webp):
        assert rendition.mode == "RGBA"
        assert rendition.getpixel((5, 5))[3] == 0
        assert build.close_to(rendition.getpixel((30, 15)), (128, 128, 128, 255), 3)


def test_48bit_rgb_png_colours_kept(render):
    content = build.png_quadrants_16bit((40, 30))

    photo, thumbnail, webp = render(content, name="photo.png")

    assert (photo.width, photo.height) == (40, 30)
    assert thumbnail.mode == "RGB"
    assert_quadrants(thumbnail)
    assert_quadrants(webp)


def test_64bit_rgba_png_alpha_kept(render):
    content = build.png_16bit(
        (40, 30), lambda x, y: (32896, 32896, 32896, 0 if x < 20 else 65535), 4
    )

    _photo, thumbnail, webp = render(content, name="photo.png")

    for rendition in (thumbnail, webp):
        assert rendition.mode == "RGBA"
        assert rendition.getpixel((5, 5))[3] == 0
        assert build.close_to(rendition.getpixel((30, 15)), (128, 128, 128, 255), 3)


@pytest.mark.parametrize(
    "image_format,name", [("PNG", "photo.png"), ("JPEG", "photo.jpg")]
)
def test_icc_profile_converted_to_srgb(render, image_format, name):
    # Pure red in a profile whose red primary is sRGB's blue is sRGB blue.
    picture = build.quadrant_picture(
        colors=((255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255))
    )
    profile = build.swapped_primaries_profile()
    content = build.encode(picture, image_format, icc_profile=profile, quality=95)

    _photo, thumbnail, webp = render(content, name=name)

    expected = ((0, 0, 255), (0, 255, 0), (255, 0, 0), (255, 255, 255))
    assert_quadrants(thumbnail, expected, tolerance=16)
    assert_quadrants(webp, expected, tolerance=16)
    assert "icc_profile" not in thumbnail.info
    assert "icc_profile" not in webp.info


def test_icc_profile_with_alpha_keeps_alpha(render):
    picture = Image.new("RGBA", (40, 40), (255, 0, 0, 255))
    picture.paste((255, 0, 0, 0), (0, 0, 20, 40))
    profile = build.swapped_primaries_profile()
    content = build.encode(picture, "PNG", icc_profile=profile)

    _photo, thumbnail, webp = render(content, name="photo.png")

    for rendition in (thumbnail, webp):
        assert rendition.mode == "RGBA"
        assert rendition.getpixel((5, 5))[3] == 0
        assert build.close_to(rendition.getpixel((30, 20)), (0, 0, 255, 255), 16)


def test_icc_profile_of_other_colour_space_ignored(render):
    # A LAB profile cannot describe RGB pixels, so the pixels are kept as
    # they are instead of failing the upload.
    lab = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    content = build.encode(build.quadrant_picture(), "PNG", icc_profile=lab)

    _photo, thumbnail, webp = render(content, name="photo.png")

    assert_quadrants(thumbnail)
    assert_quadrants(webp)


def test_corrupt_icc_profile_ignored(render):
    content = build.encode(build.quadrant_picture(), "JPEG", icc_profile=b"junk" * 40)

    _photo, thumbnail, webp = render(content)

    assert_quadrants(thumbnail)
    assert_quadrants(webp)


@pytest.mark.parametrize(
    "size,thumbnail_size",
    [
        ((1, 1), (1, 1)),
        ((1, 10000), (1, 150)),
        ((10000, 1), (150, 1)),
        ((3, 7), (3, 7)),
        ((151, 149), (150, 148)),
        ((301, 2), (150, 1)),
        ((2, 5001), (1, 150)),
    ],
)
@pytest.mark.parametrize("image_format,name", [("PNG", "p.png"), ("JPEG", "p.jpg")])
def test_extreme_shapes_never_zero_or_upscaled(
    render, size, thumbnail_size, image_format, name
):
    content = build.encode(Image.new("RGB", size, (40, 120, 200)), image_format)

    photo, thumbnail, webp = render(content, name=name)

    assert (photo.width, photo.height) == size
    assert thumbnail.size == thumbnail_size
    assert webp.size == size
    derivative = photo.get_derivative(PhotoDerivative.Kind.THUMBNAIL)
    assert (derivative.width, derivative.height) == thumbnail_size


def test_webp_at_side_limit_kept(render):
    # WebP holds at most 16383 pixels a side, the longest side uploads allow.
    content = build.encode(Image.new("L", (16383, 3), 200), "PNG")

    photo, thumbnail, webp = render(content, name="photo.png")

    assert (photo.width, photo.height) == (16383, 3)
    assert thumbnail.size == (150, 1)
    assert webp.size == (16383, 3)


def test_animated_png_first_frame_used(render):
    first = build.quadrant_picture((60, 40))
    second = Image.new("RGB", (60, 40), (0, 0, 0))
    content = build.encode(first, "PNG", save_all=True, append_images=[second])
    source = Image.open(io.BytesIO(content))
    assert source.n_frames == 2

    photo, thumbnail, webp = render(content, name="photo.png")

    assert photo.format == "PNG"
    assert getattr(webp, "n_frames", 1) == 1
    assert_quadrants(thumbnail)
    assert_quadrants(webp)


def test_builder_orientation_matches_pillow():
    upright = build.quadrant_picture()
    for orientation in range(1, 9):
        content = build.oriented_jpeg(orientation)
        with Image.open(io.BytesIO(content)) as stored:
            from PIL import ImageOps  # pylint: disable=import-outside-toplevel

            shown = ImageOps.exif_transpose(stored)
        assert shown.size == upright.size
        assert_quadrants(shown)


def test_webp_job_marks_damaged_original_failed(album):
    photo = factories.make_photo(album, content=build.noisy_png((64, 64)), name="p.png")
    content = read_original(photo)
    with photo.image.storage.open(photo.image.name, "wb") as stored:
        stored.write(content[: len(content) // 2])

    assert photo.render_webp() is None

    photo.refresh_from_db()
    assert photo.status == Photo.Status.FAILED
    assert photo.get_derivative(PhotoDerivative.Kind.WEBP) is None


def test_webp_job_skips_deleted_photo(album):
    photo = factories.make_photo(album)
    photo_id = photo.pk
    photo.delete()

    assert tasks.render_webp(photo_id) is None
    assert not PhotoDerivative.objects.filter(photo_id=photo_id).exists()


def read_original(photo):
    with photo.image.open("rb") as stored:
        return stored.read()
