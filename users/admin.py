"""Admin for accounts, with the notification opt-out."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Django's user admin plus the notification preference."""

    fieldsets = BaseUserAdmin.fieldsets + (
        ("Notifications", {"fields": ("notify_top_photos",)}),
    )
    list_display = BaseUserAdmin.list_display + ("notify_top_photos",)
