"""Slideshow business rules: photo selection, reuse, failure and clean-up."""

import pytest
from django.core.exceptions import PermissionDenied

from gallery import tasks
from gallery.models import NoPhotos, Photo, Slideshow, SlideshowBusy
from tests import factories
from tests.conftest import stored_files


def _photos(album, count, capture):
    """Create photos with descending view counts, most viewed first."""
    created = []
    with capture(execute=True):
        for index in range(count):
            photo = factories.make_photo(album, title=f"Photo {index}")
            Photo.objects.filter(pk=photo.pk).update(views=100 - index)
            created.append(photo)
    return created


def _stored_videos(root):
    return [name for name in stored_files(root) if name.startswith("slideshows/")]


@pytest.fixture(name="ranked")
def fixture_ranked(album, django_capture_on_commit_callbacks):
    return _photos(album, 3, django_capture_on_commit_callbacks)


def _request(user, scope, capture):
    with capture(execute=True):
        return Slideshow.objects.request(user, scope)


def test_select_photos_mine_in_ranking_order(user, ranked, other_user):
    factories.make_photo(factories.make_album(other_user))
    selected = Slideshow.objects.select_photos(user, Slideshow.Scope.MINE)
    assert [photo.pk for photo in selected] == [photo.pk for photo in ranked]


def test_select_photos_site_top_10(
    user, other_user, django_capture_on_commit_callbacks
):
    mine = _photos(factories.make_album(user), 6, django_capture_on_commit_callbacks)
    theirs = _photos(
        factories.make_album(other_user), 6, django_capture_on_commit_callbacks
    )
    selected = Slideshow.objects.select_photos(user, Slideshow.Scope.SITE)
    assert len(selected) == 10
    assert {photo.owner_id for photo in selected} == {user.pk, other_user.pk}
    views = [photo.views for photo in selected]
    assert views == sorted(views, reverse=True)
    assert mine[0] in selected
    assert theirs[0] in selected


@pytest.mark.usefixtures("ranked")
def test_request_site_needs_staff(user):
    with pytest.raises(PermissionDenied):
        Slideshow.objects.request(user, Slideshow.Scope.SITE)
    assert not Slideshow.objects.exists()


def test_request_without_photos_rejected(user):
    with pytest.raises(NoPhotos, match="no photos yet"):
        Slideshow.objects.request(user, Slideshow.Scope.MINE)
    assert not Slideshow.objects.exists()


def test_request_builds_ready_video(user, ranked, django_capture_on_commit_callbacks):
    slideshow, queued = _request(
        user, Slideshow.Scope.MINE, django_capture_on_commit_callbacks
    )
    slideshow.refresh_from_db()
    assert queued is True
    assert slideshow.status == Slideshow.Status.READY
    assert slideshow.progress == 100
    assert slideshow.photo_ids == [photo.pk for photo in ranked]
    assert slideshow.size == slideshow.video.size
    assert slideshow.duration == 3 * 3
    assert slideshow.finished_at >= slideshow.created_at
    assert slideshow.error == ""
    assert slideshow.video.name.startswith("slideshows/")
    assert slideshow.video.name.endswith(".webm")


@pytest.mark.usefixtures("ranked")
def test_reuse_when_top_unchanged(user, django_capture_on_commit_callbacks):
    first, _queued = _request(user, "mine", django_capture_on_commit_callbacks)
    again, queued = _request(user, "mine", django_capture_on_commit_callbacks)
    assert queued is False
    assert again.pk == first.pk
    assert Slideshow.objects.count() == 1


@pytest.mark.usefixtures("ranked")
def test_reuse_returns_pending_job(user):
    first, queued = Slideshow.objects.request(user, "mine")
    again, queued_again = Slideshow.objects.request(user, "mine")
    assert queued is True
    assert queued_again is False
    assert again.pk == first.pk
    assert again.status == Slideshow.Status.QUEUED


def test_no_reuse_when_order_changes(user, ranked, django_capture_on_commit_callbacks):
    first, _queued = _request(user, "mine", django_capture_on_commit_callbacks)
    Photo.objects.filter(pk=ranked[2].pk).update(views=1000)
    second, queued = _request(user, "mine", django_capture_on_commit_callbacks)
    assert queued is True
    assert second.pk != first.pk
    assert second.photo_ids == [ranked[2].pk, ranked[0].pk, ranked[1].pk]
    assert second.fingerprint != first.fingerprint


