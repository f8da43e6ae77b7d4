"""API representations of albums and photos, and their input checks."""

import math
import unicodedata

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound

from . import links
from .media import images, video
from .models import Album, Photo, PhotoDerivative, Slideshow


def validate_printable(value):
    """Reject control characters and lone surrogates in titles.

    Control characters (NUL, newlines, escapes) have no place in a title,
    and PostgreSQL cannot store NUL. A lone surrogate, which JSON can encode
    as "\\ud800", is not valid UTF-8, so no database could store it.
    """
    categories = {unicodedata.category(char) for char in value}
    if "Cc" in categories:
        raise serializers.ValidationError("Control characters are not allowed.")
    if "Cs" in categories:
        raise serializers.ValidationError(
            "Surrogate code points are not allowed; send valid Unicode text."
        )
    # Format characters (zero-width spaces, joiners, direction marks) and
    # separators alone would make a title that looks blank.
    if categories <= {"Cf", "Zs", "Zl", "Zp"}:
        raise serializers.ValidationError("The title has no visible characters.")
    return value


class TitleField(serializers.CharField):
    """A non-blank, trimmed title of at most 200 printable characters."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("validators", [validate_printable])
        super().__init__(**kwargs)


class RenditionSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    """One file of a photo: a signed link and its facts."""

    url = serializers.URLField(help_text="Signed link; it expires.")
    content_type = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    size = serializers.IntegerField(help_text="File size in bytes.")


def rendition_data(request, field_file, source, prefix=None):
    """Return the representation of one stored file.

    ``prefix`` is ``links.media_url_prefix(request)`` when the caller has it.
    """
    return {
        "url": links.build_url(request, field_file, prefix=prefix),
        "content_type": source.content_type,
        "width": source.width,
        "height": source.height,
        "size": source.size,
    }


class AlbumSerializer(serializers.ModelSerializer):
    """An album with the number of photos in it."""

    title = TitleField()
    photo_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Album
        fields = ("id", "title", "photo_count", "created_at")
        read_only_fields = ("created_at",)


class PhotoSerializer(serializers.ModelSerializer):
    """A photo with signed links to its original, thumbnail and WebP copy."""

    original = serializers.SerializerMethodField()
    thumbnail = serializers.SerializerMethodField()
    webp = serializers.SerializerMethodField()

    class Meta:
        model = Photo
        fields = (
            "id",
            "album",
            "owner",
            "title",
            "status",
            "views",
            "created_at",
            "original",
            "thumbnail",
            "webp",
        )
        read_only_fields = fields

    @extend_schema_field(RenditionSerializer)
    def get_original(self, photo):
        """The file as uploaded."""
        return rendition_data(
            self.context.get("request"), photo.image, photo, self._media_url_prefix()
        )

    @extend_schema_field(RenditionSerializer(allow_null=True))
    def get_thumbnail(self, photo):
        """At most 150 px on the longer side."""
        return self._derivative(photo, PhotoDerivative.Kind.THUMBNAIL)

    @extend_schema_field(RenditionSerializer(allow_null=True))
    def get_webp(self, photo):
        """Null until the background job has made it; see ``status``."""
        return self._derivative(photo, PhotoDerivative.Kind.WEBP)

    def _derivative(self, photo, kind):
        derivative = photo.get_derivative(kind)
        if derivative is None:
            return None
        return rendition_data(
            self.context.get("request"),
            derivative.file,
            derivative,
            self._media_url_prefix(),
        )

    def _media_url_prefix(self):
        # Kept in the context, which every photo of a list shares, so a page
        # of photos reverses the media URL once instead of three times each.
        prefix = self.context.get("media_url_prefix")
        if prefix is None:
            prefix = links.media_url_prefix(self.context.get("request"))
            self.context["media_url_prefix"] = prefix
        return prefix


class OwnAlbumField(serializers.PrimaryKeyRelatedField):
    """An album id of the requesting user; any other id is not found (404)."""

    def get_queryset(self):
        return Album.objects.owned_by(self.context["request"].user)

    def to_internal_value(self, data):
        if isinstance(data, float) and not math.isfinite(data):
            # Django turns the id into an int, which fails for inf and NaN
            # with errors DRF does not expect.
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            if error.get_codes() == ["does_not_exist"]:
                raise NotFound() from error
            raise


class PhotoUploadSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    """Multipart upload of one PNG or JPEG file into one of the user's albums."""

    album = OwnAlbumField(queryset=Album.objects.none())
    title = TitleField()
    image = serializers.FileField(
        help_text=(
            "A PNG or JPEG file named .png, .jpg or .jpeg, at most "
            f"{settings.GALLERY_MAX_UPLOAD_BYTES} bytes."
        ),
    )

    def validate_image(self, upload):
        """Check the file by name and decoded content; keep the result."""
        try:
            # pylint: disable-next=attribute-defined-outside-init
            self.checked = Photo.check_upload(upload)
        except images.InvalidImage as error:
            raise serializers.ValidationError(str(error), code=error.code) from error
        return upload

    def create(self, validated_data):
        return Photo.objects.create_from_upload(
            album=validated_data["album"],
            title=validated_data["title"],
            upload=validated_data["image"],
            checked=self.checked,
        )


class PhotoTitleSerializer(serializers.ModelSerializer):
    """Rename a photo; every other field is read-only."""

    title = TitleField()

    class Meta:
        model = Photo
        fields = ("title",)

    def validate(self, attrs):
        # DRF ignores read-only fields silently. Reject them instead, so a
        # client trying to move a photo or set its views learns it cannot.
        others = sorted(set(self.initial_data) - {"title"})
        if others:
            raise serializers.ValidationError(
                {
                    name: "This field is read-only; only title can be changed."
                    for name in others
                }
            )
        return attrs


# pylint: disable-next=abstract-method
class SlideshowRequestSerializer(serializers.Serializer):
    """Request a slideshow of the top photos of a scope."""

    scope = serializers.ChoiceField(
        choices=Slideshow.Scope.choices,
        help_text="`mine` for your own photos; `site` for every user's (staff only).",
    )


# pylint: disable-next=abstract-method
class SlideshowVideoSerializer(serializers.Serializer):
    """The video of a ready slideshow: a signed link and its facts."""

    url = serializers.URLField(help_text="Signed link; it expires.")
    content_type = serializers.CharField()
    size = serializers.IntegerField(help_text="File size in bytes.")
    duration = serializers.FloatField(help_text="Length in seconds.")


class SlideshowSerializer(serializers.ModelSerializer):
    """A slideshow job: its state, the photos shown and, when ready, the video."""

    photos = serializers.ListField(
        source="photo_ids",
        child=serializers.IntegerField(),
        help_text="Ids of the photos shown, in order.",
    )
    video = serializers.SerializerMethodField()

    class Meta:
        model = Slideshow
        fields = (
            "id",
            "scope",
            "status",
            "progress",
            "photos",
            "video",
            "created_at",
            "finished_at",
            "error",
        )
        read_only_fields = fields

    @extend_schema_field(SlideshowVideoSerializer(allow_null=True))
    def get_video(self, slideshow):
        """Null until the status is ready."""
        if slideshow.status != Slideshow.Status.READY or not slideshow.video:
            return None
        return {
            "url": links.build_url(self.context.get("request"), slideshow.video),
            "content_type": video.CONTENT_TYPE,
            "size": slideshow.size,
            "duration": slideshow.duration,
        }
