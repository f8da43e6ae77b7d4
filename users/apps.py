"""Users app configuration."""

from django.apps import AppConfig


class UsersConfig(AppConfig):
    """Custom user model and its API serializers."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "users"

    def ready(self):
        # Registers the schema fixes for djoser's views with drf-spectacular.
        # pylint: disable-next=import-outside-toplevel,unused-import
        from . import schema  # noqa: F401