def test_no_reuse_when_photo_replaced(
    user, album, ranked, django_capture_on_commit_callbacks
):
    first, _queued = _request(user, "mine", django_capture_on_commit_callbacks)
    # Same id, different picture: what a restored or edited row would look
    # like. The stored name and size differ, so the video is rebuilt.
    replacement = factories.make_photo(
        album, content=factories.image_bytes(color=(0, 0, 200))
    )
    Photo.objects.filter(pk=ranked[0].pk).update(
        image=replacement.image.name, size=replacement.size
    )
    replacement.delete()
    second, queued = _request(user, "mine", django_capture_on_commit_callbacks)
    assert queued is True
    assert second.pk != first.pk


@pytest.mark.usefixtures("ranked")
def test_no_reuse_when_settings_change(
    user, settings, django_capture_on_commit_callbacks
):
    first, _queued = _request(user, "mine", django_capture_on_commit_callbacks)
    settings.GALLERY_SLIDESHOW_SECONDS_PER_PHOTO = 2
    second, queued = _request(user, "mine", django_capture_on_commit_callbacks)
    second.refresh_from_db()
    assert queued is True
    assert second.pk != first.pk
    assert second.duration == 3 * 2


@pytest.mark.usefixtures("ranked")
def test_no_reuse_of_failed_job(user, django_capture_on_commit_callbacks):
    first, _queued = _request(user, "mine", django_capture_on_commit_callbacks)
    Slideshow.objects.filter(pk=first.pk).update(status=Slideshow.Status.FAILED)
    second, queued = _request(user, "mine", django_capture_on_commit_callbacks)
    assert queued is True
    assert second.pk != first.pk


@pytest.mark.usefixtures("ranked")
def test_site_video_shared_between_staff(
    staff_user, django_capture_on_commit_callbacks
):
    first, _queued = _request(staff_user, "site", django_capture_on_commit_callbacks)
    first.refresh_from_db()
    colleague = factories.make_user(is_staff=True)
    shared, queued = _request(colleague, "site", django_capture_on_commit_callbacks)
    assert queued is False
    assert shared.pk != first.pk
    assert shared.requested_by == colleague
    assert shared.status == Slideshow.Status.READY
    assert shared.video.name == first.video.name
    assert shared.size == first.size


@pytest.mark.usefixtures("ranked")
def test_mine_never_reuses_other_users_video(
    user, other_user, django_capture_on_commit_callbacks
):
    _request(user, "mine", django_capture_on_commit_callbacks)
    _photos(factories.make_album(other_user), 1, django_capture_on_commit_callbacks)
    theirs, queued = _request(other_user, "mine", django_capture_on_commit_callbacks)
    assert queued is True
    assert theirs.requested_by == other_user


def test_build_fails_on_corrupt_photo(
    user, ranked, media_root, django_capture_on_commit_callbacks
):
    (media_root / ranked[1].image.name).write_bytes(b"not an image")
    slideshow, _queued = _request(user, "mine", django_capture_on_commit_callbacks)
    slideshow.refresh_from_db()
    assert slideshow.status == Slideshow.Status.FAILED
    assert slideshow.error
    assert not slideshow.video
    assert slideshow.finished_at is not None
    assert not _stored_videos(media_root)


def test_build_fails_when_photo_deleted(user, ranked):
    slideshow, _queued = Slideshow.objects.request(user, "mine")
    deleted_id = ranked[1].pk
    ranked[1].delete()
    slideshow.build()
    slideshow.refresh_from_db()
    assert slideshow.status == Slideshow.Status.FAILED
    assert f"Photos {deleted_id} were deleted" in slideshow.error


@pytest.mark.usefixtures("ranked")
def test_build_of_deleted_slideshow_keeps_no_file(user, media_root):
    slideshow, _queued = Slideshow.objects.request(user, "mine")
    Slideshow.objects.filter(pk=slideshow.pk).delete()
    slideshow.build()
    assert not _stored_videos(media_root)


