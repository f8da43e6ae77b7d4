"""Benchmark the service against bare Django and Pillow on this machine.

Usage: ``scripts/bench [--uploads 500] [--runs 3] [--workers 2]``.

Builds a fresh PostgreSQL database and times the image code in this process.
Then it starts gunicorn (the product and bare Django upload views) and a
django-q2 cluster on 127.0.0.1 and measures them with a bounded number of
requests. At the end it stops them and writes the figures to
docs/benchmarks.md between its figure markers. Every ratio compares two
figures taken in the same run.
"""

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# pylint: disable=wrong-import-position
import bench_http  # noqa: E402
import bench_media  # noqa: E402
import bench_procs  # noqa: E402
import bench_report  # noqa: E402
from bench_http import Request  # noqa: E402

PORTS = {"product": 8501, "bare": 8502}
DATABASE = "gallery_bench"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
PASSWORD = "bench-password-7"
SEED_PHOTOS = 100
# The whole run must end within 10 minutes; the WebP backlog left by the
# memory run is drained only while time remains before this limit.
TIME_LIMIT = 500


def main():
    """Run every benchmark section and write the report."""
    args = parse_args()
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="gallery-bench-"))
    env = server_env(workdir)
    os.environ.update(env, Q_SYNC="true", LOG_LEVEL="WARNING")
    figures = {"args": vars(args), "machine": machine(), "load": [os.getloadavg()]}
    services = []
    try:
        reset_database()
        import django  # pylint: disable=import-outside-toplevel

        django.setup()
        figures["versions"] = versions()
        print("Timing the image code...", flush=True)
        photo = bench_media.make_photo()
        figures["photo_bytes"] = len(photo)
        figures["media"] = media_figures(photo, args.runs)
        print("Seeding the database...", flush=True)
        seed = seed_database()
        figures["queries"] = query_counts(seed)
        services = start_services(env, workdir, args.workers)
        product, bare, worker = services
        figures["upload"] = upload_latency(seed, photo, args.upload_runs)
        wait_for_jobs(seed, deadline=started + TIME_LIMIT / 2)
        figures["api"] = api_figures(seed, args.runs)
        figures["counter"] = counter_under_load(seed, clients=20, per_client=25)
        figures["memory"] = memory_run(
            seed, photo, args.uploads, (product, worker), started + TIME_LIMIT
        )
        figures["peaks"] = {
            "web": product.peaks(),
            "worker": worker.peaks(),
            "bare": bare.peaks(),
        }
    finally:
        for service in reversed(services):
            service.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    figures["seconds"] = time.monotonic() - started
    figures["load"].append(os.getloadavg())
    text = bench_report.render(figures)
    print(bench_report.render_console(figures))
    bench_report.write(ROOT / "docs" / "benchmarks.md", text)
    print(f"Wrote docs/benchmarks.md in {figures['seconds']:.0f} s")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--uploads", type=int, default=500, help="uploads in the memory run"
    )
    parser.add_argument(
        "--runs", type=int, default=3, help="runs per API and WebP figure"
    )
    parser.add_argument(
        "--upload-runs", type=int, default=25, help="uploads per upload-latency side"
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="gunicorn workers (at least 2)"
    )
    args = parser.parse_args()
    if args.workers < 2:
        parser.error("--workers must be at least 2")
    return args


