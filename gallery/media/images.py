"""Upload checks and still-image renditions, built on Pillow.

Everything here works on file objects and bytes; storing files and rows is
the models' job. Errors a client caused raise ``InvalidImage`` with a message
that names the reason.
"""

import io
import os
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageCms, ImageFile, UnidentifiedImageError

# A truncated file must fail, never decode into a half-grey picture.
ImageFile.LOAD_TRUNCATED_IMAGES = False

ALLOWED_EXTENSIONS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}
# Pillow reports camera JPEGs with several pictures (MPO) as their own format;
# their first frame is an ordinary JPEG.
ALLOWED_FORMATS = {"PNG": "PNG", "JPEG": "JPEG", "MPO": "JPEG"}
CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
EXTENSIONS = {"PNG": ".png", "JPEG": ".jpg", "WEBP": ".webp"}

# Errors Pillow raises on damaged data, besides UnidentifiedImageError.
DECODE_ERRORS = (OSError, SyntaxError, ValueError, IndexError, EOFError)

_SRGB_PROFILE = ImageCms.createProfile("sRGB")

ORIENTATION_TAG = 0x0112
# libwebp stores at most 16383 pixels a side, so uploads may not be longer.
# The cap also keeps extreme strips (1 x 49 million pixels passes the pixel
# cap) from costing gigabytes to decode and resample.
MAX_SIDE = 16383
# Each scan of a progressive JPEG (or of one with a scan per colour) is a pass
# over the whole picture, so a small file made of thousands of scans costs
# seconds of CPU. libjpeg's progressive mode writes 10 scans for a colour
# picture. Every frame of an MPO counts, though only the first is decoded.
MAX_JPEG_SCANS = 100


