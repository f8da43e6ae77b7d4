"""The user model, custom from the first migration so fields can be added."""

from django.contrib.auth.models import AbstractUser
from django.db import models


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
