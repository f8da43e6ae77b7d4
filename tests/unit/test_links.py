"""Signed media links built from a shared prefix match reverse()."""

from django.test import RequestFactory
from django.urls import reverse

from gallery import links


class StoredFile:
    def __init__(self, name):
        self.name = name


def test_media_url_prefix_matches_reverse():
    request = RequestFactory().get("/api/v1/photos/")
    for name in ("originals/ab/abc.jpg", "derivatives/0f/0f9e.webp", "a b/ü.png"):
        token = links.sign(name)
        expected = request.build_absolute_uri(reverse("media", kwargs={"token": token}))
        prefix = links.media_url_prefix(request)
        assert links.build_url(request, StoredFile(name), prefix=prefix) == expected
        assert links.build_url(request, StoredFile(name)) == expected


def test_media_url_prefix_relative_without_request():
    token = links.sign("originals/ab/abc.jpg")
    url = links.build_url(None, StoredFile("originals/ab/abc.jpg"))
    assert url == reverse("media", kwargs={"token": token})
    assert links.unsign(url.rsplit("/", 1)[1]) == "originals/ab/abc.jpg"
