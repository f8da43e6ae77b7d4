"""Benchmark slideshow builds against a plain ffmpeg encode of the same frames.

Run from the repository root:

    .venv/bin/python scripts/bench_slideshow.py [--runs 5] [--compare-runs 1]

The script makes 10 generated photos of camera-like sizes in a throwaway
SQLite database and media folder, then times, in fresh child processes:

* ``product``: ``Slideshow.build()``, the code path the background job runs
  (decode, letterbox, encode through moviepy, store, update the row);
* ``ffmpeg``: the ffmpeg binary alone, encoding the same letterboxed frames
  from PNG files with the same codec options;
* a comparison of moviepy's default encoder options at 24 fps against the
  tuned options at the product's frame rate, on the same frames.

Each timing is a median over the runs. Peak memory is the maximum resident
set size from ``getrusage``: of the Python process and, separately, of the
largest ffmpeg child. The results go to ``docs/slideshows.md``.
"""

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PHOTO_COUNT = 10
# (width, height, format): phone and camera shapes, a panorama, a PNG with
# transparency and odd sizes, so decoding and letterboxing cost what they
# cost on real uploads.
PHOTO_SHAPES = [
    (4032, 3024, "JPEG"),
    (3024, 4032, "JPEG"),
    (4000, 2250, "JPEG"),
    (6000, 1500, "JPEG"),
    (1920, 1080, "JPEG"),
    (1200, 800, "PNG"),
    (3263, 2447, "JPEG"),
    (1080, 1350, "JPEG"),
    (2047, 2047, "JPEG"),
    (801, 5001, "JPEG"),
]
# libvpx-vp9's own defaults (good quality deadline, speed 1) with only the
# pixel format fixed, which is what moviepy runs when given no options.
DEFAULT_OPTIONS = ("-pix_fmt", "yuv420p")


def configure_django(workdir):
    """Point Django at the throwaway database and media folder and set it up."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "app.settings.dev"
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ["LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(ROOT))
    import django  # pylint: disable=import-outside-toplevel

    django.setup()


def make_photo_bytes(index, width, height, image_format):
    """Return an encoded photo with smooth gradients and mild noise."""
    # pylint: disable=import-outside-toplevel
    import io

    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(index)
    ys = np.linspace(0, 1, height, dtype=np.float32)[:, None]
    xs = np.linspace(0, 1, width, dtype=np.float32)[None, :]
    channels = [
        (np.sin((xs * (index + 2) + ys * 3) * np.pi) * 0.5 + 0.5) * 255,
        np.broadcast_to(xs * 255, (height, width)),
        np.broadcast_to(ys * 255, (height, width)),
    ]
    pixels = np.stack(channels, axis=2)
    pixels += rng.normal(0, 4, pixels.shape).astype(np.float32)
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    buffer = io.BytesIO()
    if image_format == "PNG":
        alpha = Image.linear_gradient("L").resize((width, height))
        image.putalpha(alpha)
        image.save(buffer, "PNG")
    else:
        image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def create_photos():
    """Create a user with 10 photos through the upload path; return the user."""
    # pylint: disable=import-outside-toplevel
    from django.core.files.uploadedfile import SimpleUploadedFile

    from gallery.models import Album, Photo
    from users.models import User

    user = User.objects.create_user("bench", password="bench-password-1")
    album = Album.objects.create(owner=user, title="Bench")
    for index, (width, height, image_format) in enumerate(PHOTO_SHAPES):
        extension = ".png" if image_format == "PNG" else ".jpg"
        content = make_photo_bytes(index, width, height, image_format)
        photo = Photo.objects.create_from_upload(
            album=album,
            title=f"Photo {index}",
            upload=SimpleUploadedFile(f"photo{extension}", content),
        )
        Photo.objects.filter(pk=photo.pk).update(views=1000 - index)
    return user


def setup(workdir):
    """Create the database, a user, 10 ranked photos and the PNG frames."""
    configure_django(workdir)
    # pylint: disable=import-outside-toplevel
    import imageio_ffmpeg
    from django.core.management import call_command

    from gallery.media import video
    from gallery.models import Photo
    from gallery.models.slideshows import slideshow_options

    call_command("migrate", verbosity=0)
    user = create_photos()
    options = slideshow_options()
    photos = Photo.objects.filter(owner=user).top(PHOTO_COUNT)
    number = write_frames(workdir / "frames", photos, options)
    return {
        "ffmpeg": imageio_ffmpeg.get_ffmpeg_exe(),
        "codec": video.CODEC,
        "options": list(video.ENCODER_OPTIONS),
        "user_id": user.pk,
        "size": list(options.size),
        "fps": options.fps,
        "seconds_per_photo": options.seconds_per_photo,
        "frames": number,
    }


def write_frames(folder, photos, options):
    """Write each photo's letterboxed frame as PNG files, one per video frame.

    Returns the number of frame files. The repeats of a photo are hard links.
    """
    # pylint: disable=import-outside-toplevel
    from PIL import Image

    from gallery.media import video

    folder.mkdir()
    number = 0
    for photo in photos:
        with photo.image.open("rb") as source:
            frame = video.letterbox(source, options.size, options.background)
        first = folder / f"frame_{number:04d}.png"
        Image.fromarray(frame).save(first, compress_level=1)
        number += 1
        for _repeat in range(options.frames_per_photo - 1):
            os.link(first, folder / f"frame_{number:04d}.png")
            number += 1
    return number


def peak_memory():
    """Return the peak RSS of this process and of its largest child, in MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def trial_product(workdir, user_id):
    """Build one slideshow through the model, as the background job does."""
    configure_django(workdir)
    # pylint: disable=import-outside-toplevel
    from gallery.models import Photo, Slideshow
    from gallery.models.slideshows import fingerprint

    photos = list(Photo.objects.filter(owner_id=user_id).top(PHOTO_COUNT))
    slideshow = Slideshow.objects.create(
        requested_by_id=user_id,
        scope=Slideshow.Scope.MINE,
        photo_ids=[photo.pk for photo in photos],
        fingerprint=fingerprint(photos),
    )
    started = time.perf_counter()
    slideshow.build()
    seconds = time.perf_counter() - started
    if slideshow.status != Slideshow.Status.READY:
        raise RuntimeError(f"Slideshow build failed: {slideshow.error}")
    size = slideshow.size
    slideshow.delete()
    own, children = peak_memory()
    return {
        "seconds": seconds,
        "bytes": size,
        "python_mib": own,
        "ffmpeg_mib": children,
    }


