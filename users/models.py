"""The user model, custom from the first migration so fields can be added."""

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models import Value
from django.db.models.functions import Lower


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

    class Meta(AbstractUser.Meta):
        # A fixed order, so that paged user lists never repeat or skip users.
        ordering = ["id"]
        constraints = [
            # "Alice" and "alice" would be two accounts that people cannot
            # tell apart, so usernames are unique whatever their case.
            # NOTE: SQLite's LOWER() folds ASCII letters only, so on SQLite
            # "Émile" and "émile" can both exist.
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
