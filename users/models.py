"""The user model, custom from the first migration so fields can be added."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower


class User(AbstractUser):
    """An account that owns albums and photos."""

    email = models.EmailField("email address", blank=True)
    notify_top_photos = models.BooleanField(
        "email me when my photos reach the site's top 3",
        default=True,
    )

    class Meta(AbstractUser.Meta):
        # A fixed order, so that paged user lists never repeat or skip users.
        ordering = ["id"]
        constraints = [
            # Password resets find the account by email address, so two
            # accounts must never share one, whatever its case.
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="unique_user_email_ignoring_case",
                violation_error_message=(
                    "A user with this email address already exists."
                ),
            )
        ]
