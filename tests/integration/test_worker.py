"""A real django-q2 cluster process makes the WebP copy of an upload."""

import io
import time

import pytest
from django_q.conf import Conf
from django_q.models import OrmQ, Success
from PIL import Image

from gallery.models import Photo, PhotoDerivative
from tests import processes
from tests.conftest import upload_photo

WAIT_SECONDS = 60


def wait_until_done(photo):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        photo.refresh_from_db()
        if photo.status != Photo.Status.PROCESSING:
            return
        time.sleep(0.2)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_worker_makes_queued_webp(api, album, media_root, tmp_path, monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", False)
    response = upload_photo(api, album.pk)
    assert response.status_code == 201
    assert response.data["webp"] is None
    assert OrmQ.objects.count() == 1
    photo = Photo.objects.get(pk=response.data["id"])
    assert photo.status == Photo.Status.PROCESSING

    log_path = tmp_path / "qcluster.log"
    env = processes.child_env(media_root, Q_SYNC="false", Q_WORKERS="1")
    process = processes.start(["manage.py", "qcluster"], env, log_path)
    try:
        wait_until_done(photo)
    finally:
        exit_code = processes.stop(process)

    log = processes.read_log(log_path)
    assert photo.status == Photo.Status.READY, log
    assert exit_code == 0, log
    webp = photo.derivatives.get(kind=PhotoDerivative.Kind.WEBP)
    with webp.file.open("rb") as stored:
        with Image.open(io.BytesIO(stored.read())) as image:
            image.load()
            assert image.format == "WEBP"
            assert image.size == (64, 48)
    assert OrmQ.objects.count() == 0
    assert Success.objects.filter(func="gallery.tasks.render_webp").count() == 1
