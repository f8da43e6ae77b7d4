"""A slideshow built by a real django-q2 worker process, not in sync mode."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_q.conf import Conf

from gallery.models import Photo, Slideshow
from tests import factories, videos
from tests.conftest import client_for

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 90


def _database_url():
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"
    params = connection.settings_dict
    port = params.get("PORT") or 5432
    user = params.get("USER") or "postgres"
    return f"postgres://{user}@{params.get('HOST') or '127.0.0.1'}:{port}/{name}"


@pytest.fixture(name="worker")
def fixture_worker(media_root):
    """Start ``manage.py qcluster`` on the test database; stop it afterwards."""
    media_root.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "app.settings.test",
        "Q_SYNC": "false",
        "Q_WORKERS": "1",
        "MEDIA_ROOT": str(media_root),
        "DATABASE_URL": _database_url(),
    }
    process = subprocess.Popen(  # pylint: disable=consider-using-with
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    yield process
    # The cluster stops its own worker processes when its main process gets
    # SIGTERM; anything left of the process group after that is killed.
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_worker_builds_slideshow(worker, tmp_path, monkeypatch):
    user = factories.make_user()
    photos = _ranked_photos(user)
    api = client_for(user)

    # From here on jobs go to the database broker; only the worker runs them.
    monkeypatch.setattr(Conf, "SYNC", False)
    response = api.post("/api/v1/slideshows/", {"scope": "mine"})
    assert response.status_code == 202
    slideshow_id = response.data["id"]
    slideshow = Slideshow.objects.get(pk=slideshow_id)
    # In sync mode the video would already be ready here.
    assert slideshow.status in ("queued", "running")

    deadline = time.monotonic() + WAIT_SECONDS
    seen = {slideshow.status}
    while slideshow.status not in ("ready", "failed"):
        if worker.poll() is not None:
            output = worker.stdout.read().decode(errors="replace")
            pytest.fail(f"qcluster exited with {worker.returncode}:\n{output}")
        if time.monotonic() > deadline:
            pytest.fail(f"Slideshow not built within {WAIT_SECONDS} s: {seen}")
        time.sleep(0.3)
        slideshow.refresh_from_db()
        seen.add(slideshow.status)

    assert slideshow.status == "ready", slideshow.error
    assert slideshow.photo_ids == [photo.pk for photo in photos]
    _check_video(api, slideshow_id, tmp_path, len(photos))


def _ranked_photos(user):
    album = factories.make_album(user)
    photos = []
    for index, colour in enumerate([(200, 40, 40), (30, 60, 220)]):
        content = factories.image_bytes(size=(48, 64), color=colour)
        photo = factories.make_photo(album, title=f"Photo {index}", content=content)
        Photo.objects.filter(pk=photo.pk).update(views=10 - index)
        photos.append(photo)
    return photos


def _check_video(api, slideshow_id, tmp_path, photo_count):
    shown = api.get(f"/api/v1/slideshows/{slideshow_id}/")
    download = api.get(shown.data["video"]["url"])
    assert download["Content-Type"] == "video/webm"
    path = tmp_path / "worker.webm"
    path.write_bytes(b"".join(download.streaming_content))
    probe = videos.probe(path)
    assert probe.codec == "vp9"
    assert (probe.width, probe.height) == (320, 180)
    expected_frames = photo_count * (
        settings.GALLERY_SLIDESHOW_SECONDS_PER_PHOTO * settings.GALLERY_SLIDESHOW_FPS
    )
    assert probe.frame_count == expected_frames
