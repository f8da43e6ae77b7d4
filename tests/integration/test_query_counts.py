"""Photo list and detail run a fixed number of SQL queries at any page size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories

# Token and user (1), page count (1), photos (1), their derivatives (1).
LIST_QUERIES = 4
# Token and user (1), photo (1), derivatives (1), view count UPDATE (1) and
# its refresh (1).
DETAIL_QUERIES = 5


@pytest.fixture(name="photos")
def photos_fixture(album, django_capture_on_commit_callbacks):
    """100 photos, each with its thumbnail and WebP copy."""
    with django_capture_on_commit_callbacks(execute=True):
        return [factories.make_photo(album, title=f"Photo {n}") for n in range(100)]


@pytest.mark.parametrize("page_size", [1, 20, 100])
@pytest.mark.usefixtures("photos")
def test_photo_list_query_count_fixed(api, page_size):
    with CaptureQueriesContext(connection) as queries:
        response = api.get("/api/v1/photos/", {"page_size": page_size})
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == page_size
    assert all(photo["webp"] is not None for photo in results)
    assert len(queries) == LIST_QUERIES, [query["sql"] for query in queries]


def test_photo_list_query_count_per_album(api, album, photos):
    with CaptureQueriesContext(connection) as queries:
        response = api.get("/api/v1/photos/", {"album": album.pk, "page_size": 100})
    assert response.status_code == 200
    assert len(response.json()["results"]) == len(photos)
    # The album ownership check adds one query.
    assert len(queries) == LIST_QUERIES + 1, [query["sql"] for query in queries]


def test_photo_detail_query_count_fixed(api, photos, django_assert_num_queries):
    with django_assert_num_queries(DETAIL_QUERIES):
        response = api.get(f"/api/v1/photos/{photos[0].pk}/")
    assert response.status_code == 200
    assert response.json()["views"] == 1
