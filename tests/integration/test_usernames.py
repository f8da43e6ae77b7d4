"""Usernames and email addresses are unique whatever their case, at every
place that sets one."""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from djoser.utils import encode_uid

from tests import factories
from users.models import User, UserManager

REGISTER = "/api/v1/auth/users/"
LOGIN = "/api/v1/auth/token/login/"
SET_USERNAME = "/api/v1/auth/users/set_username/"
RESET_CONFIRM = "/api/v1/auth/users/reset_username_confirm/"
ME = "/api/v1/auth/users/me/"
IN_USE = "A user with that username already exists."
EMAIL_IN_USE = "A user with this email address already exists."
# KELVIN SIGN: Django stores usernames in NFKC form, which turns it into "K".
KELVIN = "\u212a"


def register(client, username, email):
    return client.post(
        REGISTER, {"username": username, "email": email, "password": "Tr1cky-Pass-42"}
    )


def test_register_username_other_case_rejected(anon_api, user):
    response = register(anon_api, user.username.upper(), "new@example.com")

    assert response.status_code == 400
    assert response.json() == {"username": [IN_USE]}
    assert User.objects.count() == 1


def test_register_username_compatibility_form_rejected(
    anon_api, db
):  # pylint: disable=unused-argument
    factories.make_user(username="kate")

    response = register(anon_api, f"{KELVIN}ate", "kelvin@example.com")

    assert response.status_code == 400, response.content
    assert response.json() == {"username": [IN_USE]}


def test_login_username_compatibility_form(
    anon_api, db
):  # pylint: disable=unused-argument
    kate = factories.make_user(username="kate")

    response = anon_api.post(
        LOGIN, {"username": f"{KELVIN}ATE", "password": factories.PASSWORD}
    )

    assert response.status_code == 200, response.content
    assert response.json()["auth_token"] == kate.auth_token.key


def test_username_constraint_ignores_case(user):
    # bulk_create skips User.save(), so the database reports the conflict.
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(username=user.username.upper())])


def test_user_save_conflict_names_it(user):
    with pytest.raises(ValidationError) as raised:
        User.objects.create_user(username=user.username.upper(), password="x")

    assert raised.value.messages == [IN_USE]
    assert User.objects.count() == 1


def test_login_ignores_username_case(anon_api, user):
    response = anon_api.post(
        LOGIN, {"username": user.username.upper(), "password": factories.PASSWORD}
    )

    assert response.status_code == 200, response.content
    assert response.json()["auth_token"] == user.auth_token.key


def test_set_username_taken_other_case_rejected(api, user, other_user):
    response = api.post(
        SET_USERNAME,
        {
            "new_username": other_user.username.upper(),
            "current_password": factories.PASSWORD,
        },
    )

    assert response.status_code == 400
    assert response.json() == {"new_username": [IN_USE]}
    user.refresh_from_db()
    assert user.username != other_user.username.upper()


def test_set_username_stored_normalized(api, user):
    response = api.post(
        SET_USERNAME,
        {"new_username": f"{KELVIN}elvin", "current_password": factories.PASSWORD},
    )

    assert response.status_code == 204, response.content
    user.refresh_from_db()
    assert user.username == "Kelvin"


def test_set_username_own_name_new_case(api, user):
    new_name = user.username.upper()

    response = api.post(
        SET_USERNAME,
        {"new_username": new_name, "current_password": factories.PASSWORD},
    )

    assert response.status_code == 204, response.content
    user.refresh_from_db()
    assert user.username == new_name


@pytest.mark.parametrize("taken", [True, False])
def test_username_reset_confirm_checks_case(anon_api, user, other_user, taken):
    new_name = other_user.username.upper() if taken else "brand-new-name"

    response = anon_api.post(
        RESET_CONFIRM,
        {
            "uid": encode_uid(user.pk),
            "token": default_token_generator.make_token(user),
            "new_username": new_name,
        },
    )

    user.refresh_from_db()
    if taken:
        assert response.status_code == 400
        assert response.json() == {"new_username": [IN_USE]}
        assert user.username != new_name
    else:
        assert response.status_code == 204, response.content
        assert user.username == new_name


def test_me_email_compatibility_form_rejected(api, other_user):
    # Django lowers the domain with str.lower(), which turns KELVIN SIGN into
    # "k" just as PostgreSQL's LOWER() in the constraint does.
    other_user.email = "someone@kexample.com"
    other_user.save()

    response = api.patch(ME, {"email": f"someone@{KELVIN}example.com"})

    assert response.status_code == 400, response.content
    assert response.json() == {"email": [EMAIL_IN_USE]}


def test_register_email_compatibility_form_rejected(anon_api, user):
    user.email = "someone@kexample.com"
    user.save()

    response = register(anon_api, "newcomer", f"someone@{KELVIN}example.com")

    assert response.status_code == 400, response.content
    assert response.json() == {"email": [EMAIL_IN_USE]}


def test_me_email_domain_stored_lower_case(api, user):
    response = api.patch(ME, {"email": "Someone@Example.ORG"})

    assert response.status_code == 200, response.content
    user.refresh_from_db()
    assert user.email == "Someone@example.org"


@pytest.mark.parametrize(
    ("username", "reason"),
    [
        ("\u2167" * 40, "at most 150 characters"),  # each becomes "VIII"
        ("\u2474", "Enter a valid username"),  # becomes "(1)"
        ("alice\u3164", "invisible characters"),
    ],
    ids=["longer-after-nfkc", "pattern-after-nfkc", "hangul-filler"],
)
def test_register_username_stored_form_checked(
    anon_api, db, username, reason
):  # pylint: disable=unused-argument
    response = register(anon_api, username, "new@example.com")

    assert response.status_code == 400, response.content
    assert reason in " ".join(response.json()["username"])
    assert not User.objects.exists()


