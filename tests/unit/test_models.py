"""Photo creation, view counting, WebP rendering and file clean-up."""

import io
import re

import pytest
from django.db import IntegrityError, transaction
from PIL import Image

from gallery import tasks
from gallery.media import images
from gallery.models import Album, Photo, PhotoDerivative
from tests import factories
from tests.conftest import stored_files

RANDOM_NAME = re.compile(r"^(originals|derivatives)/[0-9a-f]{2}/[0-9a-f]{32}\.\w+$")


def decode(field_file):
    """Open a stored file with Pillow and return its format and size."""
    with field_file.open("rb") as stored:
        with Image.open(io.BytesIO(stored.read())) as image:
            image.load()
            return image.format, image.size


def test_album_and_photo_str_is_title(photo):
    assert str(photo) == "Sunset"
    assert str(photo.album) == "Holidays"
    assert str(photo.derivatives.first()).endswith(f"of photo {photo.pk}")


def test_register_view_adds_exactly_one_and_refreshes(photo):
    Photo.objects.filter(pk=photo.pk).update(views=41)

    photo.register_view()

    assert photo.views == 42
    assert Photo.objects.get(pk=photo.pk).views == 42


def test_register_view_keeps_other_unsaved_fields(photo):
    photo.title = "unsaved"

    photo.register_view()

    assert Photo.objects.get(pk=photo.pk).title == "Sunset"
    assert photo.title == "unsaved"


def test_create_from_upload_uses_random_names(album, media_root):
    created = factories.make_photo(album, name="Secret Holiday Name.JPEG")
    thumbnail = created.get_derivative(PhotoDerivative.Kind.THUMBNAIL)

    assert RANDOM_NAME.match(created.image.name)
    assert RANDOM_NAME.match(thumbnail.file.name)
    assert created.image.name.endswith(".jpg")
    for name in stored_files(media_root):
        assert "secret" not in name.lower()
        assert "holiday" not in name.lower()


def test_create_from_upload_records_facts(album):
    content = factories.image_bytes("PNG", size=(300, 200))

    created = factories.make_photo(album, content=content, name="x.png")

    assert created.owner == album.owner
    assert created.format == "PNG"
    assert (created.width, created.height) == (300, 200)
    assert created.size == len(content)
    assert created.status == Photo.Status.PROCESSING
    assert created.content_type == "image/png"
    assert decode(created.image) == ("PNG", (300, 200))


def test_create_from_upload_invalid_leaves_nothing(album, media_root):
    with pytest.raises(images.InvalidImage):
        factories.make_photo(album, content=b"not an image at all")

    assert Photo.objects.count() == 0
    assert PhotoDerivative.objects.count() == 0
    assert stored_files(media_root) == []


def test_create_from_upload_database_error_leaves_nothing(album, media_root):
    # A NULL title breaks the NOT NULL constraint on the INSERT itself.
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            factories.make_photo(album, title=None)

    assert Photo.objects.count() == 0
    assert PhotoDerivative.objects.count() == 0
    assert stored_files(media_root) == []


