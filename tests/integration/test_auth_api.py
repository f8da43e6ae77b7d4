"""Registration, token login and logout, the current user and throttling."""

import re

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle

from tests import factories
from tests.conftest import client_for
from users.models import User

REGISTER = "/api/v1/auth/users/"
LOGIN = "/api/v1/auth/token/login/"
LOGOUT = "/api/v1/auth/token/logout/"
ME = "/api/v1/auth/users/me/"


def test_register_creates_user(anon_api, db):  # pylint: disable=unused-argument
    response = anon_api.post(
        REGISTER,
        {
            "username": "alice",
            "email": "alice@example.com",
            "password": "Tr1cky-Pass-42",
        },
    )

    assert response.status_code == 201
    assert response.data["username"] == "alice"
    assert "password" not in response.data
    created = User.objects.get(username="alice")
    assert created.check_password("Tr1cky-Pass-42")
    assert not created.is_staff


@pytest.mark.parametrize(
    "password",
    ["short1!", "password123", "12345678901", "alice-example"],
    ids=["too-short", "common", "numeric", "similar-to-username"],
)
def test_register_weak_password_rejected(
    anon_api, db, password
):  # pylint: disable=unused-argument
    response = anon_api.post(
        REGISTER,
        {"username": "alice-example", "email": "a@example.com", "password": password},
    )

    assert response.status_code == 400
    assert "password" in response.data
    assert not User.objects.filter(username="alice-example").exists()


def test_register_duplicate_username_rejected(anon_api, user):
    response = anon_api.post(
        REGISTER,
        {
            "username": user.username,
            "email": "x@example.com",
            "password": "Tr1cky-Pass-42",
        },
    )

    assert response.status_code == 400
    assert "username" in response.data


def test_register_cannot_set_staff(anon_api, db):  # pylint: disable=unused-argument
    anon_api.post(
        REGISTER,
        {
            "username": "mallory",
            "email": "mallory@example.com",
            "password": "Tr1cky-Pass-42",
            "is_staff": True,
            "is_superuser": True,
        },
    )

    created = User.objects.get(username="mallory")
    assert not created.is_staff
    assert not created.is_superuser


def test_token_login_then_logout_revokes(anon_api, user):
    login = anon_api.post(
        LOGIN, {"username": user.username, "password": factories.PASSWORD}
    )
    assert login.status_code == 200
    key = login.data["auth_token"]
    anon_api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert anon_api.get(ME).status_code == 200

    logout = anon_api.post(LOGOUT)

    assert logout.status_code == 204
    assert not Token.objects.filter(key=key).exists()
    assert anon_api.get(ME).status_code == 401
    assert anon_api.get("/api/v1/albums/").status_code == 401


def test_token_login_wrong_password_rejected(anon_api, user):
    response = anon_api.post(LOGIN, {"username": user.username, "password": "wrong"})

    assert response.status_code == 400
    assert "auth_token" not in response.data


def test_me_returns_current_user(api, user):
    response = api.get(ME)

    assert response.status_code == 200
    assert response.data == {
        "id": user.pk,
        "username": user.username,
        "email": user.email,
        "notify_top_photos": True,
        "is_staff": False,
    }


def test_me_patch_changes_notification_opt_out(api, user):
    response = api.patch(ME, {"notify_top_photos": False})

    assert response.status_code == 200
    assert response.data["notify_top_photos"] is False
    user.refresh_from_db()
    assert user.notify_top_photos is False


def test_me_patch_cannot_set_staff_or_username(api, user):
    response = api.patch(
        ME, {"is_staff": True, "is_superuser": True, "username": "renamed"}
    )

    assert response.status_code == 200
    user.refresh_from_db()
    assert not user.is_staff
    assert not user.is_superuser
    assert user.username != "renamed"