def test_set_username_stored_form_checked(api, user):
    response = api.post(
        SET_USERNAME,
        {"new_username": "\u2167" * 40, "current_password": factories.PASSWORD},
    )

    assert response.status_code == 400, response.content
    assert "at most 150 characters" in " ".join(response.json()["new_username"])
    assert User.objects.get(pk=user.pk).username == user.username


def test_me_email_longer_after_lower_rejected(api, user):
    # "\u0130".lower() is two characters, so this 246-character address
    # becomes longer than the 254 an email field allows.
    domain = ".".join(["\u0130" * 60] * 4)[:240] + ".com"

    response = api.patch(ME, {"email": f"a@{domain}"})

    assert response.status_code == 400, response.content
    assert "email" in response.json()
    assert User.objects.get(pk=user.pk).email == user.email


@pytest.mark.parametrize(
    "disguised",
    ["x@\uff45xample.com", "\u017f@example.com"],
    ids=["fullwidth", "long-s"],
)
def test_register_email_compatibility_forms_rejected(
    anon_api, db, disguised
):  # pylint: disable=unused-argument
    factories.make_user(email="x@example.com")
    factories.make_user(email="s@example.com")

    response = register(anon_api, "newcomer", disguised)

    assert response.status_code == 400, response.content
    assert response.json() == {"email": [EMAIL_IN_USE]}


def test_register_username_race_is_400(anon_api, user, monkeypatch):
    # The lookup returns no other account, as when a concurrent registration
    # commits between the check and the insert.
    monkeypatch.setattr(UserManager, "with_username", lambda *_: User.objects.none())

    response = register(anon_api, user.username.upper(), "new@example.com")

    assert response.status_code == 400, response.content
    assert response.json() == {"non_field_errors": [IN_USE]}
    assert User.objects.count() == 1


def test_set_username_race_is_400(api, other_user, monkeypatch):
    monkeypatch.setattr(UserManager, "with_username", lambda *_: User.objects.none())

    response = api.post(
        SET_USERNAME,
        {
            "new_username": other_user.username.upper(),
            "current_password": factories.PASSWORD,
        },
    )

    assert response.status_code == 400, response.content
    assert response.json() == {"non_field_errors": [IN_USE]}


def test_me_email_race_is_400(api, user, other_user, monkeypatch):
    monkeypatch.setattr(UserManager, "with_email", lambda *_: User.objects.none())

    response = api.patch(ME, {"email": other_user.email.upper()})

    assert response.status_code == 400, response.content
    assert response.json() == {"non_field_errors": [EMAIL_IN_USE]}
    assert User.objects.get(pk=user.pk).email == user.email


@pytest.mark.parametrize(
    "path", ["/api/v1/auth/users/reset_password/", "/api/v1/auth/users/reset_username/"]
)
def test_reset_finds_email_in_any_case(anon_api, user, mailoutbox, path):
    user.email = "Someone@example.com"
    user.save()

    response = anon_api.post(path, {"email": "someone@EXAMPLE.com"})

    assert response.status_code == 204
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["Someone@example.com"]


def test_reset_finds_email_in_compatibility_form(anon_api, user, mailoutbox):
    user.email = "someone@example.com"
    user.save()

    response = anon_api.post(
        "/api/v1/auth/users/reset_password/", {"email": "someone@\uff45xample.com"}
    )

    assert response.status_code == 204
    assert [message.to for message in mailoutbox] == [["someone@example.com"]]


@pytest.mark.parametrize("path", ["activation/", "resend_activation/"])
def test_activation_routes_not_served(anon_api, user, path):
    # A password reset token is a valid activation token for djoser.
    token = default_token_generator.make_token(user)
    user.is_active = False
    user.save()

    response = anon_api.post(
        f"{REGISTER}{path}",
        {"uid": encode_uid(user.pk), "token": token, "email": user.email},
    )

    assert response.status_code == 404
    user.refresh_from_db()
    assert not user.is_active


@pytest.fixture(name="admin_client")
def fixture_admin_client(db):  # pylint: disable=unused-argument
    client = Client()
    client.force_login(factories.make_user(is_staff=True, is_superuser=True))
    return client


def change_email_in_admin(client, user, email):
    """Post the admin change form of ``user`` with a new email address."""
    form = {
        "username": user.username,
        "email": email,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "notify_top_photos": "on",
    }
    return client.post(f"/admin/users/user/{user.pk}/change/", form)


def test_admin_add_user_invisible_letter_rejected(admin_client):
    response = admin_client.post(
        "/admin/users/user/add/",
        {
            "username": "admin\u3164",
            "password1": "Tr1cky-Pass-42",
            "password2": "Tr1cky-Pass-42",
            "usable_password": "true",
        },
    )

    assert response.status_code == 200
    assert "invisible characters" in response.content.decode()
    assert not User.objects.filter(username__startswith="admin").exists()


def test_admin_change_email_compatibility_duplicate_rejected(
    admin_client, user, other_user
):
    other_user.email = "dup@example.com"
    other_user.save()

    response = change_email_in_admin(admin_client, user, "dup@\uff45xample.com")

    assert response.status_code == 200
    assert EMAIL_IN_USE in response.content.decode()
    user.refresh_from_db()
    assert user.email != "dup@example.com"


def test_admin_change_email_stored_normalized(admin_client, user):
    response = change_email_in_admin(admin_client, user, "Someone@\uff25xample.ORG")

    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert user.email == "Someone@example.org"
