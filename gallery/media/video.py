"""WebM slideshows of still photos, built with Pillow and moviepy.

Each photo is turned upright, scaled to fit a fixed 16:9 frame with its aspect
ratio kept, and centred on a plain background (letterboxing), so nothing is
stretched or cropped. The frames are encoded with VP9 by the ffmpeg that
imageio-ffmpeg ships. Everything here works on file objects and local paths;
storing files and rows is the models' job.
"""

import logging
from dataclasses import dataclass

import numpy as np
import proglog
from moviepy import VideoClip
from PIL import Image

from . import images

logger = logging.getLogger(__name__)

CODEC = "libvpx-vp9"
CONTENT_TYPE = "video/webm"
EXTENSION = ".webm"

# The frames are still pictures repeated at a low frame rate, so the encoder
# has little motion to search for. libvpx's real-time mode with the fastest
# speed setting looks the same on such input and encodes many times faster
# than its default "good" mode (figures in docs/slideshows.md). A constant
# quality (-crf with -b:v 0) keeps the file small on repeated frames.
# yuv420p is the pixel format every browser decodes; from RGB input ffmpeg
# would otherwise pick a 4:4:4 VP9 profile that many players reject.
ENCODER_OPTIONS = (
    "-pix_fmt",
    "yuv420p",
    "-deadline",
    "realtime",
    "-cpu-used",
    "8",
    "-row-mt",
    "1",
    "-crf",
    "32",
    "-b:v",
    "0",
)


@dataclass(frozen=True)
class Placement:
    """Size and top-left offset of a picture inside a frame, in pixels."""

    width: int
    height: int
    left: int
    top: int


@dataclass(frozen=True)
class VideoInfo:
    """Facts about an encoded slideshow."""

    frame_count: int
    fps: int
    size: int

    @property
    def duration(self):
        """Length in seconds."""
        return self.frame_count / self.fps


