"""Parallel requests against a real server never lose a view."""

import threading

import pytest
import requests

from gallery.models import Photo
from tests import factories, processes

REQUESTS = 20


@pytest.fixture(name="server")
def fixture_server(
    transactional_db, media_root, tmp_path
):  # pylint: disable=unused-argument
    """Run gunicorn with several processes and threads on the test database."""
    port = processes.free_port()
    log_path = tmp_path / "gunicorn.log"
    process = processes.start(
        [
            "-m",
            "gunicorn",
            "app.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "8",
        ],
        processes.child_env(media_root),
        log_path,
    )
    try:
        processes.wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        exit_code = processes.stop(process)
        assert exit_code == 0, processes.read_log(log_path)


def test_concurrent_gets_count_every_view(server, album):
    photo = factories.make_photo(album)
    token = factories.token_for(album.owner)
    url = f"{server}/api/v1/photos/{photo.pk}/"
    start = threading.Barrier(REQUESTS)
    statuses = []

    def fetch():
        # One session per thread, so every request has its own connection.
        with requests.Session() as session:
            start.wait(timeout=30)
            response = session.get(
                url, headers={"Authorization": f"Token {token}"}, timeout=60
            )
            statuses.append(response.status_code)

    threads = [threading.Thread(target=fetch) for _ in range(REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)

    assert statuses == [200] * REQUESTS
    assert Photo.objects.get(pk=photo.pk).views == REQUESTS
