"""Letterbox maths and frame rendering of slideshow videos."""

import io

import numpy as np
import pytest
from PIL import Image

from gallery.media import video
from gallery.media.video import Placement, fit_picture, frame_size


@pytest.mark.parametrize(
    ("width", "expected"),
    [
        (1280, (1280, 720)),
        (320, (320, 180)),
        (1281, (1280, 720)),
        (100, (100, 56)),
        (2, (2, 2)),
        (1, (2, 2)),
    ],
)
def test_frame_size_even_and_16_9(width, expected):
    assert frame_size(width) == expected


def test_frame_size_always_even_and_nonzero():
    for width in range(1, 400):
        frame_width, frame_height = frame_size(width)
        assert frame_width % 2 == 0
        assert frame_height % 2 == 0
        assert frame_height >= 2


@pytest.mark.parametrize(
    ("source", "frame", "expected"),
    [
        # Same ratio fills the frame.
        ((1920, 1080), (320, 180), Placement(320, 180, 0, 0)),
        # 4:3 gets bars left and right.
        ((640, 480), (320, 180), Placement(240, 180, 40, 0)),
        # Portrait.
        ((1080, 1920), (320, 180), Placement(101, 180, 109, 0)),
        # Odd sizes: 333/1001 of 320 is 106.45..., rounded to 106.
        ((1001, 333), (320, 180), Placement(320, 106, 0, 37)),
        ((333, 1001), (320, 180), Placement(60, 180, 130, 0)),
        # Small pictures are scaled up, ratio kept.
        ((3, 5), (320, 180), Placement(108, 180, 106, 0)),
        # 1-pixel strips keep one pixel, never zero.
        ((1, 500), (320, 180), Placement(1, 180, 159, 0)),
        ((500, 1), (320, 180), Placement(320, 1, 0, 89)),
        ((1, 1), (320, 180), Placement(180, 180, 70, 0)),
        # Huge ratios.
        ((100_000, 1), (1280, 720), Placement(1280, 1, 0, 359)),
        ((1, 100_000), (1280, 720), Placement(1, 720, 639, 0)),
        ((65_500, 3), (1280, 720), Placement(1280, 1, 0, 359)),
    ],
)
def test_fit_picture_cases(source, frame, expected):
    assert fit_picture(*source, *frame) == expected


def test_fit_picture_never_stretches():
    frame = (320, 180)
    for source in [(7, 3), (3, 7), (1001, 999), (4000, 3000), (17, 1), (1, 17)]:
        placement = fit_picture(*source, *frame)
        assert placement.width <= frame[0]
        assert placement.height <= frame[1]
        assert placement.width >= 1
        assert placement.height >= 1
        # One side touches the frame and the ratio differs from the source's
        # by less than one pixel's worth of rounding.
        assert placement.width == frame[0] or placement.height == frame[1]
        if placement.width == frame[0]:
            exact = source[1] * frame[0] / source[0]
            assert abs(placement.height - exact) <= 0.5 or placement.height == 1
        else:
            exact = source[0] * frame[1] / source[1]
            assert abs(placement.width - exact) <= 0.5 or placement.width == 1
        assert placement.left == (frame[0] - placement.width) // 2
        assert placement.top == (frame[1] - placement.height) // 2


@pytest.mark.parametrize(
    "bad", [(0, 10, 320, 180), (10, 0, 320, 180), (10, 10, 0, 180)]
)
def test_fit_picture_rejects_zero_sizes(bad):
    with pytest.raises(ValueError, match="at least 1 pixel"):
        fit_picture(*bad)


def _encoded(size, mode="RGB", colour=(200, 40, 40), image_format="PNG", **options):
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, image_format, **options)
    buffer.seek(0)
    return buffer


