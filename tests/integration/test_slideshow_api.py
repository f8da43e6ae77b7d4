"""Slideshow API: real WebM encodes checked with ffmpeg, and permissions."""

import pytest
from django.urls import reverse

from gallery.models import Photo, Slideshow
from tests import factories, videos
from tests.conftest import client_for, stored_files

LIST_URL = "/api/v1/slideshows/"
RED = (200, 40, 40)
BLUE = (30, 60, 220)


def _detail(slideshow_id):
    return f"{LIST_URL}{slideshow_id}/"


def _upload_ranked(album, colours_and_sizes, capture):
    """Upload JPEG photos, the first the most viewed; return them in order."""
    photos = []
    with capture(execute=True):
        for index, (colour, size) in enumerate(colours_and_sizes):
            content = factories.image_bytes(size=size, color=colour, quality=95)
            photo = factories.make_photo(album, title=f"Photo {index}", content=content)
            Photo.objects.filter(pk=photo.pk).update(views=50 - index)
            photos.append(photo)
    return photos


def _download(api, url, tmp_path):
    response = api.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "video/webm"
    path = tmp_path / "downloaded.webm"
    path.write_bytes(b"".join(response.streaming_content))
    return path


def _close(actual, expected, tolerance=30):
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected))


def test_post_mine_encodes_webm(
    api, album, tmp_path, settings, django_capture_on_commit_callbacks
):
    photos = _upload_ranked(
        album,
        [(RED, (64, 48)), (BLUE, (31, 77)), ((40, 200, 40), (1, 9))],
        django_capture_on_commit_callbacks,
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(LIST_URL, {"scope": "mine"})
    assert response.status_code == 202
    assert response.data["status"] == "queued"
    assert response.data["photos"] == [photo.pk for photo in photos]
    assert response.data["video"] is None

    shown = api.get(_detail(response.data["id"]))
    assert shown.status_code == 200
    assert shown.data["status"] == "ready"
    assert shown.data["progress"] == 100
    assert shown.data["error"] == ""
    video = shown.data["video"]
    assert video["content_type"] == "video/webm"
    assert video["duration"] == 3 * settings.GALLERY_SLIDESHOW_SECONDS_PER_PHOTO

    path = _download(api, video["url"], tmp_path)
    assert path.stat().st_size == video["size"]
    probe = videos.probe(path)
    fps = settings.GALLERY_SLIDESHOW_FPS
    seconds = settings.GALLERY_SLIDESHOW_SECONDS_PER_PHOTO
    assert probe.container == "matroska,webm"
    assert probe.codec == "vp9"
    assert (probe.width, probe.height) == (320, 180)
    assert probe.fps == fps
    assert probe.frame_count == 3 * seconds * fps
    assert probe.duration == pytest.approx(3 * seconds, abs=0.01)

    _check_letterboxing(videos.read_frames(path), probe, seconds * fps)


def _check_letterboxing(frames, probe, per_photo):
    assert len(frames) == probe.frame_count
    first, second, third = frames[0], frames[per_photo], frames[2 * per_photo]
    # Photo 1, 64x48 (4:3): 240x180 at x=40, black bars left and right.
    assert _close(videos.mean_colour(first, 0, 0, 36, 180), (0, 0, 0), 6)
    assert _close(videos.mean_colour(first, 284, 0, 320, 180), (0, 0, 0), 6)
    assert _close(videos.mean_colour(first, 50, 10, 270, 170), RED)
    # Photo 2, 31x77 (portrait): 72x180 at x=124.
    assert _close(videos.mean_colour(second, 0, 0, 118, 180), (0, 0, 0), 6)
    assert _close(videos.mean_colour(second, 130, 10, 190, 170), BLUE)
    assert _close(videos.mean_colour(second, 202, 0, 320, 180), (0, 0, 0), 6)
    # Photo 3, a 1x9 strip: 20x180 at x=150.
    assert _close(videos.mean_colour(third, 152, 10, 168, 170), (40, 200, 40))
    assert _close(videos.mean_colour(third, 0, 0, 140, 180), (0, 0, 0), 6)
    # The last frame of each photo still shows that photo.
    assert _close(videos.mean_colour(frames[per_photo - 1], 50, 10, 270, 170), RED)


def test_post_png_with_transparency(
    api, album, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.GALLERY_SLIDESHOW_BACKGROUND = (255, 255, 255)
    content = factories.image_bytes(
        "PNG", size=(90, 90), mode="RGBA", color=(0, 0, 0, 0)
    )
    with django_capture_on_commit_callbacks(execute=True):
        factories.make_photo(album, content=content, name="clear.png")
        response = api.post(LIST_URL, {"scope": "mine"})
    shown = api.get(_detail(response.data["id"]))
    path = _download(api, shown.data["video"]["url"], tmp_path)
    frame = videos.read_frames(path)[0]
    # Fully transparent picture: everything is the white background.
    assert _close(videos.mean_colour(frame, 0, 0, 320, 180), (255, 255, 255), 6)


def test_post_site_staff_covers_every_user(
    staff_user, album, django_capture_on_commit_callbacks
):
    mine = _upload_ranked(album, [(RED, (20, 20))], django_capture_on_commit_callbacks)
    staff_album = factories.make_album(staff_user)
    theirs = _upload_ranked(
        staff_album, [(BLUE, (20, 20))], django_capture_on_commit_callbacks
    )
    Photo.objects.filter(pk=theirs[0].pk).update(views=1)
    staff_api = client_for(staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_api.post(LIST_URL, {"scope": "site"})
    assert response.status_code == 202
    assert response.data["scope"] == "site"
    assert response.data["photos"] == [mine[0].pk, theirs[0].pk]
    shown = staff_api.get(_detail(response.data["id"]))
    assert shown.data["status"] == "ready"


def test_post_again_reuses_ready_video(api, album, django_capture_on_commit_callbacks):
    _upload_ranked(album, [(RED, (20, 20))], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post(LIST_URL, {"scope": "mine"})
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = api.post(LIST_URL, {"scope": "mine"})
    assert again.status_code == 200
    assert again.data["id"] == first.data["id"]
    assert again.data["status"] == "ready"
    assert again.data["video"]["url"]
    assert not callbacks
    assert Slideshow.objects.count() == 1


@pytest.mark.usefixtures("photo")
def test_post_site_forbidden_for_users(api):
    response = api.post(LIST_URL, {"scope": "site"})
    assert response.status_code == 403
    assert "staff" in response.data["detail"]
    assert not Slideshow.objects.exists()


def test_post_without_photos_rejected(api, media_root):
    response = api.post(LIST_URL, {"scope": "mine"})
    assert response.status_code == 400
    assert "no photos yet" in response.data["scope"][0]
    assert not Slideshow.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.parametrize("body", [{}, {"scope": "all"}, {"scope": ""}, {"scope": 1}])
@pytest.mark.usefixtures("photo")
def test_post_invalid_scope_rejected(api, body):
    response = api.post(LIST_URL, body)
    assert response.status_code == 400
    assert "scope" in response.data
    assert not Slideshow.objects.exists()


def test_anonymous_rejected(anon_api):
    assert anon_api.get(LIST_URL).status_code == 401
    assert anon_api.post(LIST_URL, {"scope": "mine"}).status_code == 401


def test_list_shows_own_jobs_paginated(
    api, user, other_user, django_assert_max_num_queries
):
    for _ in range(3):
        Slideshow.objects.create(requested_by=user, scope="mine", photo_ids=[1])
    Slideshow.objects.create(requested_by=other_user, scope="mine", photo_ids=[2])
    with django_assert_max_num_queries(4):
        response = api.get(LIST_URL, {"page_size": 2})
    assert response.status_code == 200
    assert response.data["count"] == 3
    assert len(response.data["results"]) == 2
    assert response.data["next"]
    ids = [item["id"] for item in response.data["results"]]
    own = Slideshow.objects.filter(requested_by=user).order_by("-created_at", "-id")
    assert ids == [slideshow.pk for slideshow in own[:2]]


def test_other_users_job_not_found(api, other_user):
    theirs = Slideshow.objects.create(requested_by=other_user, scope="mine")
    assert api.get(_detail(theirs.pk)).status_code == 404
    assert api.delete(_detail(theirs.pk)).status_code == 404
    assert Slideshow.objects.filter(pk=theirs.pk).exists()


def test_queued_job_has_no_video(api, user):
    queued = Slideshow.objects.create(requested_by=user, scope="mine", photo_ids=[5])
    response = api.get(_detail(queued.pk))
    assert response.data["status"] == "queued"
    assert response.data["progress"] == 0
    assert response.data["video"] is None


def test_delete_own_job_removes_file(
    api, album, media_root, django_capture_on_commit_callbacks
):
    _upload_ranked(album, [(RED, (20, 20))], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post(LIST_URL, {"scope": "mine"})
    name = Slideshow.objects.get(pk=created.data["id"]).video.name
    assert name in stored_files(media_root)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.delete(_detail(created.data["id"]))
    assert response.status_code == 204
    assert not Slideshow.objects.exists()
    assert name not in stored_files(media_root)


def test_failed_job_shows_error(
    api, album, media_root, django_capture_on_commit_callbacks
):
    photos = _upload_ranked(
        album, [(RED, (20, 20))], django_capture_on_commit_callbacks
    )
    (media_root / photos[0].image.name).write_bytes(b"\x89PNG broken")
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post(LIST_URL, {"scope": "mine"})
    shown = api.get(_detail(created.data["id"]))
    assert shown.data["status"] == "failed"
    assert shown.data["error"]
    assert shown.data["video"] is None
    stored = stored_files(media_root)
    assert not [name for name in stored if name.startswith("slideshows/")]


def test_schema_lists_slideshows(api):
    response = api.get(reverse("v1:schema"), {"format": "json"})
    assert response.status_code == 200
    assert "/api/v1/slideshows/" in response.data["paths"]


def test_post_while_building_conflicts(api, album, django_capture_on_commit_callbacks):
    photos = _upload_ranked(
        album, [(RED, (20, 20)), (BLUE, (20, 20))], django_capture_on_commit_callbacks
    )
    first = api.post(LIST_URL, {"scope": "mine"})  # queued: no commit runs it
    Photo.objects.filter(pk=photos[1].pk).update(views=1000)

    response = api.post(LIST_URL, {"scope": "mine"})

    assert first.status_code == 202
    assert response.status_code == 409
    assert f"Slideshow {first.data['id']} is still being built" in (
        response.data["detail"]
    )
    assert Slideshow.objects.count() == 1
