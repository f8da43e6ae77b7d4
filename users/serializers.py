"""djoser serializers extended with the product's own user fields."""

from django.core.exceptions import ValidationError as DjangoValidationError
from djoser import serializers as djoser_serializers
from rest_framework import serializers

from .models import User

USERNAME_IN_USE = "A user with that username already exists."


def _cleaned(clean, value):
    try:
        return clean(value)
    except DjangoValidationError as error:
        raise serializers.ValidationError(error.messages) from error


def validate_unused_email(serializer, value):
    """Return the address as ``User.clean_email_address`` stores it.

    Rejects an address that another account uses, ignoring case.
    """
    email = _cleaned(User.clean_email_address, value)
    others = User.objects.with_email(email)
    if serializer.instance is not None:
        others = others.exclude(pk=serializer.instance.pk)
    if email and others.exists():
        raise serializers.ValidationError(
            "A user with this email address already exists."
        )
    return email


def validate_unused_username(value, user=None):
    """Return the username as ``User.clean_username`` stores it.

    Rejects a username that another account has in any case, but ``user``
    may keep its own.
    """
    username = _cleaned(User.clean_username, value)
    others = User.objects.with_username(username)
    if user is not None:
        others = others.exclude(pk=user.pk)
    if others.exists():
        raise serializers.ValidationError(USERNAME_IN_USE)
    return username


class UserCreateSerializer(djoser_serializers.UserCreateSerializer):
    """Registration: username, email and password."""

    class Meta(djoser_serializers.UserCreateSerializer.Meta):
        fields = ("id", "username", "email", "password")
        # The top photo email and password resets need an address.
        extra_kwargs = {"email": {"required": True, "allow_blank": False}}

    def validate_username(self, value):
        return validate_unused_username(value)

    def validate_email(self, value):
        return validate_unused_email(self, value)


class UserSerializer(djoser_serializers.UserSerializer):
    """The current user, with the email opt-out editable."""

    class Meta(djoser_serializers.UserSerializer.Meta):
        fields = ("id", "username", "email", "notify_top_photos", "is_staff")
        read_only_fields = ("username", "is_staff")

    def validate_email(self, value):
        return validate_unused_email(self, value)


class SetUsernameSerializer(djoser_serializers.SetUsernameSerializer):
    """A new username for the current user, unused by others in any case."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        _check_new_username(attrs, self.context["request"].user)
        return attrs


class UsernameResetConfirmSerializer(djoser_serializers.UsernameResetConfirmSerializer):
    """A new username set with an emailed token, unused by others in any case."""

    def validate(self, attrs):
        # The parent checks the uid and token and sets self.user.
        attrs = super().validate(attrs)
        _check_new_username(attrs, self.user)
        return attrs


def _check_new_username(attrs, user):
    # djoser renames the input field, but its value keeps the model field's
    # name. djoser saves the value as it is, so it is normalized here.
    field = User.USERNAME_FIELD
    try:
        attrs[field] = validate_unused_username(attrs[field], user)
    except serializers.ValidationError as error:
        raise serializers.ValidationError({f"new_{field}": error.detail}) from error


class SendEmailResetSerializer(  # pylint: disable=abstract-method
    djoser_serializers.SendEmailResetSerializer
):
    """The email address of an account to reset, matched ignoring case."""

    def get_user(self, is_active=True):
        # djoser matches the address exactly. Its *_SHOW_EMAIL_NOT_FOUND
        # settings are off, so an unknown or invalid address gets no error.
        try:
            email = User.clean_email_address(self.data.get(self.email_field, ""))
        except DjangoValidationError:
            return None
        user = User.objects.with_email(email).filter(is_active=is_active).first()
        if user is not None and user.has_usable_password():
            return user
        return None
