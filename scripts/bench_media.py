"""Image benchmarks: the product's Pillow code against bare Pillow calls.

Runs in the benchmark process itself, before any server starts, so the
timings see an idle machine. Each product/baseline pair is timed alternately
in the same loop, so both sides share whatever the machine does meanwhile.
"""

import io
import statistics
import time

import numpy as np
from PIL import Image, ImageOps

# The photo: 4000x3000 (12 megapixels), JPEG quality 92, EXIF orientation 6
# (rotate 90 degrees clockwise to view), like a phone camera held upright.
PHOTO_SIZE = (4000, 3000)
PHOTO_QUALITY = 92
PHOTO_ORIENTATION = 6
# Octaves of value noise give a 1/f spectrum like natural scenes; the
# amplitude and sensor noise were chosen so the file comes to about 4.5 MB.
_OCTAVES = 10
_OCTAVE_DECAY = 0.9
_DETAIL = 86
_SENSOR_NOISE = 4

WEBP_QUALITIES = (75, 80, 85)
WEBP_METHODS = range(7)


def make_photo(seed=1):
    """Return the encoded benchmark JPEG as bytes."""
    rng = np.random.default_rng(seed)
    width, height = PHOTO_SIZE
    rows = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    sky = np.array([70, 110, 170], np.float32)
    ground = np.array([150, 120, 80], np.float32)
    pixels = sky * (1 - rows) + ground * rows
    pixels = pixels + _DETAIL * _value_noise(rng, width, height)
    pixels += rng.normal(0, _SENSOR_NOISE, (height, width, 3)).astype(np.float32)
    picture = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    exif = Image.Exif()
    exif[0x0112] = PHOTO_ORIENTATION
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=PHOTO_QUALITY, exif=exif.tobytes())
    return buffer.getvalue()


def _value_noise(rng, width, height):
    total = np.zeros((height, width, 3), np.float32)
    amplitude = 1.0
    for octave in range(_OCTAVES):
        shift = _OCTAVES - octave
        grid_shape = (max(2, height >> shift), max(2, width >> shift), 3)
        grid = rng.integers(0, 256, grid_shape)
        layer = Image.fromarray(grid.astype(np.uint8)).resize(
            (width, height), Image.Resampling.BICUBIC
        )
        total += amplitude * (np.asarray(layer, np.float32) / 255 - 0.5)
        amplitude *= _OCTAVE_DECAY
    return total


def time_pair(product, baseline, runs):
    """Time two callables alternately; return both lists of seconds."""
    product_times, baseline_times = [], []
    for _ in range(runs):
        for call, times in ((product, product_times), (baseline, baseline_times)):
            start = time.perf_counter()
            call()
            times.append(time.perf_counter() - start)
    return product_times, baseline_times


def bench_thumbnail(photo, settings, runs):
    """Time ``Photo.check_upload`` against ``Image.thumbnail()`` on the photo."""
    # Imported late: the caller sets up Django first.
    from django.core.files.uploadedfile import (  # pylint: disable=import-outside-toplevel
        SimpleUploadedFile,
    )

    from gallery.models import Photo  # pylint: disable=import-outside-toplevel

    def product():
        Photo.check_upload(SimpleUploadedFile("photo.jpg", photo, "image/jpeg"))

    def baseline():
        with Image.open(io.BytesIO(photo)) as image:
            image.thumbnail((settings.GALLERY_THUMBNAIL_SIZE,) * 2)
            image.save(io.BytesIO(), "JPEG", quality=85)

    return time_pair(product, baseline, runs)


def bench_webp(photo, settings, runs):
    """Time ``images.make_webp`` against a plain Pillow WebP save."""
    from gallery.media import images  # pylint: disable=import-outside-toplevel

    quality = settings.GALLERY_WEBP_QUALITY
    method = settings.GALLERY_WEBP_METHOD

    def product():
        images.make_webp(io.BytesIO(photo), quality=quality, method=method)

    def baseline():
        # Upright like the product's copy: the encoder's cost depends on the
        # orientation of the pixels it gets.
        with Image.open(io.BytesIO(photo)) as image:
            upright = ImageOps.exif_transpose(image)
            upright.save(io.BytesIO(), "WEBP", quality=quality, method=method)

    return time_pair(product, baseline, runs)


def psnr(reference, encoded):
    """Return the PSNR in dB of an encoded image against reference pixels."""
    with Image.open(io.BytesIO(encoded)) as image:
        decoded = np.asarray(image.convert("RGB"), np.float32)
    error = np.mean((decoded - reference) ** 2)
    return float(10 * np.log10(255**2 / error))


def sweep_webp(photo):
    """Encode the upright photo at each quality and method once.

    Returns rows of (quality, method, seconds, bytes, PSNR in dB against the
    decoded JPEG).
    """
    with Image.open(io.BytesIO(photo)) as image:
        upright = ImageOps.exif_transpose(image)
    reference = np.asarray(upright, np.float32)
    rows = []
    for quality in WEBP_QUALITIES:
        for method in WEBP_METHODS:
            buffer = io.BytesIO()
            start = time.perf_counter()
            upright.save(buffer, "WEBP", quality=quality, method=method)
            seconds = time.perf_counter() - start
            encoded = buffer.getvalue()
            quality_db = psnr(reference, encoded)
            rows.append((quality, method, seconds, len(encoded), quality_db))
    return rows


def median_ms(seconds):
    """Return the median of a list of seconds, in milliseconds."""
    return statistics.median(seconds) * 1000


def small_jpeg():
    """Return a 640x480 JPEG for the photos that fill lists."""
    rng = np.random.default_rng(2)
    picture = Image.fromarray(rng.integers(0, 256, (480, 640, 3)).astype(np.uint8))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def upload(content, name="photo.jpg"):
    """Wrap JPEG bytes as an uploaded file."""
    # pylint: disable-next=import-outside-toplevel
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, "image/jpeg")