def server_env(workdir):
    """Return the environment of the benchmark's servers."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="app.settings.prod",
        SECRET_KEY="bench-only-insecure-key",
        DATABASE_URL=DATABASE_URL,
        MEDIA_ROOT=str(workdir / "media"),
        ALLOWED_HOSTS="127.0.0.1,testserver",
        # Login is measured, so the anonymous brake on password guessing
        # must not turn requests into 429s; the same for the user rate.
        THROTTLE_ANON_RATE="1000000/minute",
        THROTTLE_USER_RATE="1000000/minute",
        THROTTLE_LOGIN_RATE="1000000/minute",
        THROTTLE_UPLOAD_RATE="1000000/minute",
        Q_SYNC="false",
        Q_WORKERS="1",
    )
    return env


def reset_database():
    for command in ("dropdb", "createdb"):
        extra = ["--if-exists", "--force"] if command == "dropdb" else []
        subprocess.run(
            [command, "-h", "127.0.0.1", "-U", "postgres", *extra, DATABASE],
            check=True,
        )


def machine():
    """Return the cores, memory and CPU model of this machine."""
    meminfo = Path("/proc/meminfo").read_text(encoding="ascii").splitlines()
    total_line = next(line for line in meminfo if line.startswith("MemTotal"))
    total_kib = int(total_line.split()[1])
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    return {
        "cores": os.cpu_count(),
        "memory_gib": total_kib / 1_048_576,
        "cpu": model,
        "system": f"{platform.system()} {platform.release()}",
    }


def versions():
    """Return the versions of Python, the libraries and PostgreSQL."""
    # pylint: disable=import-outside-toplevel
    from django.db import connection
    from PIL import features

    found = {"Python": platform.python_version()}
    for package in (
        "Django",
        "djangorestframework",
        "djoser",
        "django-q2",
        "gunicorn",
        "psycopg",
        "Pillow",
        "numpy",
    ):
        found[package] = metadata.version(package)
    found["libjpeg-turbo"] = features.version("libjpeg_turbo")
    found["libwebp"] = features.version("webp")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        found["PostgreSQL"] = cursor.fetchone()[0].split()[0]
    return found


def media_figures(photo, runs):
    from django.conf import settings  # pylint: disable=import-outside-toplevel

    thumbnail = bench_media.bench_thumbnail(photo, settings, runs * 5)
    webp = bench_media.bench_webp(photo, settings, runs + 2)
    print("Sweeping WebP quality and method...", flush=True)
    return {
        "thumbnail": thumbnail,
        "webp": webp,
        "webp_settings": (settings.GALLERY_WEBP_QUALITY, settings.GALLERY_WEBP_METHOD),
        "sweep": bench_media.sweep_webp(photo),
    }


def seed_database():
    """Create the user, album and photos the requests use."""
    # pylint: disable=import-outside-toplevel
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from gallery.models import Album, Photo
    from users.models import User

    call_command("migrate", verbosity=0)
    user = User.objects.create_user("bench", "bench@example.com", PASSWORD)
    token = Token.objects.create(user=user).key
    album = Album.objects.create(owner=user, title="Benchmark")
    small = bench_media.small_jpeg()
    photos = [
        Photo.objects.create_from_upload(
            album=album, title=f"Photo {number}", upload=bench_media.upload(small)
        ).pk
        for number in range(SEED_PHOTOS)
    ]
    return {"user": user, "token": token, "album": album.pk, "photos": photos}


def auth(seed):
    return (("Authorization", f"Token {seed['token']}"),)


def query_counts(seed):
    """Count the SQL queries of list and detail requests in this process."""
    # pylint: disable=import-outside-toplevel
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Token {seed['token']}")
    counts = {}
    for page_size in (1, 20, 100):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/photos/?page_size={page_size}")
        assert response.status_code == 200, response.content
        assert len(response.json()["results"]) == page_size
        counts[f"list, page of {page_size}"] = len(queries)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/v1/photos/{seed['photos'][0]}/")
    assert response.status_code == 200, response.content
    counts["detail"] = len(queries)
    return counts


def start_services(env, workdir, workers):
    print("Starting gunicorn and the django-q2 cluster...", flush=True)
    product = bench_procs.gunicorn(
        "web",
        "app.wsgi:application",
        PORTS["product"],
        workers,
        env,
        workdir / "web.log",
    )
    bare_env = dict(env, DJANGO_SETTINGS_MODULE="bench_bare")
    bare = bench_procs.gunicorn(
        "bare",
        "django.core.wsgi:get_wsgi_application()",
        PORTS["bare"],
        workers,
        bare_env,
        workdir / "bare.log",
    )
    worker = bench_procs.qcluster(env, workdir / "worker.log")
    bench_procs.wait_for_port(PORTS["product"], product)
    bench_procs.wait_for_port(PORTS["bare"], bare)
    return [product, bare, worker]


def product_upload(seed, photo):
    content_type, body = bench_http.multipart(
        {"album": seed["album"], "title": "Upload"},
        {"image": ("photo.jpg", "image/jpeg", photo)},
    )
    return Request(
        "POST", "/api/v1/photos/", (*auth(seed), ("Content-Type", content_type)), body
    )


def bare_upload(photo, path):
    content_type, body = bench_http.multipart(
        {}, {"image": ("photo.jpg", "image/jpeg", photo)}
    )
    return Request("POST", path, (("Content-Type", content_type),), body)


def upload_latency(seed, photo, count):
    """Upload the photo to the product and to both bare views, in turn."""
    print("Timing uploads...", flush=True)
    requests = {
        "product": (PORTS["product"], product_upload(seed, photo)),
        "bare": (PORTS["bare"], bare_upload(photo, "/upload/")),
        "bare_thumbnail": (PORTS["bare"], bare_upload(photo, "/upload-thumbnail/")),
    }
    latencies = {side: [] for side in requests}
    for number in range(count + 2):
        for side, (port, request) in requests.items():
            response = bench_http.call(port, request)
            if response.status != 201:
                raise RuntimeError(
                    f"{side} upload failed: {response.status} {response.body[:300]!r}"
                )
            if number >= 2:  # the first two warm up each worker
                latencies[side].append(response.seconds)
    return latencies


def wait_for_jobs(seed, deadline):
    """Wait until the queued WebP jobs are done or the deadline passes."""
    from gallery.models import Photo  # pylint: disable=import-outside-toplevel

    pending = Photo.objects.filter(owner=seed["user"], status=Photo.Status.PROCESSING)
    while pending.exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    return pending.count()


def api_figures(seed, runs):
    """Measure list, detail and login with 10 and 50 concurrent clients."""
    headers = auth(seed)
    login_body = f'{{"username": "bench", "password": "{PASSWORD}"}}'.encode()
    scenarios = {
        "list (page of 20)": lambda n: [Request("GET", "/api/v1/photos/", headers)] * n,
        "detail (adds a view)": lambda n: [
            Request("GET", f"/api/v1/photos/{photo_id}/", headers)
            for photo_id in (seed["photos"] * (n // SEED_PHOTOS + 1))[:n]
        ],
        "login": lambda n: [
            Request(
                "POST",
                "/api/v1/auth/token/login/",
                (("Content-Type", "application/json"),),
                login_body,
            )
        ]
        * n,
    }
    # Login costs one PBKDF2 hash (about half a second of CPU), so it gets
    # fewer requests.
    counts = {
        "list (page of 20)": {10: 200, 50: 250},
        "detail (adds a view)": {10: 200, 50: 250},
        "login": {10: 10, 50: 50},
    }
    figures = []
    for name, build in scenarios.items():
        for clients in (10, 50):
            print(f"Loading {name} with {clients} clients...", flush=True)
            bench_http.call(PORTS["product"], build(1)[0])
            requests = build(counts[name][clients])
            results = [
                bench_http.run_load(PORTS["product"], requests, clients)
                for _ in range(runs)
            ]
            figures.append((name, clients, counts[name][clients], results))
    return figures


def counter_under_load(seed, clients, per_client):
    """Send clients x per_client detail requests for one photo; check views."""
    from gallery.models import Album, Photo  # pylint: disable=import-outside-toplevel

    print("Counting views under load...", flush=True)
    album = Album.objects.get(pk=seed["album"])
    upload = bench_media.upload(bench_media.small_jpeg())
    photo = Photo.objects.create_from_upload(
        album=album, title="Counter", upload=upload
    )
    request = Request("GET", f"/api/v1/photos/{photo.pk}/", auth(seed))
    result = bench_http.run_load(
        PORTS["product"], [request] * (clients * per_client), clients
    )
    photo.refresh_from_db()
    return {
        "clients": clients,
        "per_client": per_client,
        "expected": clients * per_client,
        "views": photo.views,
        "statuses": result.statuses,
    }


# One sequential run with its counters reads best as one function.
def memory_run(
    seed, photo, uploads, services, deadline
):  # pylint: disable=too-many-locals
    """Upload the photo ``uploads`` times, sampling RSS every 100 uploads."""
    from gallery.models import Photo  # pylint: disable=import-outside-toplevel

    print(f"Uploading {uploads} photos for the memory run...", flush=True)
    product, worker = services
    request = product_upload(seed, photo)
    ready = Photo.objects.filter(owner=seed["user"], status=Photo.Status.READY)
    statuses = {}
    samples = []

    def sample(label, done):
        samples.append((label, done, ready.count(), product.memory(), worker.memory()))

    sample("start", 0)
    done, batch_seconds = 0, 0.0
    while done < uploads:
        batch = min(100, uploads - done)
        if done and time.monotonic() + batch_seconds > deadline:
            print("Stopping the memory run early: the time limit is near.", flush=True)
            break
        batch_start = time.monotonic()
        result = bench_http.run_load(PORTS["product"], [request] * batch, 2)
        batch_seconds = time.monotonic() - batch_start
        for status, count in result.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
        done += batch
        sample(f"{done} uploads", done)
    print("Letting the worker make the queued WebP copies...", flush=True)
    left = wait_for_jobs(seed, deadline)
    sample("time limit" if left else "queue drained", done)
    return {"samples": samples, "statuses": statuses, "left": left}


if __name__ == "__main__":
    main()