def test_create_from_upload_queues_webp_on_commit_only(
    album, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        created = factories.make_photo(album)

    assert len(callbacks) == 1
    assert created.get_derivative(PhotoDerivative.Kind.WEBP) is None
    assert Photo.objects.get(pk=created.pk).status == Photo.Status.PROCESSING

    callbacks[0]()

    created.refresh_from_db()
    assert created.status == Photo.Status.READY
    assert created.derivatives.filter(kind=PhotoDerivative.Kind.WEBP).exists()


def test_create_from_upload_rolled_back_queues_nothing(
    album, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                factories.make_photo(album)
                raise RuntimeError("roll back")

    assert callbacks == []
    assert Photo.objects.count() == 0


def test_render_webp_marks_ready(album):
    created = factories.make_photo(album, content=factories.image_bytes(size=(80, 60)))

    derivative = created.render_webp()

    assert derivative.kind == PhotoDerivative.Kind.WEBP
    assert created.status == Photo.Status.READY
    assert Photo.objects.get(pk=created.pk).status == Photo.Status.READY
    assert derivative.content_type == "image/webp"
    assert RANDOM_NAME.match(derivative.file.name)
    assert decode(derivative.file) == ("WEBP", (80, 60))
    assert derivative.size == derivative.file.size


def test_render_webp_rerun_replaces_file(
    album, media_root, django_capture_on_commit_callbacks
):
    created = factories.make_photo(album)
    first = created.render_webp()

    with django_capture_on_commit_callbacks(execute=True):
        second = created.render_webp()

    webps = created.derivatives.filter(kind=PhotoDerivative.Kind.WEBP)
    assert list(webps) == [second]
    assert first.file.name != second.file.name
    assert first.file.name not in stored_files(media_root)
    assert second.file.name in stored_files(media_root)
    assert len(stored_files(media_root)) == 3


def test_render_webp_photo_deleted_meanwhile_leaves_no_file(
    album, media_root, django_capture_on_commit_callbacks
):
    created = factories.make_photo(album)
    stale = Photo.objects.get(pk=created.pk)
    # The row goes, but the files stay until the delete's commit callbacks run,
    # as when a delete commits while the job is encoding.
    with django_capture_on_commit_callbacks(execute=False) as file_deletions:
        Photo.objects.filter(pk=created.pk).delete()
    files_before = stored_files(media_root)

    assert stale.render_webp() is None

    assert stored_files(media_root) == files_before
    assert PhotoDerivative.objects.count() == 0
    for callback in file_deletions:
        callback()
    assert stored_files(media_root) == []


def test_render_webp_undecodable_marks_failed(album, media_root, caplog):
    created = factories.make_photo(album)
    (media_root / created.image.name).write_bytes(b"\xff\xd8 damaged")

    assert created.render_webp() is None

    assert created.status == Photo.Status.FAILED
    assert Photo.objects.get(pk=created.pk).status == Photo.Status.FAILED
    assert not created.derivatives.filter(kind=PhotoDerivative.Kind.WEBP).exists()
    assert f"photo {created.pk} failed" in caplog.text


def test_render_webp_task_returns_derivative_id(album):
    created = factories.make_photo(album)

    derivative_id = tasks.render_webp(created.pk)

    assert PhotoDerivative.objects.get(pk=derivative_id).photo_id == created.pk


def test_render_webp_task_skips_deleted_photo(album):
    created = factories.make_photo(album)
    photo_id = created.pk
    Photo.objects.filter(pk=photo_id).delete()

    assert tasks.render_webp(photo_id) is None


def test_render_webp_task_failed_returns_none(album, media_root):
    created = factories.make_photo(album)
    (media_root / created.image.name).write_bytes(b"garbage")

    assert tasks.render_webp(created.pk) is None


def test_photo_delete_removes_files_after_commit(
    photo, media_root, django_capture_on_commit_callbacks
):
    assert len(stored_files(media_root)) == 3
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        photo.delete()
    assert len(stored_files(media_root)) == 3

    for callback in callbacks:
        callback()

    assert stored_files(media_root) == []


def test_photo_delete_rolled_back_keeps_files(
    photo, media_root, django_capture_on_commit_callbacks
):
    photo_id = photo.pk
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                photo.delete()
                raise RuntimeError("roll back")

    assert Photo.objects.filter(pk=photo_id).exists()
    assert len(stored_files(media_root)) == 3


def test_album_delete_removes_photo_files(
    photo, media_root, django_capture_on_commit_callbacks
):
    factories.make_photo(photo.album)
    assert len(stored_files(media_root)) == 5

    with django_capture_on_commit_callbacks(execute=True):
        photo.album.delete()

    assert Photo.objects.count() == 0
    assert PhotoDerivative.objects.count() == 0
    assert stored_files(media_root) == []


def test_user_delete_removes_albums_photos_files(
    photo, other_user, media_root, django_capture_on_commit_callbacks
):
    kept = factories.make_photo(factories.make_album(other_user))
    kept_files = [
        kept.image.name,
        kept.get_derivative(PhotoDerivative.Kind.THUMBNAIL).file.name,
    ]

    with django_capture_on_commit_callbacks(execute=True):
        photo.owner.delete()

    assert Album.objects.filter(owner_id=photo.owner_id).count() == 0
    assert list(Photo.objects.all()) == [kept]
    assert stored_files(media_root) == sorted(kept_files)


def test_file_delete_error_is_logged(
    photo, media_root, caplog, django_capture_on_commit_callbacks
):
    # A folder in place of the file makes the storage's delete raise OSError.
    original = media_root / photo.image.name
    original.unlink()
    original.mkdir()
    (original / "blocker").write_bytes(b"x")

    with django_capture_on_commit_callbacks(execute=True):
        photo.delete()

    assert "Could not delete file" in caplog.text
    assert Photo.objects.count() == 0
