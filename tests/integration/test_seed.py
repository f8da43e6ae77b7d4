"""The seed command: demo data on a fresh database, nothing added on a rerun."""

import io

import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from gallery.models import Album, Photo, PhotoDerivative
from tests import factories
from tests.conftest import stored_files
from users.models import User


def run_seed(*args):
    output, errors = io.StringIO(), io.StringIO()
    call_command("seed", *args, stdout=output, stderr=errors)
    return output.getvalue(), errors.getvalue()


@pytest.mark.django_db
def test_seed_creates_accounts_albums_and_photos(media_root):
    output, errors = run_seed()

    assert errors == ""
    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert admin.check_password("admin-demo-pass")
    for username in ("alice", "bob"):
        user = User.objects.get(username=username)
        assert user.check_password(f"{username}-demo-pass")
        assert not user.is_staff
        assert f"{username} / {username}-demo-pass" in output
        assert Album.objects.filter(owner=user).count() == 2
        assert Photo.objects.filter(owner=user).count() == 8
    assert "admin / admin-demo-pass" in output
    assert set(Photo.objects.values_list("format", flat=True)) == {"JPEG", "PNG"}
    assert Photo.objects.filter(views__gt=0).exists()
    thumbnails = PhotoDerivative.objects.filter(kind=PhotoDerivative.Kind.THUMBNAIL)
    assert thumbnails.count() == 16
    assert len(stored_files(media_root)) == 32


@pytest.mark.django_db
def test_seed_rerun_adds_nothing(media_root):
    run_seed()
    counts = (User.objects.count(), Album.objects.count(), Photo.objects.count())
    views = sorted(Photo.objects.values_list("views", flat=True))
    files = stored_files(media_root)

    output, _errors = run_seed()

    assert (User.objects.count(), Album.objects.count(), Photo.objects.count()) == (
        counts
    )
    assert sorted(Photo.objects.values_list("views", flat=True)) == views
    assert stored_files(media_root) == files
    assert "alice exists" in output


@pytest.mark.django_db
def test_seed_imports_photos_from_folder(tmp_path):
    folder = tmp_path / "camera"
    folder.mkdir()
    (folder / "beach.jpg").write_bytes(factories.image_bytes("JPEG", (640, 480)))
    (folder / "logo.png").write_bytes(factories.image_bytes("PNG", (64, 64), "RGBA"))
    Image.new("RGB", (320, 240), (10, 120, 200)).save(folder / "phone.heic")
    (folder / "notes.txt").write_text("not a photo")
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")

    _output, errors = run_seed("--photos", str(folder))

    # The 4 usable files fill the 16 photo slots in turn; broken.jpg is
    # skipped every time its turn comes.
    assert errors.count("Skipped broken.jpg") == 4
    assert Photo.objects.count() == 12
    assert set(Photo.objects.values_list("format", flat=True)) == {"JPEG", "PNG"}
    sizes = {(photo.width, photo.height) for photo in Photo.objects.all()}
    assert sizes == {(640, 480), (64, 64), (320, 240)}


@pytest.mark.django_db
def test_seed_missing_folder_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="folder not found"):
        run_seed("--photos", str(tmp_path / "missing"))

    assert not User.objects.exists()
