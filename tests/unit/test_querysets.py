"""Queryset filters and orderings of albums and photos."""

from datetime import timedelta

from django.utils import timezone

from gallery.models import Album, Photo, PhotoDerivative
from tests import factories


def test_album_owned_by_returns_own_albums_only(user, other_user):
    mine = factories.make_album(user)
    factories.make_album(other_user)

    assert list(Album.objects.owned_by(user)) == [mine]


def test_album_with_photo_count_counts_photos(album, other_user):
    factories.make_photo(album)
    factories.make_photo(album)
    factories.make_album(other_user)

    counted = Album.objects.owned_by(album.owner).with_photo_count().get()

    assert counted.photo_count == 2


def test_photo_owned_by_returns_own_photos_only(album, other_user):
    mine = factories.make_photo(album)
    factories.make_photo(factories.make_album(other_user))

    assert list(Photo.objects.owned_by(album.owner)) == [mine]


def make_rows(album, views_and_ages):
    """Insert photo rows with set view counts and ages in minutes, no files."""
    now = timezone.now()
    photos = []
    for index, (views, age) in enumerate(views_and_ages):
        photo = Photo.objects.create(
            owner=album.owner,
            album=album,
            title=f"photo {index}",
            image=f"originals/none/{index}.jpg",
            format="JPEG",
            width=10,
            height=10,
            size=100,
            views=views,
        )
        Photo.objects.filter(pk=photo.pk).update(
            created_at=now - timedelta(minutes=age)
        )
        photos.append(photo)
    return photos


def test_photo_top_orders_by_views_then_newest(album):
    rows = make_rows(album, [(1, 0), (5, 30), (5, 10), (9, 60)])
    low, older_tie, newer_tie, high = rows[0], rows[1], rows[2], rows[3]

    top = list(Photo.objects.top(10))

    assert top == [high, newer_tie, older_tie, low]


def test_photo_top_stops_at_limit(album):
    photos = make_rows(album, [(views, 0) for views in range(12)])

    top = list(Photo.objects.top(10))

    assert len(top) == 10
    assert top[0] == photos[11]
    assert photos[0] not in top
    assert photos[1] not in top


def test_photo_top_chains_after_owned_by(album, other_user):
    make_rows(album, [(3, 0)])
    others = make_rows(factories.make_album(other_user), [(50, 0)])

    top = list(Photo.objects.owned_by(album.owner).top(10))

    assert len(top) == 1
    assert others[0] not in top


def test_photo_with_derivatives_prefetches_in_one_query(
    album, django_assert_num_queries
):
    for _ in range(3):
        factories.make_photo(album)

    with django_assert_num_queries(2):
        photos = list(Photo.objects.with_derivatives())
        thumbnails = [
            photo.get_derivative(PhotoDerivative.Kind.THUMBNAIL) for photo in photos
        ]

    assert len(photos) == 3
    assert all(thumbnail is not None for thumbnail in thumbnails)
