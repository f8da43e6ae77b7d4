"""Markdown tables for the benchmark figures, and the docs page update.

The page keeps its hand-written text; only the part between the two figure
markers is replaced on each run.
"""

import statistics
import time

from bench_http import median_of
from bench_media import PHOTO_ORIENTATION, PHOTO_QUALITY, PHOTO_SIZE, median_ms

START = "<!-- figures:start (written by scripts/bench) -->"
END = "<!-- figures:end -->"
MIB = 1_048_576


def table(header, rows):
    """Return a Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def percentile(values, share):
    ordered = sorted(values)
    return ordered[max(1, round(share * len(ordered))) - 1]


def summary_rows(figures):
    """Return the product-versus-baseline rows with their ratios."""
    media = figures["media"]
    upload = figures["upload"]
    rows = []

    def add(name, product, baseline, target):
        rows.append(
            (
                name,
                f"{product:.1f}",
                f"{baseline:.1f}",
                f"{product / baseline:.2f}",
                target,
            )
        )

    add(
        "Thumbnail of the photo, median ms (`Photo.check_upload` vs "
        "`Image.thumbnail()` + JPEG save)",
        median_ms(media["thumbnail"][0]),
        median_ms(media["thumbnail"][1]),
        "<= 1.2",
    )
    add(
        "WebP copy, median ms (`images.make_webp` vs open, `exif_transpose`, "
        "WebP save)",
        median_ms(media["webp"][0]),
        median_ms(media["webp"][1]),
        "<= 1.1",
    )
    for name, share in (("p50", 0.5), ("p95", 0.95)):
        add(
            f"Upload request {name}, ms (API vs bare Django view)",
            percentile(upload["product"], share) * 1000,
            percentile(upload["bare"], share) * 1000,
            "<= 1.5",
        )
    for name, share in (("p50", 0.5), ("p95", 0.95)):
        add(
            f"Upload request {name}, ms (API vs bare view that also stores "
            "an `Image.thumbnail()`)",
            percentile(upload["product"], share) * 1000,
            percentile(upload["bare_thumbnail"], share) * 1000,
            "none set",
        )
    return rows


def sweep_table(figures):
    quality, method = figures["media"]["webp_settings"]
    rows = []
    for row_quality, row_method, seconds, size, psnr in figures["media"]["sweep"]:
        chosen = " (setting)" if (row_quality, row_method) == (quality, method) else ""
        rows.append(
            (
                f"{row_quality}{chosen}",
                row_method,
                f"{seconds * 1000:.0f}",
                f"{size / 1_000_000:.2f}",
                f"{psnr:.2f}",
            )
        )
    return table(("Quality", "Method", "Encode ms", "Size MB", "PSNR dB"), rows)


def api_table(figures):
    rows = []
    for name, clients, count, results in figures["api"]:
        statuses = {}
        for result in results:
            for status, number in result.statuses.items():
                statuses[status] = statuses.get(status, 0) + number
        rows.append(
            (
                name,
                clients,
                f"{len(results)} x {count}",
                f"{median_of(results, lambda r: r.requests_per_second):.1f}",
                f"{median_of(results, lambda r: r.percentile(0.5)) * 1000:.0f}",
                f"{median_of(results, lambda r: r.percentile(0.95)) * 1000:.0f}",
                ", ".join(
                    f"{code}: {number}" for code, number in sorted(statuses.items())
                ),
            )
        )
    return table(
        (
            "Request",
            "Clients",
            "Runs x requests",
            "Requests/s",
            "p50 ms",
            "p95 ms",
            "Statuses",
        ),
        rows,
    )


def memory_table(figures):
    rows = []
    for label, uploads, ready, web, worker in figures["memory"]["samples"]:
        rows.append(
            (label, uploads, ready, f"{web[0] / MIB:.0f}", f"{worker[0] / MIB:.0f}")
        )
    header = (
        "Sample",
        "Uploads",
        "WebP copies made",
        "Web RSS MiB (all processes)",
        "Worker RSS MiB (all processes)",
    )
    return table(header, rows)


def render(figures):
    """Return the Markdown figures section."""
    machine = figures["machine"]
    args = figures["args"]
    counter = figures["counter"]
    memory = figures["memory"]
    peaks = figures["peaks"]
    width, height = PHOTO_SIZE
    parts = [
        START,
        f"Run of {time.strftime('%Y-%m-%d %H:%M %Z')}, {figures['seconds']:.0f} s: "
        f"`scripts/bench --uploads {args['uploads']} --runs {args['runs']} "
        f"--upload-runs {args['upload_runs']} --workers {args['workers']}`.",
        "",
        f"Machine: {machine['cores']} cores ({machine['cpu']}), "
        f"{machine['memory_gib']:.1f} GiB memory, {machine['system']}. "
        "Load client, servers, worker and PostgreSQL share these cores. "
        "Load average (1, 5, 15 min) at the start: "
        + ", ".join(f"{value:.1f}" for value in figures["load"][0])
        + "; at the end: "
        + ", ".join(f"{value:.1f}" for value in figures["load"][1])
        + ". Absolute times move with the load; each ratio compares figures "
        "taken side by side in the same run.",
        "",
        "Versions: "
        + ", ".join(
            f"{name} {version}" for name, version in figures["versions"].items()
        )
        + ".",
        "",
        f"Photo: {width}x{height} ({width * height / 1e6:.0f} megapixels), "
        f"JPEG quality {PHOTO_QUALITY}, {figures['photo_bytes'] / 1e6:.2f} MB, "
        f"EXIF orientation {PHOTO_ORIENTATION}; generated value noise with "
        "sensor noise.",
        "",
        f"Servers: gunicorn, {args['workers']} sync workers, on PostgreSQL; "
        "django-q2 cluster with 1 worker process; anonymous and user "
        "throttles raised so nothing is throttled.",
        "",
        "### Product against the bare libraries",
        "",
        table(
            ("Figure", "Product", "Baseline", "Ratio", "Target"), summary_rows(figures)
        ),
        "",
        f"Thumbnail: median of {len(figures['media']['thumbnail'][0])} alternating "
        f"runs; WebP: median of {len(figures['media']['webp'][0])}; uploads: "
        f"{len(figures['upload']['product'])} per side, in turn, one at a "
        "time, with the worker making the WebP copies meanwhile.",
        "",
        "### WebP quality and method",
        "",
        "One encode per cell of the upright photo with Pillow; PSNR of the "
        "decoded WebP against the decoded JPEG, over RGB.",
        "",
        sweep_table(figures),
        "",
        "### API under load",
        "",
        "Medians over the runs of requests per second and of each run's "
        "p50 and p95 latency.",
        "",
        api_table(figures),
        "",
        "### SQL queries per request",
        "",
        table(("Request", "Queries"), figures["queries"].items()),
        "",
        "### View counter under load",
        "",
        f"{counter['clients']} concurrent clients sent "
        f"{counter['clients']} x {counter['per_client']} = {counter['expected']} "
        f"detail requests for one photo; its view count is {counter['views']} "
        f"({'exact' if counter['views'] == counter['expected'] else 'WRONG'}); "
        f"statuses {counter['statuses']}.",
        "",
        "### Memory",
        "",
        f"{args['uploads']} uploads of the photo, 2 at a time; RSS sampled every "
        "100 uploads. Statuses: "
        f"{memory['statuses']}; WebP jobs still queued at the end: {memory['left']}.",
        "",
        memory_table(figures),
        "",
        table(
            ("Process group", "Peak RSS of one process MiB", "Processes"),
            [
                (name, f"{max(values) / MIB:.0f}", len(values))
                for name, values in peaks.items()
            ],
        ),
        "",
        "A slideshow of 10 photos is measured by the slideshow benchmark; "
        "see docs/slideshows.md.",
        END,
    ]
    return "\n".join(parts)


def render_console(figures):
    """Return the summary table for the terminal."""
    rows = summary_rows(figures)
    lines = [f"{'Figure':70} {'Product':>9} {'Baseline':>9} {'Ratio':>6}"]
    for name, product, baseline, ratio, _target in rows:
        lines.append(f"{name[:70]:70} {product:>9} {baseline:>9} {ratio:>6}")
    for name, clients, _count, results in figures["api"]:
        rps = median_of(results, lambda r: r.requests_per_second)
        p95 = statistics.median(r.percentile(0.95) for r in results) * 1000
        lines.append(f"{name} x{clients}: {rps:.1f} req/s, p95 {p95:.0f} ms")
    lines.append(f"Queries: {figures['queries']}")
    counter = figures["counter"]
    lines.append(f"Counter: {counter['views']} of {counter['expected']}")
    return "\n".join(lines)


def write(path, section):
    """Replace the figures section of the page, creating the page if needed."""
    if path.exists():
        text = path.read_text()
        if START in text and END in text:
            before, rest = text.split(START, 1)
            after = rest.split(END, 1)[1]
            path.write_text(before + section + after)
            return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# Benchmarks\n\nRun `scripts/bench`.\n\n" + section + "\n")
