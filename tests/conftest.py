"""Shared fixtures: private media folder, users, clients and photos."""

# pytest passes fixtures by parameter name, so fixtures that use other
# fixtures repeat their names.
# pylint: disable=redefined-outer-name

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from gallery.models import TopPhotoNoticeTemplate
from tests import factories


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Give every test an empty storage folder of its own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root):
    """Return the relative paths of every file under a storage folder."""
    if not root.exists():
        return []
    return sorted(
        str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()
    )


@pytest.fixture(name="user")
def fixture_user(db):  # pylint: disable=unused-argument
    return factories.make_user()


@pytest.fixture(name="other_user")
def fixture_other_user(db):  # pylint: disable=unused-argument
    return factories.make_user()


@pytest.fixture
def staff_user(db):  # pylint: disable=unused-argument
    return factories.make_user(is_staff=True)


def client_for(account):
    """Return an API client that sends the account's token."""
    client = APIClient()
    if account is not None:
        token, _created = Token.objects.get_or_create(user=account)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api(user):
    return client_for(user)


@pytest.fixture
def other_api(other_user):
    return client_for(other_user)


@pytest.fixture
def anon_api():
    return APIClient()


@pytest.fixture(name="album")
def fixture_album(user):
    return factories.make_album(user)


@pytest.fixture
def photo(album, django_capture_on_commit_callbacks):
    """A JPEG photo with its thumbnail and WebP copy made."""
    with django_capture_on_commit_callbacks(execute=True):
        created = factories.make_photo(album)
    created.refresh_from_db()
    return created


def upload_photo(client, album_id, content=None, name="photo.jpg", title="Sunset"):
    """POST a multipart photo upload and return the response."""
    return client.post(
        "/api/v1/photos/",
        {
            "album": album_id,
            "title": title,
            "image": factories.upload_file(content, name),
        },
        format="multipart",
    )


def fetch_media(client, url):
    """GET a signed media link and return the response and its body bytes."""
    response = client.get(url)
    if response.status_code != 200:
        return response, b""
    if response.streaming:
        body = b"".join(response.streaming_content)
        response.close()
    else:
        body = response.content
    return response, body


@pytest.fixture
def notice_template(db):  # pylint: disable=unused-argument
    """The active top photo email, replacing the one the migration made."""
    TopPhotoNoticeTemplate.objects.update(is_active=False)
    return TopPhotoNoticeTemplate.objects.create(
        name="Test notice",
        subject="Top 3 for {{ user.username }} on {{ period.label }}",
        body_text=(
            "Hello {{ user.username }} & co"
            "{% for photo in photos %}\n#{{ photo.rank }} {{ photo.title }}"
            " ({{ photo.views }} views){% endfor %}\n"
        ),
        body_html=(
            "<p>{% for photo in photos %}<b>{{ photo.title }}</b>{% endfor %}</p>"
        ),
        is_active=True,
    )
