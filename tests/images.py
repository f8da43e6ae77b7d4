"""Builders for unusual and hostile image files, made in memory with Pillow.

Some files Pillow cannot write (48-bit PNG, YCCK JPEG, decompression bombs,
ICC profiles with chosen primaries); those are assembled here byte by byte
from the format specifications (PNG: RFC 2083, JPEG: ITU T.81 with the Adobe
APP14 marker, ICC: ICC.1:2001-04).
"""

import io
import struct
import zipfile
import zlib

from PIL import Image

# Colours of the four quadrants of the test picture, as seen upright.
TOP_LEFT = (220, 30, 30)
TOP_RIGHT = (30, 200, 30)
BOTTOM_LEFT = (30, 30, 220)
BOTTOM_RIGHT = (230, 220, 30)
QUADRANTS = (TOP_LEFT, TOP_RIGHT, BOTTOM_LEFT, BOTTOM_RIGHT)

# How to store an upright picture so that a viewer applying the EXIF
# orientation shows it upright again (EXIF 2.32, tag 0x0112). Written from
# the specification rather than copied from the code under test.
STORED_FOR_ORIENTATION = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}

ORIENTATION_TAG = 0x0112


def encode(image, image_format, **options):
    """Return the bytes of an image saved in a format."""
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def quadrant_picture(size=(80, 60), mode="RGB", colors=QUADRANTS):
    """Return a picture whose four quadrants have distinct colours."""
    width, height = size
    picture = Image.new(mode, size)
    half_width, half_height = width // 2, height // 2
    boxes = (
        (0, 0, half_width, half_height),
        (half_width, 0, width, half_height),
        (0, half_height, half_width, height),
        (half_width, half_height, width, height),
    )
    for box, color in zip(boxes, colors):
        picture.paste(color, box)
    return picture