class InvalidImage(ValueError):
    """An upload that is not an acceptable image; the message names the reason."""

    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Rendition:
    """An encoded image ready to store."""

    content: bytes
    format: str
    width: int
    height: int

    @property
    def size(self):
        """Length of the encoded file in bytes."""
        return len(self.content)

    @property
    def extension(self):
        """File name extension for the format, with the dot."""
        return EXTENSIONS[self.format]


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed every check, with its thumbnail."""

    format: str
    width: int
    height: int
    thumbnail: Rendition

    @property
    def content_type(self):
        """MIME type of the original file."""
        return CONTENT_TYPES[self.format]

    @property
    def extension(self):
        """File name extension for the original, with the dot."""
        return EXTENSIONS[self.format]


def check_name(name):
    """Raise InvalidImage unless the file name ends in an allowed extension."""
    extension = os.path.splitext(name or "")[1].lower()
    if extension not in ALLOWED_EXTENSIONS:
        shown = extension or "no extension"
        raise InvalidImage(
            f"Unsupported file name extension ({shown}); "
            "upload a .png, .jpg or .jpeg file.",
            code="extension",
        )


def check_upload(upload, *, max_bytes, max_pixels, thumbnail_size):
    """Check an uploaded file fully and make its thumbnail in one decode.

    The name must end in .png, .jpg or .jpeg, the content must decode as PNG
    or JPEG, the size must not exceed ``max_bytes`` and the declared
    dimensions must not exceed ``max_pixels`` (checked from the header,
    before any pixel is decoded) and a JPEG may have at most
    ``MAX_JPEG_SCANS`` scans. The whole image is then decoded, so a
    truncated or corrupt file fails here rather than in a later job.

    NOTE: a file within the caps can still be costly. A 16383x3051 RGBA or
    16-bit PNG of a few hundred KB peaked at about 0.75 GB and took up to
    9 s here, and a progressive CMYK JPEG of that size about 0.4 GB (the
    decoder keeps every coefficient). Each gunicorn sync worker decodes one
    upload at a time, and uploads are rate limited per user, but nothing
    caps the decodes across users.
    """
    check_name(upload.name)
    size = upload.size
    if not size:
        raise InvalidImage("The file is empty.", code="empty")
    if size > max_bytes:
        raise InvalidImage(
            f"The file is {size} bytes; the maximum is {max_bytes} bytes "
            f"({max_bytes / 1_048_576:g} MiB).",
            code="too_large",
        )
    upload.seek(0)
    content = upload.read()
    upload.seek(0)
    try:
        with Image.open(io.BytesIO(content), formats=("PNG", "JPEG")) as image:
            checked = _check_open_image(image, content, max_pixels, thumbnail_size)
    except InvalidImage:
        # InvalidImage is a ValueError: keep it from the clause below, which
        # would report every broken rule as corrupt data.
        raise
    except UnidentifiedImageError as error:
        raise InvalidImage(
            "The file is not a PNG or JPEG image.", code="format"
        ) from error
    except Image.DecompressionBombError as error:
        raise _too_many_pixels(max_pixels) from error
    except DECODE_ERRORS as error:
        raise InvalidImage(
            "The image data is corrupt or truncated.", code="corrupt"
        ) from error
    return checked


def _check_open_image(image, content, max_pixels, thumbnail_size):
    image_format = ALLOWED_FORMATS.get(image.format)
    if image_format is None:
        raise InvalidImage("The file is not a PNG or JPEG image.", code="format")
    width, height = image.size
    if width * height > max_pixels:
        raise _too_many_pixels(max_pixels, width, height)
    if max(width, height) > MAX_SIDE:
        raise InvalidImage(
            f"The image is {width}x{height} pixels; each side may be at most "
            f"{MAX_SIDE} pixels.",
            code="dimensions",
        )
    if image_format == "JPEG":
        _check_scans(content)
    width, height = oriented_size(image)
    thumbnail = make_thumbnail(image, thumbnail_size)
    return CheckedUpload(image_format, width, height, thumbnail)


def _check_scans(content):
    # Entropy-coded data cannot contain the start-of-scan marker FF DA
    # (encoders stuff a zero byte after every 0xFF there), so counting it
    # counts the scans. Other segments may contain it by chance, but a few
    # extra in a real photo stay far below the cap. numpy counts a 4.5 MB
    # file in about 1 ms, bytes.count() in about 4 ms.
    data = np.frombuffer(content, dtype=np.uint8)
    scans = int(np.count_nonzero((data[:-1] == 0xFF) & (data[1:] == 0xDA)))
    if scans > MAX_JPEG_SCANS:
        raise InvalidImage(
            f"The JPEG has {scans} scans; at most {MAX_JPEG_SCANS} are accepted.",
            code="scans",
        )


def _too_many_pixels(max_pixels, width=None, height=None):
    shown = f"{width}x{height} pixels" if width else "too many pixels"
    return InvalidImage(
        f"The image is {shown}; the maximum is {max_pixels} pixels in all.",
        code="dimensions",
    )


def oriented_size(image):
    """Return (width, height) as the image appears once EXIF-rotated."""
    width, height = image.size
    if _orientation(image) in (5, 6, 7, 8):
        return height, width
    return width, height


def _orientation(image):
    """Return the EXIF orientation, or 1 when it is missing or invalid.

    The tag is a SHORT from 1 to 8 (EXIF 2.32); anything else, including a
    number written as text, is ignored as ImageOps.exif_transpose() does.
    """
    value = image.getexif().get(ORIENTATION_TAG, 1)
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 8:
        return value
    return 1


def make_thumbnail(image, max_side):
    """Return a JPEG (or PNG, to keep transparency) at most max_side a side.

    JPEG draft mode lets the decoder scale down by up to 8 while decoding,
    and the EXIF rotation is applied after shrinking, when it is cheap.
    """
    image.seek(0)
    orientation = _orientation(image)
    if image.format in ("JPEG", "MPO"):
        # Same reducing gap as Image.thumbnail(): decode at no less than
        # twice the target, then resample.
        image.draft(None, (max_side * 2, max_side * 2))
    image.load()
    picture = to_srgb(image)
    picture.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    picture = _transpose(picture, orientation)
    return encode_for_thumbnail(picture)


def encode_for_thumbnail(picture):
    """Encode as PNG when the picture has transparency, JPEG otherwise."""
    if picture.mode == "RGBA":
        return encode(picture, "PNG", optimize=True)
    return encode(picture, "JPEG", quality=85, optimize=True)


def make_webp(source, *, quality, method):
    """Decode an original fully and return its upright WebP copy.

    Uploads are at most ``MAX_SIDE`` pixels a side, which WebP can store.
    """
    with Image.open(source, formats=("PNG", "JPEG")) as image:
        picture = load_upright(image)
    return encode(picture, "WEBP", quality=quality, method=method)


# The transposition that makes each EXIF orientation upright, as in
# ImageOps.exif_transpose(); 1 and invalid values need none.
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _transpose(picture, orientation):
    method = _UPRIGHT.get(orientation)
    return picture.transpose(method) if method is not None else picture


def load_upright(image, min_size=None):
    """Decode an open image as upright 8-bit sRGB (RGB or RGBA), no metadata.

    With ``min_size`` (width, height as displayed), a JPEG decodes in draft
    mode at a reduced scale that is still at least that large.
    """
    image.seek(0)
    orientation = _orientation(image)
    if min_size is not None and image.format in ("JPEG", "MPO"):
        width, height = min_size
        if orientation in (5, 6, 7, 8):
            width, height = height, width
        image.draft(None, (width, height))
    image.load()
    return _transpose(to_srgb(image), orientation)


def to_srgb(image):
    """Return an 8-bit RGB or RGBA copy in sRGB, with no metadata.

    Covers palette images with a transparent index or alpha table, grey with
    or without alpha, 16-bit grey (scaled, not clipped), CMYK and YCCK, and
    converts any embedded ICC profile to sRGB. A profile that does not fit
    the pixels or cannot be read is ignored.
    """
    picture = image
    if picture.mode in SIXTEEN_BIT_GREY_MODES:
        picture = _grey_to_8bit(picture)
    alpha = None
    if _has_alpha(picture):
        alpha = picture.convert("RGBA").getchannel("A")
    colour = _colour_channels(picture)
    profile = image.info.get("icc_profile")
    converted = _convert_profile(colour, profile) if profile else None
    if converted is None:
        converted = colour.convert("RGB")
    if alpha is not None:
        converted.putalpha(alpha)
    converted.info = {}
    return converted


SIXTEEN_BIT_GREY_MODES = ("I;16", "I;16B", "I;16L", "I")


def _grey_to_8bit(picture):
    # Scale 0..65535 down to 0..255 instead of clipping, which would turn
    # most pixels white. A 16-bit transparent grey level becomes the scaled
    # level, which may also match a few neighbouring shades.
    scaled = picture.convert("I").point(lambda value: value / 257).convert("L")
    transparency = picture.info.get("transparency")
    if isinstance(transparency, int):
        scaled.info["transparency"] = transparency // 257
    return scaled


def _has_alpha(picture):
    if picture.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        return True
    return "transparency" in picture.info


def _colour_channels(picture):
    """Return the picture without alpha, in a mode an ICC transform accepts."""
    if picture.mode in ("L", "CMYK", "RGB"):
        return picture
    if picture.mode in ("1", "LA", "La"):
        return picture.convert("L")
    return picture.convert("RGBA").convert("RGB")


def _convert_profile(picture, profile):
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        return ImageCms.profileToProfile(
            picture, source, _SRGB_PROFILE, outputMode="RGB"
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None


def encode(picture, image_format, **options):
    """Encode a picture and return it as a Rendition."""
    buffer = io.BytesIO()
    picture.save(buffer, image_format, **options)
    width, height = picture.size
    return Rendition(buffer.getvalue(), image_format, width, height)