def test_users_list_shows_only_self(
    api, user, other_user
):  # pylint: disable=unused-argument
    response = api.get(REGISTER)

    assert response.status_code == 200
    listed = response.data["results"] if "results" in response.data else response.data
    assert [entry["id"] for entry in listed] == [user.pk]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", ME),
        ("patch", ME),
        ("post", LOGOUT),
        ("get", "/api/v1/albums/"),
        ("post", "/api/v1/albums/"),
        ("get", "/api/v1/albums/1/"),
        ("put", "/api/v1/albums/1/"),
        ("patch", "/api/v1/albums/1/"),
        ("delete", "/api/v1/albums/1/"),
        ("get", "/api/v1/photos/"),
        ("post", "/api/v1/photos/"),
        ("get", "/api/v1/photos/1/"),
        ("patch", "/api/v1/photos/1/"),
        ("delete", "/api/v1/photos/1/"),
        ("get", "/api/v1/photos/top/"),
    ],
)
def test_anonymous_request_unauthorized(
    anon_api, photo, method, path
):  # pylint: disable=unused-argument
    response = getattr(anon_api, method)(path)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_invalid_token_unauthorized(db):  # pylint: disable=unused-argument
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)

    assert client.get("/api/v1/albums/").status_code == 401


def test_token_login_throttled(anon_api, user, monkeypatch):
    # DRF copies the rates into the throttle class when it is imported, so the
    # low test rate goes onto the class rather than into settings.
    rates = {"anon": "3/minute", "user": None, "login": None}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    cache.clear()
    credentials = {"username": user.username, "password": factories.PASSWORD}

    answers = [anon_api.post(LOGIN, credentials).status_code for _ in range(4)]

    cache.clear()
    assert answers[:3] == [200, 200, 200]
    assert answers[3] == 429