def quadrant_colors(picture):
    """Return the colours at the centres of the four quadrants of a picture."""
    width, height = picture.size
    points = (
        (width // 4, height // 4),
        (3 * width // 4, height // 4),
        (width // 4, 3 * height // 4),
        (3 * width // 4, 3 * height // 4),
    )
    return tuple(picture.getpixel(point) for point in points)


def close_to(actual, expected, tolerance=24):
    """Tell whether two colours differ by at most ``tolerance`` per channel."""
    return len(actual) == len(expected) and all(
        abs(a - e) <= tolerance for a, e in zip(actual, expected)
    )


def oriented(picture, orientation):
    """Return the picture stored as a camera with that orientation would."""
    method = STORED_FOR_ORIENTATION.get(orientation)
    return picture.transpose(method) if method is not None else picture.copy()


def exif_with_orientation(value):
    """Return EXIF bytes with only the orientation tag set to ``value``."""
    exif = Image.Exif()
    exif[ORIENTATION_TAG] = value
    return exif.tobytes()


def oriented_jpeg(orientation, size=(80, 60)):
    """Return a quadrant JPEG stored for an EXIF orientation, tag included."""
    stored = oriented(quadrant_picture(size), orientation)
    return encode(stored, "JPEG", quality=95, exif=exif_with_orientation(orientation))


def exif_with_text_orientation(text):
    """Return EXIF bytes whose orientation tag is an ASCII string.

    Pillow only writes the tag as a number, so the one-entry TIFF directory
    is assembled here: big-endian header, entry count, then tag, type 2
    (ASCII), count and the value, which fits in the entry at 4 bytes or less.
    """
    value = text.encode("ascii") + b"\x00"
    if len(value) > 4:
        raise ValueError("The orientation text must be at most 3 characters")
    entry = struct.pack(">HHI", ORIENTATION_TAG, 2, len(value))
    entry += value.ljust(4, b"\x00")
    return b"Exif\x00\x00MM\x00*" + struct.pack(">IH", 8, 1) + entry + b"\x00" * 4


def jpeg_with_orientation_value(value, size=(80, 60)):
    """Return an upright quadrant JPEG whose orientation tag holds ``value``."""
    if isinstance(value, str):
        exif = exif_with_text_orientation(value)
    else:
        exif = exif_with_orientation(value)
    return encode(quadrant_picture(size), "JPEG", quality=95, exif=exif)


# --- PNG written chunk by chunk ------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_chunk(kind, data):
    """Return one PNG chunk with its length and CRC."""
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png_header(width, height, bit_depth, color_type):
    """Return the signature and IHDR chunk of a PNG."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return PNG_SIGNATURE + png_chunk(b"IHDR", ihdr)


def png_from_rows(width, height, bit_depth, color_type, rows):
    """Return a whole PNG from raw scanlines (filter type 0 is prepended)."""
    raw = b"".join(b"\x00" + row for row in rows)
    return (
        png_header(width, height, bit_depth, color_type)
        + png_chunk(b"IDAT", zlib.compress(raw))
        + png_chunk(b"IEND", b"")
    )


def png_16bit(size, pixel_for, channels):
    """Return a 16-bit PNG; ``pixel_for(x, y)`` gives 16-bit samples.

    ``channels`` is 1 (grey), 2 (grey and alpha), 3 (RGB) or 4 (RGBA), which
    Pillow 11 cannot write at 16 bits except for plain grey.
    """
    color_type = {1: 0, 2: 4, 3: 2, 4: 6}[channels]
    width, height = size
    rows = [
        b"".join(struct.pack(f">{channels}H", *pixel_for(x, y)) for x in range(width))
        for y in range(height)
    ]
    return png_from_rows(width, height, 16, color_type, rows)


def png_quadrants_16bit(size=(40, 30)):
    """Return a 48-bit RGB PNG of the quadrant picture (samples times 257)."""
    width, height = size

    def pixel_for(x, y):
        index = (2 if y >= height // 2 else 0) + (1 if x >= width // 2 else 0)
        return tuple(sample * 257 for sample in QUADRANTS[index])

    return png_16bit(size, pixel_for, 3)


def png_bomb(width, height):
    """Return a tiny PNG whose header declares ``width`` x ``height`` pixels."""
    # One compressed empty scanline: decoding would fail long before the end,
    # but nothing should get that far.
    return (
        png_header(width, height, 8, 0)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + png_chunk(b"IEND", b"")
    )


def pad_png(content, total_size):
    """Return a PNG padded with an ancillary chunk to exactly ``total_size``."""
    # A chunk costs 12 bytes besides its data; it goes before IEND.
    iend = png_chunk(b"IEND", b"")
    body = content[: -len(iend)]
    missing = total_size - len(content) - 12
    if missing < 0:
        raise ValueError(
            f"A PNG of {len(content)} bytes cannot be padded to {total_size}"
        )
    return body + png_chunk(b"teXt", b"padding\x00" + b"x" * (missing - 8)) + iend


def noisy_png(size=(600, 600)):
    """Return an RGB PNG of random noise, which compresses badly."""
    return encode(Image.effect_noise(size, 80).convert("RGB"), "PNG")


# --- JPEG edits ------------------------------------------------------------


def jpeg_with_dimensions(width, height):
    """Return a small JPEG whose SOF0 segment declares other dimensions."""
    content = bytearray(encode(Image.new("RGB", (16, 16), (90, 90, 90)), "JPEG"))
    start = content.find(b"\xff\xc0")
    # SOF0: marker, length (2), precision (1), height (2), width (2).
    struct.pack_into(">HH", content, start + 5, height, width)
    return bytes(content)


def progressive_jpeg_with_scans(scans, size=(64, 48)):
    """Return a progressive JPEG with exactly ``scans`` start-of-scan markers.

    Copies of the smallest scan follow the original directly, so they use
    the same Huffman tables, and a decoder takes each copy as one more pass.
    """
    content = encode(Image.new("RGB", size, (90, 120, 150)), "JPEG", progressive=True)
    # Markers between the scans of Pillow's output; entropy-coded data contains
    # no 0xFF byte that is not followed by zero or a restart marker.
    ends = (b"\xff\xc4", b"\xff\xda", b"\xff\xd9")
    bounds = []
    start = content.find(b"\xff\xda")
    while start != -1:
        end = min(
            found
            for found in (content.find(marker, start + 2) for marker in ends)
            if found != -1
        )
        bounds.append((start, end))
        start = content.find(b"\xff\xda", end)
    extra = scans - len(bounds)
    if extra < 0:
        raise ValueError(
            f"Cannot build {scans} scans: the picture already has {len(bounds)}"
        )
    start, end = min(bounds, key=lambda bound: bound[1] - bound[0])
    return content[:end] + content[start:end] * extra + content[end:]


def ycck_jpeg(cmyk_colors=None, size=(80, 60)):
    """Return a YCCK JPEG (Adobe transform 2) that decodes to CMYK quadrants.

    Pillow writes CMYK JPEGs inverted, as Photoshop does, with an Adobe
    marker saying transform 0. A YCCK decoder turns the first three stored
    components from YCbCr into RGB and takes C, M, Y as their complements,
    and Pillow inverts again on reading. So storing 255 minus the YCbCr form
    of (C, M, Y) and switching the marker to transform 2 decodes to C, M, Y.
    """
    if cmyk_colors is None:
        cmyk_colors = CMYK_QUADRANTS
    stored = []
    for cyan, magenta, yellow, black in cmyk_colors:
        luma, blue, red = (
            Image.new("RGB", (1, 1), (cyan, magenta, yellow))
            .convert("YCbCr")
            .getpixel((0, 0))
        )
        stored.append((255 - luma, 255 - blue, 255 - red, black))
    content = bytearray(
        encode(quadrant_picture(size, "CMYK", stored), "JPEG", quality=100)
    )
    adobe = content.find(b"Adobe")
    # "Adobe", version (2), flags0 (2), flags1 (2), transform (1).
    content[adobe + 11] = 2
    return bytes(content)


# The quadrant colours as CMYK ink amounts (no black), for CMYK sources.
CMYK_QUADRANTS = tuple(
    (255 - red, 255 - green, 255 - blue, 0) for red, green, blue in QUADRANTS
)


# --- ICC profiles ----------------------------------------------------------


def _s15fixed16(value):
    return struct.pack(">i", round(value * 65536))


def _xyz_tag(x, y, z):
    return b"XYZ \x00\x00\x00\x00" + _s15fixed16(x) + _s15fixed16(y) + _s15fixed16(z)


# sRGB primaries adapted to D50, as in the sRGB profile (IEC 61966-2-1).
_SRGB_RED = (0.4361, 0.2225, 0.0139)
_SRGB_GREEN = (0.3851, 0.7169, 0.0971)
_SRGB_BLUE = (0.1431, 0.0606, 0.7141)
_D50 = (0.9642, 1.0, 0.8249)


def swapped_primaries_profile():
    """Return an RGB ICC profile whose red and blue primaries trade places.

    Its tone curves are linear, so full red in this profile is full sRGB
    blue and the other way round, which makes a conversion easy to see.
    """
    description = b"Swapped red and blue"
    desc = (
        b"desc\x00\x00\x00\x00"
        + struct.pack(">I", len(description) + 1)
        + description
        + b"\x00"
        + b"\x00" * 12  # Unicode and ScriptCode parts, both empty
        + b"\x00" * 67
    )
    linear_curve = b"curv\x00\x00\x00\x00" + struct.pack(">I", 0)
    tags = [
        (b"desc", desc),
        (b"wtpt", _xyz_tag(*_D50)),
        (b"rXYZ", _xyz_tag(*_SRGB_BLUE)),
        (b"gXYZ", _xyz_tag(*_SRGB_GREEN)),
        (b"bXYZ", _xyz_tag(*_SRGB_RED)),
        (b"rTRC", linear_curve),
        (b"gTRC", linear_curve),
        (b"bTRC", linear_curve),
        (b"cprt", b"text\x00\x00\x00\x00No copyright\x00"),
    ]
    table_size = 4 + 12 * len(tags)
    offset = 128 + table_size
    table = struct.pack(">I", len(tags))
    data = b""
    for signature, body in tags:
        while (offset + len(data)) % 4:
            data += b"\x00"
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = 128 + table_size + len(data)
    header = (
        struct.pack(">I", size)
        + b"lcms"
        + bytes((2, 0x10, 0, 0))
        + b"mntrRGB XYZ "
        + struct.pack(">6H", 2024, 1, 1, 0, 0, 0)
        + b"acsp"
        + b"\x00" * 24  # platform, flags, manufacturer, model, attributes
        + b"\x00" * 4  # rendering intent: perceptual
        + _s15fixed16(_D50[0])
        + _s15fixed16(_D50[1])
        + _s15fixed16(_D50[2])
        + b"\x00" * 4  # creator
        + b"\x00" * 44  # profile id and reserved bytes
    )
    assert len(header) == 128
    return header + table + data


# --- Files that are not PNG or JPEG -----------------------------------------


def zip_bytes():
    """Return a ZIP archive holding one small text file."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a photo")
    return buffer.getvalue()


SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<rect width="10" height="10" fill="red"/></svg>'
)
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
TEXT = b"just some text, not an image\n"


def other_formats():
    """Return (label, bytes) of files that are not PNG or JPEG."""
    small = quadrant_picture((20, 20))
    return [
        ("gif", encode(small.convert("P"), "GIF")),
        ("webp", encode(small, "WEBP")),
        ("bmp", encode(small, "BMP")),
        ("tiff", encode(small, "TIFF")),
        ("text", TEXT),
        ("html", HTML),
        ("zip", zip_bytes()),
        ("svg", SVG),
    ]
