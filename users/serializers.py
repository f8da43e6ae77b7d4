"""djoser serializers extended with the product's own user fields."""

from djoser.serializers import UserCreateSerializer as BaseUserCreateSerializer
from djoser.serializers import UserSerializer as BaseUserSerializer
from rest_framework import serializers

from .models import User


def validate_unused_email(serializer, value):
    """Reject an email address another account uses, ignoring case."""
    others = User.objects.filter(email__iexact=value)
    if serializer.instance is not None:
        others = others.exclude(pk=serializer.instance.pk)
    if value and others.exists():
        raise serializers.ValidationError(
            "A user with this email address already exists."
        )
    return value


class UserCreateSerializer(BaseUserCreateSerializer):
    """Registration: username, email and password."""

    class Meta(BaseUserCreateSerializer.Meta):
        fields = ("id", "username", "email", "password")
        # The top photo email and password resets need an address.
        extra_kwargs = {"email": {"required": True, "allow_blank": False}}

    def validate_email(self, value):
        return validate_unused_email(self, value)


class UserSerializer(BaseUserSerializer):
    """The current user, with the email opt-out editable."""

    class Meta(BaseUserSerializer.Meta):
        fields = ("id", "username", "email", "notify_top_photos", "is_staff")
        read_only_fields = ("username", "is_staff")

    def validate_email(self, value):
        return validate_unused_email(self, value)
