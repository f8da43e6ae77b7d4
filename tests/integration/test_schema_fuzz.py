"""Property-based fuzzing of every API operation from the OpenAPI schema.

Schemathesis generates valid and invalid requests for each operation and
sends them to the WSGI application with a valid token. Every response must
not be a server error and must match the documented status codes, content
types and response schemas.
"""

# pytest passes fixtures by parameter name, so test parameters repeat the
# fixture functions' names.
# pylint: disable=redefined-outer-name

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    positive_data_acceptance,
)
from rest_framework.authtoken.models import Token

from tests import factories

APPLICATION = get_wsgi_application()
schema = schemathesis.openapi.from_dict(
    SchemaGenerator().get_schema(request=None, public=True)
).exclude(
    # Logging out revokes the token the other cases need; account deletion
    # and password changes likewise end the session. They are covered by
    # ordinary tests.
    path_regex=(
        r"/auth/(token/logout|users/me|users/set_|users/reset_"
        r"|users/activation|users/resend)"
    ),
    method="POST",
)
# Send every request, including the checks' own probes, to the application
# in-process, as schemathesis.openapi.from_wsgi() does.
schema.app = APPLICATION


@pytest.fixture
def keep_connection():
    """Keep the test's database connection open across WSGI requests.

    The handler closes connections when a request starts and finishes,
    which would end the test transaction; Django's test client does the
    same as this fixture.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def auth_headers(user, keep_connection):  # pylint: disable=unused-argument
    """Token header of a user who owns an album with one photo."""
    album = factories.make_album(user)
    factories.make_photo(album)
    token, _created = Token.objects.get_or_create(user=user)
    return {"Authorization": f"Token {token.key}"}


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms_to_schema(case, auth_headers):
    case.call_and_validate(
        headers=auth_headers,
        # The API ignores unknown query parameters, as DRF does, and rejects
        # valid-looking data for business reasons (weak passwords, wrong
        # credentials), so these two checks would only report that design.
        excluded_checks=[negative_data_rejection, positive_data_acceptance],
    )


def test_schema_has_no_ascii_only_username_pattern():
    # Django accepts "ú" as a username; an ECMA-262 \w pattern would not.
    document = SchemaGenerator().get_schema(request=None, public=True)
    schemas = document["components"]["schemas"]
    username = schemas["UserCreate"]["properties"]["username"]

    assert "pattern" not in username
    assert username["maxLength"] == 150


def test_schema_documents_upload_errors():
    document = SchemaGenerator().get_schema(request=None, public=True)
    responses = document["paths"]["/api/v1/photos/"]["post"]["responses"]

    assert {"201", "400", "401", "404", "413", "415"} <= set(responses)