def load_stills(folder):
    """Return the first frame of each photo as an RGB array."""
    # pylint: disable=import-outside-toplevel
    import numpy as np
    from PIL import Image

    frame_files = sorted(folder.glob("frame_*.png"))
    per_photo = len(frame_files) // PHOTO_COUNT
    return [
        np.asarray(Image.open(path).convert("RGB")) for path in frame_files[::per_photo]
    ]


def mean_psnr(path, stills, fps, seconds_each):
    """Return the mean PSNR in dB of each photo's middle frame against its still."""
    # pylint: disable=import-outside-toplevel
    import imageio_ffmpeg
    import numpy as np

    reader = imageio_ffmpeg.read_frames(str(path))
    width, height = next(reader)["size"]
    per_photo = round(fps * seconds_each)
    scores = []
    for index, frame in enumerate(reader):
        if index % per_photo != per_photo // 2:
            continue
        decoded = np.frombuffer(frame, dtype=np.uint8).reshape(height, width, 3)
        scores.append(psnr(decoded, stills[index // per_photo]))
    return float(np.mean(scores))


def psnr(decoded, reference):
    """Return the peak signal-to-noise ratio of two 8-bit images in dB."""
    import numpy as np  # pylint: disable=import-outside-toplevel

    error = np.mean((decoded.astype(np.float64) - reference.astype(np.float64)) ** 2)
    return float(10 * np.log10(255**2 / max(error, 1e-10)))


def trial_encode(workdir, fps, encoder_options):
    """Encode the prepared frames through moviepy at a frame rate and options."""
    from moviepy import VideoClip  # pylint: disable=import-outside-toplevel

    stills = load_stills(workdir / "frames")
    seconds_each = json.loads((workdir / "meta.json").read_text())["seconds_per_photo"]

    def frame_at(time_point):
        return stills[min(int(time_point // seconds_each), len(stills) - 1)]

    clip = VideoClip(frame_at, duration=PHOTO_COUNT * seconds_each)
    output = workdir / f"variant-{os.getpid()}.webm"
    started = time.perf_counter()
    clip.write_videofile(
        str(output),
        fps=fps,
        codec="libvpx-vp9",
        audio=False,
        ffmpeg_params=list(encoder_options),
        logger=None,
    )
    seconds = time.perf_counter() - started
    own, children = peak_memory()
    result = {
        "seconds": seconds,
        "bytes": output.stat().st_size,
        "python_mib": own,
        "ffmpeg_mib": children,
        "psnr": mean_psnr(output, stills, fps, seconds_each),
    }
    output.unlink()
    return result


def run_child(workdir, trial, extra=()):
    """Run one trial in a fresh Python process and return its result."""
    result = subprocess.run(
        [sys.executable, __file__, "--child", trial, "--workdir", str(workdir)]
        + list(extra),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_plain_ffmpeg(workdir, meta):
    """Encode the PNG frames with the ffmpeg binary and the product's options."""
    output = workdir / "plain.webm"
    command = [
        meta["ffmpeg"],
        "-y",
        "-loglevel",
        "error",
        "-framerate",
        str(meta["fps"]),
        "-i",
        str(workdir / "frames" / "frame_%04d.png"),
        "-c:v",
        meta["codec"],
        *meta["options"],
        str(output),
    ]
    started = time.perf_counter()
    process = subprocess.Popen(command)  # pylint: disable=consider-using-with
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise RuntimeError(f"ffmpeg exited with {process.returncode}")
    size = output.stat().st_size
    output.unlink()
    return {
        "seconds": seconds,
        "bytes": size,
        "python_mib": 0.0,
        "ffmpeg_mib": usage.ru_maxrss / 1024,
    }


def summarize(results):
    """Return the median time and size and the peak memory of several runs."""
    return {
        "runs": len(results),
        "median_seconds": statistics.median(r["seconds"] for r in results),
        "min_seconds": min(r["seconds"] for r in results),
        "max_seconds": max(r["seconds"] for r in results),
        "bytes": statistics.median(r["bytes"] for r in results),
        "python_mib": max(r["python_mib"] for r in results),
        "ffmpeg_mib": max(r["ffmpeg_mib"] for r in results),
    }


def machine_facts(ffmpeg):
    """Return the CPU, core count, memory and software versions."""
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as meminfo:
        total_kib = int(meminfo.readline().split()[1])
    ffmpeg_version = subprocess.run(
        [ffmpeg, "-version"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()[0]
    packages = ["Django", "moviepy", "Pillow", "numpy", "imageio-ffmpeg", "django-q2"]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": total_kib / 1024 / 1024,
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "ffmpeg": ffmpeg_version,
        "packages": {name: metadata.version(name) for name in packages},
    }


def write_report(path, meta, figures, comparison, machine):
    """Write the benchmark page in Markdown."""
    product, plain = figures["product"], figures["ffmpeg"]
    packages = machine["packages"]
    ratio = product["median_seconds"] / plain["median_seconds"]
    width, height = meta["size"]
    lines = [
        "# Slideshow encoding benchmark",
        "",
        "Written by `scripts/bench_slideshow.py`; rerun it to refresh the figures.",
        "",
        f"Workload: {PHOTO_COUNT} generated photos (JPEG up to 4032x3024, a "
        "6000x1500 panorama, an 801x5001 strip and a 1200x800 PNG with "
        f"transparency), {width}x{height} frames, "
        f"{meta['seconds_per_photo']} s per photo at {meta['fps']} fps "
        f"({meta['frames']} frames), VP9 in WebM with the product's options "
        f"`{' '.join(figures['options'])}`.",
        "",
        "## Product against plain ffmpeg",
        "",
        "`product` is `Slideshow.build()`: it decodes each photo, letterboxes "
        "it, pipes raw frames through moviepy into ffmpeg, stores the file and "
        "updates the row. `ffmpeg` is the ffmpeg binary alone, reading the same "
        "letterboxed frames from PNG files (made before timing) with the same "
        "codec options. Each run is a fresh process.",
        "",
        "| Build | Runs | Median s | Min s | Max s | File bytes | Peak RSS Python MiB "
        "| Peak RSS ffmpeg MiB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, row in (("product", product), ("ffmpeg", plain)):
        python_mib = f"{row['python_mib']:.0f}" if row["python_mib"] else "-"
        lines.append(
            f"| {name} | {row['runs']} | {row['median_seconds']:.2f} "
            f"| {row['min_seconds']:.2f} | {row['max_seconds']:.2f} "
            f"| {row['bytes']:.0f} | {python_mib} | {row['ffmpeg_mib']:.0f} |"
        )
    lines += [
        "",
        f"Ratio product / plain ffmpeg (medians): **{ratio:.2f}x**. The "
        "difference is the photo decoding and letterboxing, which the plain "
        "encode gets for free from prepared frames, plus moviepy's piping.",
        "",
    ]
    lines += comparison_lines(comparison)
    lines += [
        "## Machine",
        "",
        f"- CPU: {machine['cpu']}, {machine['cores']} cores visible",
        f"- Memory: {machine['memory_gib']:.1f} GiB",
        f"- System: {machine['system']}, Python {machine['python']}",
        f"- {machine['ffmpeg']} (the binary imageio-ffmpeg ships)",
        "- Packages: "
        + ", ".join(f"{name} {version}" for name, version in packages.items()),
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    return ratio


def comparison_lines(comparison):
    """Return the Markdown lines of the encoder-option comparison."""
    lines = [
        "## Encoder options for still pictures",
        "",
        "The same 10 letterboxed frames encoded through moviepy with "
        "libvpx-vp9, first with libvpx's default options (`-deadline good "
        "-cpu-used 1`, only `-pix_fmt yuv420p` set) and then with the "
        "product's tuned options, at 24 fps and at the product's frame rate.",
        "",
        "| Options | fps | Runs | Median s | File bytes | PSNR dB "
        "| Peak RSS ffmpeg MiB |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in comparison:
        lines.append(
            f"| {row['label']} | {row['fps']} | {row['runs']} "
            f"| {row['median_seconds']:.2f} | {row['bytes']:.0f} "
            f"| {row['psnr']:.1f} | {row['ffmpeg_mib']:.0f} |"
        )
    slowest = max(comparison, key=lambda row: row["median_seconds"])
    fastest = min(comparison, key=lambda row: row["median_seconds"])
    lines += [
        "",
        f"{slowest['label']} at {slowest['fps']} fps takes "
        f"{slowest['median_seconds'] / fastest['median_seconds']:.0f} times as "
        f"long as {fastest['label']} at {fastest['fps']} fps. The pictures do "
        "not move, so the extra frames and the slower motion search mostly add "
        "encoding time. PSNR compares the middle frame of each photo's span "
        "with the letterboxed still it was made from (higher is closer).",
        "",
    ]
    return lines


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=5, help="runs of the product and plain builds"
    )
    parser.add_argument(
        "--compare-runs",
        type=int,
        default=1,
        help="runs of each encoder-option variant (the slowest takes minutes)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=ROOT / "docs" / "slideshows.md",
        help="Markdown file to write",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--fps", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--tuned", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def child_main(arguments):
    """Run one trial and print its result as JSON on the last line."""
    if arguments.child == "setup":
        meta = setup(arguments.workdir)
        (arguments.workdir / "meta.json").write_text(json.dumps(meta))
        print(json.dumps(meta))
        return
    meta = json.loads((arguments.workdir / "meta.json").read_text())
    if arguments.child == "product":
        result = trial_product(arguments.workdir, meta["user_id"])
    else:
        configure_django(arguments.workdir)
        from gallery.media import video  # pylint: disable=import-outside-toplevel

        options = video.ENCODER_OPTIONS if arguments.tuned else DEFAULT_OPTIONS
        result = trial_encode(arguments.workdir, arguments.fps, options)
    print(json.dumps(result))


def main():
    arguments = parse_arguments()
    if arguments.child:
        child_main(arguments)
        return
    workdir = Path(tempfile.mkdtemp(prefix="bench-slideshow-"))
    try:
        # Everything heavy runs in child processes. Linux carries a process's
        # peak RSS over fork and exec into its children, so a large parent
        # would inflate every child's figure.
        meta = run_child(workdir, "setup")

        product_runs, plain_runs = [], []
        for run in range(arguments.runs):
            product_runs.append(run_child(workdir, "product"))
            plain_runs.append(run_plain_ffmpeg(workdir, meta))
            print(
                f"run {run + 1}: product {product_runs[-1]['seconds']:.2f} s, "
                f"ffmpeg {plain_runs[-1]['seconds']:.2f} s",
                flush=True,
            )
        figures = {
            "product": summarize(product_runs),
            "ffmpeg": summarize(plain_runs),
            "options": meta["options"],
        }
        comparison = []
        for label, tuned, fps in (
            ("libvpx defaults", False, 24),
            ("tuned", True, 24),
            ("libvpx defaults", False, meta["fps"]),
            ("tuned", True, meta["fps"]),
        ):
            extra = ["--fps", str(fps), *(["--tuned"] if tuned else [])]
            runs = [
                run_child(workdir, "encode", extra)
                for _ in range(arguments.compare_runs)
            ]
            row = {
                "label": label,
                "fps": fps,
                "psnr": statistics.median(run["psnr"] for run in runs),
                **summarize(runs),
            }
            comparison.append(row)
            print(f"{label} at {fps} fps: {row['median_seconds']:.2f} s", flush=True)
        arguments.output.parent.mkdir(parents=True, exist_ok=True)
        ratio = write_report(
            arguments.output, meta, figures, comparison, machine_facts(meta["ffmpeg"])
        )
        print(
            f"product {figures['product']['median_seconds']:.2f} s, "
            f"ffmpeg {figures['ffmpeg']['median_seconds']:.2f} s, ratio {ratio:.2f}; "
            f"peak RSS Python {figures['product']['python_mib']:.0f} MiB, "
            f"ffmpeg {figures['product']['ffmpeg_mib']:.0f} MiB; "
            f"wrote {arguments.output}"
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
