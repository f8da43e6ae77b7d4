"""OpenAPI schema, Swagger UI and ReDoc, served without any CDN."""

import re
from urllib.parse import urlparse

import pytest

ASSET_URL = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


def test_docs_schema_lists_endpoints(anon_api, db):  # pylint: disable=unused-argument
    response = anon_api.get("/api/v1/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for path in (
        "/api/v1/albums/",
        "/api/v1/albums/{id}/",
        "/api/v1/photos/",
        "/api/v1/photos/{id}/",
        "/api/v1/photos/top/",
        "/api/v1/auth/token/login/",
        "/api/v1/auth/token/logout/",
        "/api/v1/auth/users/me/",
    ):
        assert path in schema["paths"], path
    assert "put" not in schema["paths"]["/api/v1/photos/{id}/"]
    upload = schema["paths"]["/api/v1/photos/"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload
    logout = schema["paths"]["/api/v1/auth/token/logout/"]["post"]
    assert "requestBody" not in logout
    assert "204" in logout["responses"]


@pytest.mark.parametrize("path", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_docs_pages_load_no_external_assets(
    anon_api, db, path
):  # pylint: disable=unused-argument
    response = anon_api.get(path)

    assert response.status_code == 200
    html = response.content.decode()
    assets = ASSET_URL.findall(html)
    scripts = re.findall(r"<script[^>]*\bsrc=", html, re.IGNORECASE)
    assert scripts, "the page loads no script at all"
    for asset in assets:
        parsed = urlparse(asset)
        assert not parsed.netloc or parsed.hostname == "testserver", asset
    assert "cdn" not in html.lower()