def frame_size(width):
    """Return the (width, height) of the 16:9 frame closest to ``width``.

    Both sides are even, because VP9 in 4:2:0 chroma subsampling needs even
    sides, and at least 2 pixels.
    """
    width = max(2, int(width) // 2 * 2)
    height = max(2, round(width * 9 / 16 / 2) * 2)
    return width, height


def fit_picture(source_width, source_height, frame_width, frame_height):
    """Return where a picture goes in a frame: as large as fits, centred.

    The aspect ratio is kept to the nearest pixel and neither side is ever
    0 pixels, so a 1-pixel strip stays a 1-pixel strip. Small pictures are
    scaled up. Integer arithmetic keeps the result exact for huge ratios.
    """
    if min(source_width, source_height, frame_width, frame_height) < 1:
        raise ValueError(
            f"Sizes must be at least 1 pixel, got {source_width}x{source_height} "
            f"in {frame_width}x{frame_height}."
        )
    if source_width * frame_height >= source_height * frame_width:
        # Wider than the frame (or the same ratio): full width, bars above
        # and below. The height is source_height * frame_width / source_width
        # rounded half up.
        width = frame_width
        height = (2 * source_height * frame_width + source_width) // (2 * source_width)
    else:
        height = frame_height
        width = (2 * source_width * frame_height + source_height) // (2 * source_height)
    width = min(max(width, 1), frame_width)
    height = min(max(height, 1), frame_height)
    return Placement(
        width, height, (frame_width - width) // 2, (frame_height - height) // 2
    )


def letterbox(source, size, background):
    """Return one photo as an RGB frame array of ``size`` (width, height).

    ``source`` is a PNG or JPEG file object. The photo is turned upright per
    its EXIF orientation, converted to sRGB and, where it has transparency,
    composited onto ``background``, which also fills the bars.
    """
    with Image.open(source, formats=("PNG", "JPEG")) as image:
        width, height = images.oriented_size(image)
        placement = fit_picture(width, height, *size)
        picture = images.load_upright(image, (placement.width, placement.height))
    target = (placement.width, placement.height)
    if picture.size != target:
        picture = picture.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    frame = Image.new("RGB", size, background)
    mask = picture.getchannel("A") if picture.mode == "RGBA" else None
    frame.paste(picture.convert("RGB"), (placement.left, placement.top), mask)
    return np.asarray(frame)


class _ProgressLogger(proglog.ProgressBarLogger):
    """Turns moviepy's frame counter into calls of ``report(done, total)``."""

    def __init__(self, report):
        super().__init__()
        self.report = report

    def bars_callback(self, bar, attr, value, old_value=None):
        if bar == "frame_index" and attr == "index":
            total = self.bars[bar]["total"]
            if total:
                self.report(value + 1, total)


@dataclass(frozen=True)
class SlideshowOptions:
    """Frame size, timing and bar colour of a slideshow."""

    size: tuple  # (width, height) in pixels, both even
    seconds_per_photo: float
    fps: int
    background: tuple  # RGB

    @property
    def frames_per_photo(self):
        """Number of frames each photo is shown for, at least 1."""
        return max(1, round(self.seconds_per_photo * self.fps))


class _Progress:
    """Maps work done to a percentage and passes it to a callback.

    Preparing a photo is weighted like encoding one photo's frames. The
    weight only shapes the figure shown to the client.
    """

    def __init__(self, callback, photo_count, frames_per_photo):
        self.callback = callback
        self.step = frames_per_photo
        self.total = 2 * photo_count * frames_per_photo

    def prepared(self, photo_count):
        self._report(photo_count * self.step)

    def encoded(self, frame_count, photo_count):
        self._report(photo_count * self.step + frame_count)

    def _report(self, done):
        if self.callback is not None:
            self.callback(min(100, done * 100 // self.total))


def render_slideshow(sources, path, options, progress=None):
    """Encode photos into a WebM file at ``path``, one after another.

    ``sources`` is a sequence of callables that each return an open file
    object of a photo; ``options`` is a ``SlideshowOptions``. ``progress``,
    when given, is called with a percentage from 0 to 100 as photos are
    prepared and frames are encoded. Returns a ``VideoInfo``. Raises
    ``ValueError`` for an empty sequence; decoding errors from Pillow and
    ``OSError`` from ffmpeg propagate.
    """
    if not sources:
        raise ValueError("A slideshow needs at least one photo.")
    tracker = _Progress(progress, len(sources), options.frames_per_photo)
    frames = []
    for open_source in sources:
        with open_source() as source:
            frames.append(letterbox(source, options.size, options.background))
        tracker.prepared(len(frames))
    frame_count = encode_frames(
        frames,
        path,
        options,
        progress=lambda done: tracker.encoded(done, len(frames)),
    )
    return VideoInfo(frame_count=frame_count, fps=options.fps, size=path_size(path))


def encode_frames(frames, path, options, progress=None):
    """Encode RGB frame arrays, each held for one photo's time, as VP9 WebM.

    Returns the number of frames written. ``progress`` is called with the
    number of frames encoded so far.
    """
    per_photo = options.frames_per_photo
    frame_count = per_photo * len(frames)

    def frame_at(time):
        index = round(time * options.fps) // per_photo
        return frames[min(index, len(frames) - 1)]

    # moviepy writes int(duration * fps) frames; the extra half frame keeps
    # float rounding from dropping the last one.
    clip = VideoClip(frame_at, duration=(frame_count + 0.5) / options.fps)
    try:
        clip.write_videofile(
            str(path),
            fps=options.fps,
            codec=CODEC,
            audio=False,
            ffmpeg_params=list(ENCODER_OPTIONS),
            logger=_ProgressLogger(
                lambda done, _total: progress(done) if progress else None
            ),
        )
    finally:
        clip.close()
    return frame_count


def path_size(path):
    """Return the size of a local file in bytes."""
    with open(path, "rb") as file:
        file.seek(0, 2)
        return file.tell()
