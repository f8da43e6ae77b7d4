"""djoser serializers extended with the product's own user fields."""

from djoser.serializers import UserCreateSerializer as BaseUserCreateSerializer
from djoser.serializers import UserSerializer as BaseUserSerializer


class UserCreateSerializer(BaseUserCreateSerializer):
    """Registration: username, email and password."""

    class Meta(BaseUserCreateSerializer.Meta):
        fields = ("id", "username", "email", "password")
        # The top photo email and password resets need an address.
        extra_kwargs = {"email": {"required": True, "allow_blank": False}}


class UserSerializer(BaseUserSerializer):
    """The current user, with the email opt-out editable."""

    class Meta(BaseUserSerializer.Meta):
        fields = ("id", "username", "email", "notify_top_photos", "is_staff")
        read_only_fields = ("username", "is_staff")
