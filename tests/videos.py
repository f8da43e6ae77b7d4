"""Inspect encoded videos with the ffmpeg that imageio-ffmpeg ships.

imageio-ffmpeg has no ffprobe, so the facts come from decoding the whole file
with ``ffmpeg -i FILE -f null -`` and reading its report.
"""

import re
import subprocess
from dataclasses import dataclass

import imageio_ffmpeg
import numpy as np

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


@dataclass(frozen=True)
class Probe:
    """What ffmpeg reports about a video file after decoding all of it."""

    container: str
    codec: str
    width: int
    height: int
    fps: float
    frame_count: int
    duration: float


def probe(path):
    """Decode a video fully and return its container, codec, size and length."""
    result = subprocess.run(
        [FFMPEG, "-hide_banner", "-i", str(path), "-map", "0:v:0", "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    report = result.stderr
    container = re.search(r"Input #0, ([\w,]+), from", report).group(1)
    stream = re.search(
        r"Stream #0:0.*?: Video: (\w+).*?, (\d+)x(\d+)[ ,].*?, ([\d.]+) fps", report
    )
    duration = re.search(r"Duration: (\d+):(\d+):([\d.]+)", report)
    hours, minutes, seconds = duration.groups()
    # The last progress line counts the frames actually decoded.
    frames = re.findall(r"frame=\s*(\d+)", report)
    return Probe(
        container=container,
        codec=stream.group(1),
        width=int(stream.group(2)),
        height=int(stream.group(3)),
        fps=float(stream.group(4)),
        frame_count=int(frames[-1]),
        duration=int(hours) * 3600 + int(minutes) * 60 + float(seconds),
    )


def read_frames(path):
    """Decode every frame of a video into RGB arrays of shape (height, width, 3)."""
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    width, height = meta["size"]
    frames = [
        np.frombuffer(frame, dtype=np.uint8).reshape(height, width, 3)
        for frame in reader
    ]
    return frames


def mean_colour(frame, left, top, right, bottom):
    """Return the mean RGB colour of a frame region as three floats."""
    region = frame[top:bottom, left:right]
    return tuple(float(value) for value in region.mean(axis=(0, 1)))