def test_login_throttle_ignores_forwarded_for(anon_api, user, monkeypatch):
    rates = {"anon": "3/minute", "user": None, "login": None}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    cache.clear()
    credentials = {"username": user.username, "password": "wrong"}

    answers = [
        anon_api.post(LOGIN, credentials, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
        for n in range(4)
    ]

    cache.clear()
    assert [answer.status_code for answer in answers] == [400, 400, 400, 429]


def test_login_throttled_per_username(api, user, other_user, monkeypatch):
    """A valid token on the request does not lift the login limit."""
    rates = {"anon": None, "user": None, "login": "2/minute"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    cache.clear()
    guesses = {"username": other_user.username.upper(), "password": "wrong"}

    answers = [api.post(LOGIN, guesses).status_code for _ in range(3)]
    own = api.post(LOGIN, {"username": user.username, "password": factories.PASSWORD})

    cache.clear()
    assert answers == [400, 400, 429]
    assert own.status_code == 200


def test_register_requires_email(anon_api, db):  # pylint: disable=unused-argument
    response = anon_api.post(
        REGISTER, {"username": "noemail", "password": "Tr1cky-Pass-42"}
    )

    assert response.status_code == 400
    assert "email" in response.json()
    assert not User.objects.filter(username="noemail").exists()


def test_password_reset_mails_uid_and_token(anon_api, user, mailoutbox):
    response = anon_api.post(
        "/api/v1/auth/users/reset_password/", {"email": user.email}
    )

    assert response.status_code == 204
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [user.email]
    match = re.search(r"reset-password/([^/\s]+)/([^/\s]+)", mailoutbox[0].body)
    assert match is not None
    uid, token = match.groups()

    confirmed = anon_api.post(
        "/api/v1/auth/users/reset_password_confirm/",
        {"uid": uid, "token": token, "new_password": "Another-Pass-77"},
    )

    assert confirmed.status_code == 204
    user.refresh_from_db()
    assert user.check_password("Another-Pass-77")


def test_username_reset_mails_uid_and_token(anon_api, user, mailoutbox):
    response = anon_api.post(
        "/api/v1/auth/users/reset_username/", {"email": user.email}
    )

    assert response.status_code == 204
    assert len(mailoutbox) == 1
    assert "reset-username/" in mailoutbox[0].body


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_other_account_looks_like_free_id(api, other_user, method):
    free_id = other_user.pk + 1000

    other = getattr(api, method)(f"{REGISTER}{other_user.pk}/")
    free = getattr(api, method)(f"{REGISTER}{free_id}/")

    assert other.status_code == 404
    assert free.status_code == 404
    assert other.json() == free.json()
    assert User.objects.filter(pk=other_user.pk).exists()


def test_staff_can_read_other_accounts(staff_user, user):
    response = client_for(staff_user).get(f"{REGISTER}{user.pk}/")

    assert response.status_code == 200
    assert response.json()["username"] == user.username


def test_register_email_in_use_rejected(anon_api, user):
    response = anon_api.post(
        REGISTER,
        {
            "username": "copycat",
            "email": user.email.upper(),
            "password": "Tr1cky-Pass-42",
        },
    )

    assert response.status_code == 400
    assert "already exists" in response.json()["email"][0]
    assert not User.objects.filter(username="copycat").exists()


def test_me_email_in_use_rejected(api, user, other_user):
    response = api.patch(f"{REGISTER}me/", {"email": other_user.email})

    assert response.status_code == 400
    assert "already exists" in response.json()["email"][0]
    user.refresh_from_db()
    assert user.email != other_user.email


def test_me_keeps_own_email(api, user):
    response = api.patch(f"{REGISTER}me/", {"email": user.email.upper()})

    assert response.status_code == 200


def test_password_change_revokes_token(api, user):
    response = api.post(
        f"{REGISTER}set_password/",
        {"current_password": factories.PASSWORD, "new_password": "Brand-New-Pass-88"},
    )

    assert response.status_code == 204
    assert api.get("/api/v1/albums/").status_code == 401
    assert not Token.objects.filter(user=user).exists()


def _fullwidth(text):
    return "".join(chr(ord(char) + 0xFEE0) for char in text)


def _math_bold(text):
    # MATHEMATICAL BOLD letters and digits, which NFKC maps back to ASCII.
    def bold(char):
        if char.isdigit():
            return chr(0x1D7CE + int(char))
        return chr(0x1D41A + ord(char) - ord("a"))

    return "".join(bold(char) for char in text)


@pytest.mark.parametrize(
    "variant", ["  {name}  ", "{name}\t", "{upper}", "{fullwidth}", "{bold}"]
)
def test_login_throttle_normalizes_username(anon_api, user, monkeypatch, variant):
    rates = {"anon": None, "user": None, "login": "2/minute"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    cache.clear()
    wrong = {"username": user.username, "password": "wrong"}
    spelled = variant.format(
        name=user.username,
        upper=user.username.upper(),
        fullwidth=_fullwidth(user.username),
        bold=_math_bold(user.username),
    )

    first = [anon_api.post(LOGIN, wrong).status_code for _ in range(2)]
    third = anon_api.post(LOGIN, {"username": spelled, "password": factories.PASSWORD})

    cache.clear()
    assert first == [400, 400]
    assert third.status_code == 429


def test_login_throttle_numeric_username(
    anon_api, monkeypatch, db
):  # pylint: disable=unused-argument
    factories.make_user(username="424242")
    rates = {"anon": None, "user": None, "login": "1/minute"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    cache.clear()

    first = anon_api.post(LOGIN, {"username": "424242", "password": "wrong"})
    second = anon_api.post(LOGIN, {"username": 424242, "password": "wrong"})

    cache.clear()
    assert first.status_code == 400
    assert second.status_code == 429


def test_login_default_rate_applies_with_token(api, other_user, monkeypatch):
    # The production defaults; the test settings raise every rate.
    rates = {"anon": "30/minute", "user": "2000/minute", "login": "10/minute"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    cache.clear()
    guesses = {"username": other_user.username, "password": "wrong"}

    answers = [api.post(LOGIN, guesses).status_code for _ in range(11)]

    cache.clear()
    assert answers[:10] == [400] * 10
    assert answers[10] == 429
