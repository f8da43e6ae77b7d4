"""Admin for albums, photos, slideshows and the top photo emails.

Photo uploads follow the same rules as the API.
"""

import logging

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.utils.html import format_html

from . import links
from .media import images
from .models import (
    Album,
    NoPhotos,
    Photo,
    PhotoDerivative,
    Slideshow,
    SlideshowBusy,
    TopPhotoNotice,
    TopPhotoNoticeTemplate,
)

logger = logging.getLogger(__name__)


class PhotoInline(admin.TabularInline):
    """Photos of an album, read-only."""

    model = Photo
    fields = ("title", "status", "views", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Album)
class AlbumAdmin(admin.ModelAdmin):
    """Albums with their owner and photos."""

    list_display = ("title", "owner", "created_at")
    list_select_related = ("owner",)
    search_fields = ("title", "owner__username")
    readonly_fields = ("created_at",)
    raw_id_fields = ("owner",)
    inlines = [PhotoInline]

    def get_readonly_fields(self, request, obj=None):
        # Each photo records its owner too, so moving an album to another
        # user would leave them split between two accounts.
        if obj is not None:
            return ("owner", "created_at")
        return self.readonly_fields


class PhotoAddForm(forms.ModelForm):
    """Upload form: album, title and a file checked like an API upload."""

    upload = forms.FileField(label="Image (PNG or JPEG)")

    class Meta:
        model = Photo
        fields = ("album", "title")

    def clean_upload(self):
        """Run the upload rules and keep the result for saving."""
        upload = self.cleaned_data["upload"]
        try:
            # pylint: disable-next=attribute-defined-outside-init
            self.checked = Photo.check_upload(upload)
        except images.InvalidImage as error:
            raise forms.ValidationError(str(error), code=error.code) from error
        return upload


class DerivativeInline(admin.TabularInline):
    """Thumbnail and WebP copy of a photo, read-only."""

    model = PhotoDerivative
    fields = ("kind", "format", "width", "height", "size")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    """Photos with a thumbnail preview; counters and files are read-only."""

    list_display = (
        "preview",
        "title",
        "owner",
        "album",
        "status",
        "views",
        "created_at",
    )
    list_display_links = ("preview", "title")
    list_filter = ("status", "format")
    list_select_related = ("owner", "album")
    search_fields = ("title", "owner__username", "album__title")
    readonly_fields = (
        "preview",
        "owner",
        "album",
        "format",
        "width",
        "height",
        "size",
        "status",
        "views",
        "created_at",
    )
    inlines = [DerivativeInline]

    def get_queryset(self, request):
        return super().get_queryset(request).with_derivatives()

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = PhotoAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("album", "title", "upload")
        return ("preview", "title", *self.readonly_fields[1:])

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created = Photo.objects.create_from_upload(
            album=form.cleaned_data["album"],
            title=form.cleaned_data["title"],
            upload=form.cleaned_data["upload"],
            checked=form.checked,
        )
        obj.pk = created.pk
        obj.__dict__.update(created.__dict__)

    @admin.display(description="Preview")
    def preview(self, photo):
        """The thumbnail through a signed link."""
        thumbnail = photo.get_derivative(PhotoDerivative.Kind.THUMBNAIL)
        if thumbnail is None:
            return "-"
        return format_html(
            '<img src="{}" width="{}" height="{}" alt="">',
            links.build_url(None, thumbnail.file),
            thumbnail.width,
            thumbnail.height,
        )


@admin.register(TopPhotoNoticeTemplate)
class TopPhotoNoticeTemplateAdmin(admin.ModelAdmin):
    """The top photo email; saving checks that it renders."""

    list_display = ("name", "is_active", "subject", "updated_at")
    list_display_links = ("name",)
    readonly_fields = ("updated_at",)
    fields = ("name", "is_active", "subject", "body_text", "body_html", "updated_at")
    actions = ["send_test_email", "make_active"]

    @admin.action(description="Send a test email of the selected template to me")
    def send_test_email(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(
                request, "Select exactly one template to test.", messages.ERROR
            )
            return
        template = queryset.get()
        try:
            template.send_test(request.user)
        except ValueError:
            self.message_user(
                request,
                "Your account has no email address: add one to receive the test.",
                messages.ERROR,
            )
            return
        except OSError as error:
            logger.exception(
                "Test of top photo notice template %s to user %s failed",
                template.pk,
                request.user.pk,
            )
            self.message_user(
                request, f"Sending the test email failed: {error}", messages.ERROR
            )
            return
        self.message_user(
            request, f"Test email sent to {request.user.email}.", messages.SUCCESS
        )

    @admin.action(description="Make active (used for the next notices)")
    def make_active(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(
                request, "Select exactly one template to make active.", messages.ERROR
            )
            return
        template = queryset.get()
        template.activate()
        self.message_user(request, f"{template} is now the active template.")


@admin.register(TopPhotoNotice)
class TopPhotoNoticeAdmin(admin.ModelAdmin):
    """Sent top photo emails; delete one to let the next run send it again."""

    list_display = (
        "user",
        "period_kind",
        "period_start",
        "email",
        "subject",
        "sent_at",
    )
    list_filter = ("period_kind", "period_start")
    list_select_related = ("user",)
    search_fields = ("user__username", "email")
    date_hierarchy = "sent_at"
    raw_id_fields = ("user",)


@admin.register(Slideshow)
class SlideshowAdmin(admin.ModelAdmin):
    """Slideshow jobs with a link to the video; built by jobs, never edited."""

    list_display = (
        "id",
        "requested_by",
        "scope",
        "status",
        "progress",
        "created_at",
        "finished_at",
        "video_link",
    )
    list_filter = ("status", "scope")
    list_select_related = ("requested_by",)
    search_fields = ("requested_by__username",)
    fields = (
        "requested_by",
        "scope",
        "status",
        "progress",
        "photo_ids",
        "video_link",
        "size",
        "duration",
        "created_at",
        "finished_at",
        "error",
    )
    readonly_fields = fields
    actions = ["build_site_slideshow"]
    # Keeps the action menu on an empty list, where the site build action is
    # most needed.
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Video")
    def video_link(self, slideshow):
        """Link the video through a signed, expiring URL once it is ready."""
        if slideshow.status != Slideshow.Status.READY or not slideshow.video:
            return "-"
        return format_html(
            '<a href="{}">WebM, {} bytes</a>',
            links.build_url(None, slideshow.video),
            slideshow.size,
        )

    @admin.action(description="Build the site's top-10 slideshow")
    # pylint: disable-next=unused-argument
    def build_site_slideshow(self, request, queryset):
        """Request the site slideshow as the signed-in staff member."""
        try:
            slideshow, queued = Slideshow.objects.request(
                request.user, Slideshow.Scope.SITE
            )
        except (NoPhotos, SlideshowBusy) as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        if queued:
            message = f"Slideshow {slideshow.pk} is queued; refresh to follow it."
        else:
            message = f"Slideshow {slideshow.pk} of the same photos is reused."
        self.message_user(request, message, messages.SUCCESS)

    def changelist_view(self, request, extra_context=None):
        # Django runs an action only on selected rows, but the site build
        # needs none and ignores the selection. "Select across" with a
        # placeholder id lets the action run on an empty list too.
        if (
            request.method == "POST"
            and request.POST.get("action") == "build_site_slideshow"
            and not request.POST.getlist(ACTION_CHECKBOX_NAME)
        ):
            post = request.POST.copy()
            post.setlist(ACTION_CHECKBOX_NAME, ["0"])
            post["select_across"] = "1"
            request.POST = post
        return super().changelist_view(request, extra_context)