def test_letterbox_bars_and_picture():
    frame = video.letterbox(_encoded((64, 48)), (320, 180), (0, 0, 255))
    assert frame.shape == (180, 320, 3)
    # 4:3 in 16:9: picture 240 wide from x=40.
    assert tuple(frame[90, 10]) == (0, 0, 255)
    assert tuple(frame[90, 300]) == (0, 0, 255)
    assert tuple(frame[90, 160]) == (200, 40, 40)
    assert tuple(frame[0, 40]) == (200, 40, 40)
    assert tuple(frame[179, 279]) == (200, 40, 40)


@pytest.mark.parametrize("size", [(1, 37), (37, 1), (1, 1), (3, 5), (1001, 333)])
def test_letterbox_odd_sizes(size):
    frame = video.letterbox(_encoded(size, colour=(0, 255, 0)), (320, 180), (0, 0, 0))
    placement = fit_picture(*size, 320, 180)
    assert frame.shape == (180, 320, 3)
    green = (frame[:, :, 1] > 128).sum()
    assert green == placement.width * placement.height


def test_letterbox_composites_transparency_on_background():
    image = Image.new("RGBA", (20, 20), (255, 0, 0, 0))
    image.paste((255, 0, 0, 255), (0, 0, 10, 20))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    buffer.seek(0)
    frame = video.letterbox(buffer, (320, 180), (10, 20, 30))
    # The 20x20 picture becomes 180x180 at x=70: left half red, right half
    # fully transparent, so the background shows through.
    assert tuple(frame[90, 100]) == (255, 0, 0)
    assert tuple(frame[90, 230]) == (10, 20, 30)
    assert tuple(frame[90, 20]) == (10, 20, 30)


def test_letterbox_palette_transparency():
    image = Image.new("P", (16, 9), 0)
    image.putpalette([255, 255, 255, 0, 200, 0])
    image.paste(1, (0, 0, 8, 9))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", transparency=0)
    buffer.seek(0)
    frame = video.letterbox(buffer, (320, 180), (0, 0, 0))
    assert tuple(frame[90, 40]) == (0, 200, 0)
    assert tuple(frame[90, 280]) == (0, 0, 0)


def test_letterbox_applies_exif_orientation():
    # Stored 40x20 with the left half red; orientation 6 means "rotate 90
    # degrees clockwise to view", so the upright picture is 20x40 with red on
    # top.
    image = Image.new("RGB", (40, 20), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 20, 20))
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95, exif=exif)
    buffer.seek(0)
    frame = video.letterbox(buffer, (320, 180), (0, 0, 0))
    # Portrait 1:2 in 320x180: 90x180 at x=115.
    assert tuple(frame[90, 100]) == (0, 0, 0)
    top = frame[20, 160].astype(int)
    bottom = frame[160, 160].astype(int)
    assert top[0] > 200
    assert top[2] < 60
    assert bottom[2] > 200
    assert bottom[0] < 60
    assert np.all(frame[:, 110] == 0)


def test_letterbox_large_jpeg_shrinks():
    frame = video.letterbox(
        _encoded((4000, 3000), image_format="JPEG", quality=90), (320, 180), (0, 0, 0)
    )
    assert frame.shape == (180, 320, 3)
    assert abs(int(frame[90, 160, 0]) - 200) < 8


def test_render_slideshow_rejects_empty(tmp_path):
    options = video.SlideshowOptions((320, 180), 1, 2, (0, 0, 0))
    with pytest.raises(ValueError, match="at least one photo"):
        video.render_slideshow([], tmp_path / "empty.webm", options)
    assert not (tmp_path / "empty.webm").exists()


def test_options_frames_per_photo():
    assert video.SlideshowOptions((320, 180), 3, 2, (0, 0, 0)).frames_per_photo == 6
    assert video.SlideshowOptions((320, 180), 0.1, 2, (0, 0, 0)).frames_per_photo == 1
    assert video.SlideshowOptions((320, 180), 2.5, 3, (0, 0, 0)).frames_per_photo == 8
