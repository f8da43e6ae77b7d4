"""The user model, custom from the first migration so fields can be added."""

import unicodedata

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Value
from django.db.models.functions import Lower

# Hangul fillers are letters to Unicode, so Django's username pattern accepts
# them, but they display as nothing: "alice\u3164" would look like "alice".
INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")


class UserManager(DjangoUserManager):
    """User manager whose lookups ignore case, as the unique constraints do."""

    def with_username(self, username):
        """Return the users whose username equals ``username`` ignoring case.

        The name is first put in NFKC form, as Django stores usernames.
        """
        # The database's LOWER() on both sides, like the constraint: Python's
        # str.lower() and SQL's UPPER() fold a few letters differently.
        normalized = self.model.normalize_username(username)
        return self.alias(folded_username=Lower("username")).filter(
            folded_username=Lower(Value(normalized))
        )

    def with_email(self, email):
        """Return the users whose email address equals ``email`` ignoring case."""
        return self.alias(folded_email=Lower("email")).filter(
            folded_email=Lower(Value(email))
        )

    def get_by_natural_key(self, username):
        """Return the user for a login or createsuperuser, ignoring case."""
        return self.with_username(username).get()


class User(AbstractUser):
    """An account that owns albums and photos."""

    email = models.EmailField("email address", blank=True)
    notify_top_photos = models.BooleanField(
        "email me when my photos reach the site's top 3",
        default=True,
    )

    objects = UserManager()

    @classmethod
    def clean_username(cls, value):
        """Return ``value`` in the NFKC form that Django stores.

        Raises ValidationError unless that form passes the field's own
        checks: NFKC can make a name longer ("\u2167" becomes "VIII") or
        bring in characters the pattern rejects ("\u2474" becomes "(1)").
        """
        username = cls.normalize_username(value)
        cls._meta.get_field("username").run_validators(username)
        if INVISIBLE_LETTERS.intersection(username):
            raise ValidationError(
                "The username contains invisible characters.", code="invisible"
            )
        return username

    @classmethod
    def clean_email_address(cls, value):
        """Return ``value`` in NFKC form with its domain in lower case.

        Raises ValidationError unless that form is still a valid address of
        at most 254 characters ("\u0130".lower() is two characters). NFKC
        makes fullwidth letters and the long s plain ASCII.
        """
        email = cls.objects.normalize_email(unicodedata.normalize("NFKC", value))
        cls._meta.get_field("email").run_validators(email)
        return email

    def clean(self):
        """Apply the product's username and email rules, for the admin forms."""
        super().clean()
        errors = {}
        for field, clean in (
            ("username", self.clean_username),
            ("email", self.clean_email_address),
        ):
            try:
                setattr(self, field, clean(getattr(self, field)))
            except ValidationError as error:
                errors[field] = error.messages
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        try:
            with transaction.atomic():
                super().save(*args, **kwargs)
        except IntegrityError:
            # Another request took the username or email address after this
            # one checked it: name the conflict as the check would have.
            # NOTE: the admin does not catch this, so an admin save that loses
            # such a race still fails with a 500.
            self.validate_constraints()
            raise

    class Meta(AbstractUser.Meta):
        # A fixed order, so that paged user lists never repeat or skip users.
        ordering = ["id"]
        constraints = [
            # "Alice" and "alice" would be two accounts that people cannot
            # tell apart, so usernames are unique whatever their case.
            # NOTE: LOWER() misses some pairs: SQLite folds ASCII letters
            # only ("Émile" and "émile" can both exist), PostgreSQL keeps
            # "ΟΔΟΣ" apart from "οδος" and "STRASSE" from "straße", and
            # look-alike letters of other scripts (Cyrillic "а") are allowed.
            models.UniqueConstraint(
                Lower("username"),
                name="unique_user_username_ignoring_case",
                violation_error_message="A user with that username already exists.",
            ),
            # Password resets find the account by email address, so two
            # accounts must never share one, whatever its case.
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="unique_user_email_ignoring_case",
                violation_error_message=(
                    "A user with this email address already exists."
                ),
            ),
        ]