@pytest.mark.usefixtures("ranked")
def test_build_skips_ready_slideshow(user, django_capture_on_commit_callbacks):
    slideshow, _queued = _request(user, "mine", django_capture_on_commit_callbacks)
    slideshow.refresh_from_db()
    name = slideshow.video.name
    slideshow.build()
    slideshow.refresh_from_db()
    assert slideshow.video.name == name


@pytest.mark.usefixtures("ranked")
def test_build_reports_progress(user, monkeypatch):
    slideshow, _queued = Slideshow.objects.request(user, "mine")
    written = []
    original = Slideshow._update  # pylint: disable=protected-access

    def record(instance, **fields):
        if "progress" in fields:
            written.append((fields.get("status"), fields["progress"]))
        return original(instance, **fields)

    monkeypatch.setattr(Slideshow, "_update", record)
    slideshow.build()
    assert written[0] == (Slideshow.Status.RUNNING, 0)
    steps = [progress for status, progress in written[1:-1]]
    assert steps == sorted(steps)
    assert len(steps) >= 5
    assert all(0 < step < 100 and step % 5 == 0 for step in steps)
    assert written[-1] == (Slideshow.Status.READY, 100)


@pytest.mark.usefixtures("ranked")
def test_delete_removes_video_after_commit(
    user, media_root, django_capture_on_commit_callbacks
):
    slideshow, _queued = _request(user, "mine", django_capture_on_commit_callbacks)
    slideshow.refresh_from_db()
    name = slideshow.video.name
    assert name in stored_files(media_root)
    with django_capture_on_commit_callbacks(execute=True):
        slideshow.delete()
    assert name not in stored_files(media_root)


@pytest.mark.usefixtures("ranked")
def test_delete_keeps_shared_video(
    staff_user, media_root, django_capture_on_commit_callbacks
):
    first, _queued = _request(staff_user, "site", django_capture_on_commit_callbacks)
    colleague = factories.make_user(is_staff=True)
    shared, _queued = _request(colleague, "site", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        first.delete()
    assert shared.video.name in stored_files(media_root)
    with django_capture_on_commit_callbacks(execute=True):
        shared.delete()
    assert shared.video.name not in stored_files(media_root)


@pytest.mark.django_db
def test_task_skips_deleted_slideshow():
    assert tasks.build_slideshow(987_654) is None


def test_task_returns_final_status(user, ranked):
    slideshow, _queued = Slideshow.objects.request(user, "mine")
    assert tasks.build_slideshow(slideshow.pk) == Slideshow.Status.READY
    slideshow.refresh_from_db()
    assert slideshow.photo_ids == [photo.pk for photo in ranked]


def test_request_while_pending_is_busy(user, ranked):
    first, _queued = Slideshow.objects.request(user, "mine")
    Photo.objects.filter(pk=ranked[2].pk).update(views=1000)

    with pytest.raises(SlideshowBusy) as raised:
        Slideshow.objects.request(user, "mine")

    assert raised.value.pending.pk == first.pk
    assert f"Slideshow {first.pk} is still being built" in str(raised.value)
    assert Slideshow.objects.count() == 1


def test_busy_user_does_not_block_others(user, other_user, ranked):
    Slideshow.objects.request(user, "mine")
    factories.make_photo(factories.make_album(other_user))

    _slideshow, queued = Slideshow.objects.request(other_user, "mine")

    assert queued is True
    assert ranked


@pytest.mark.usefixtures("ranked")
def test_build_stops_when_deleted_midway(user, media_root, caplog, monkeypatch):
    slideshow, _queued = Slideshow.objects.request(user, "mine")
    original = Slideshow._update  # pylint: disable=protected-access

    def delete_at_first_progress(instance, **fields):
        if set(fields) == {"progress"}:
            Slideshow.objects.filter(pk=instance.pk).delete()
        return original(instance, **fields)

    monkeypatch.setattr(Slideshow, "_update", delete_at_first_progress)
    with caplog.at_level("INFO", logger="gallery.models.slideshows"):
        slideshow.build()

    assert not Slideshow.objects.filter(pk=slideshow.pk).exists()
    assert not _stored_videos(media_root)
    assert "was deleted while it was built" in caplog.text
    assert "ERROR" not in caplog.text
