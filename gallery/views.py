"""API views for albums, photos and slideshows, and the signed media view."""

import mimetypes

from django.conf import settings
from django.core import exceptions as django_exceptions
from django.core import signing
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import filters, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import (
    APIException,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle

from . import links
from .models import Album, NoPhotos, Photo, Slideshow, SlideshowBusy
from .parsers import JSONParser, UploadSizeLimitedMultiPartParser
from .serializers import (
    AlbumSerializer,
    PhotoSerializer,
    PhotoTitleSerializer,
    PhotoUploadSerializer,
    SlideshowRequestSerializer,
    SlideshowSerializer,
)


class OrderingFilter(filters.OrderingFilter):
    """DRF's ordering filter that rejects unknown fields instead of ignoring them.

    The primary key is appended as the last key so pages never repeat or skip
    photos with equal values.
    """

    def get_ordering(self, request, queryset, view):
        requested = request.query_params.get(self.ordering_param)
        if not requested:
            return self.get_default_ordering(view)
        fields = [field.strip() for field in requested.split(",") if field.strip()]
        valid = self.remove_invalid_fields(queryset, fields, view, request)
        if len(valid) != len(fields):
            allowed = ", ".join(
                name
                for name, _label in self.get_valid_fields(
                    queryset, view, {"request": request}
                )
            )
            raise ValidationError(
                {
                    self.ordering_param: f"Invalid ordering {requested!r}; use one of "
                    f"{allowed}, each optionally prefixed with '-'."
                }
            )
        return [*valid, "-pk"]


class UploadRateThrottle(UserRateThrottle):
    """Uploads per user: each one decodes a whole image in the web process."""

    scope = "upload"


class AlbumViewSet(viewsets.ModelViewSet):
    """The current user's albums; deleting one deletes its photos."""

    serializer_class = AlbumSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Album.objects.none()
        # An aggregate annotation drops Meta.ordering, so order explicitly.
        return (
            Album.objects.owned_by(self.request.user)
            .with_photo_count()
            .order_by("-created_at", "-pk")
        )

    def perform_create(self, serializer):
        serializer.save(owner=self.request.user)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "album", OpenApiTypes.INT, description="Only photos of this album."
            )
        ]
    ),
    retrieve=extend_schema(description="Returns the photo and adds 1 to its views."),
)
class PhotoViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The current user's photos: upload, list, get, rename, delete."""

    serializer_class = PhotoSerializer
    parser_classes = [UploadSizeLimitedMultiPartParser, JSONParser]
    filter_backends = [OrderingFilter]
    ordering_fields = ["created_at", "views", "title"]
    ordering = ["-created_at", "-pk"]

    def get_throttles(self):
        throttles = super().get_throttles()
        if self.action == "create":
            throttles.append(UploadRateThrottle())
        return throttles

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Photo.objects.none()
        photos = Photo.objects.owned_by(self.request.user).with_derivatives()
        album_id = self.request.query_params.get("album")
        if album_id is not None and self.action == "list":
            photos = photos.filter(album=self._get_own_album(album_id))
        return photos

    def _get_own_album(self, album_id):
        try:
            return Album.objects.owned_by(self.request.user).get(pk=int(album_id))
        except ValueError as error:
            raise ValidationError({"album": "A valid integer is required."}) from error
        except Album.DoesNotExist as error:
            raise NotFound() from error

    def retrieve(self, request, *args, **kwargs):
        photo = self.get_object()
        photo.register_view()
        return Response(self.get_serializer(photo).data)

    @extend_schema(
        request={"multipart/form-data": PhotoUploadSerializer},
        responses={201: PhotoSerializer},
    )
    def create(self, request):
        """Upload a photo; the thumbnail is ready at once, the WebP copy soon."""
        upload = PhotoUploadSerializer(data=request.data, context={"request": request})
        upload.is_valid(raise_exception=True)
        photo = upload.save()
        created = Photo.objects.with_derivatives().get(pk=photo.pk)
        return Response(
            self.get_serializer(created).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=PhotoTitleSerializer, responses=PhotoSerializer)
    def partial_update(self, request, *args, **kwargs):
        """Rename a photo."""
        photo = self.get_object()
        rename = PhotoTitleSerializer(photo, data=request.data, partial=True)
        rename.is_valid(raise_exception=True)
        rename.save()
        return Response(self.get_serializer(photo).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "scope",
                str,
                enum=["mine", "site"],
                default="mine",
                description="`site` covers every user's photos and needs staff.",
            )
        ],
        responses=PhotoSerializer(many=True),
    )
    @action(detail=False, pagination_class=None, filter_backends=[])
    def top(self, request):
        """Return the 10 most viewed photos, newest first on equal views."""
        scope = request.query_params.get("scope", "mine")
        if scope == "mine":
            photos = self.get_queryset()
        elif scope == "site":
            if not request.user.is_staff:
                raise PermissionDenied("Only staff can see the site's top photos.")
            photos = Photo.objects.with_derivatives()
        else:
            raise ValidationError({"scope": "Use 'mine' or 'site'."})
        top = photos.top(settings.GALLERY_TOP_SIZE)
        return Response(self.get_serializer(top, many=True).data)


class Conflict(APIException):
    """409: the request conflicts with work still in progress."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


@extend_schema_view(
    destroy=extend_schema(
        description="Deletes the job; its video goes unless another job shares it."
    ),
)
class SlideshowViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The current user's slideshow jobs: request, list, get, delete."""

    serializer_class = SlideshowSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Slideshow.objects.none()
        return Slideshow.objects.requested_by(self.request.user)

    @extend_schema(
        request=SlideshowRequestSerializer,
        responses={
            202: SlideshowSerializer,
            200: SlideshowSerializer,
            409: OpenApiResponse(
                description="Another slideshow of yours is still being built."
            ),
        },
    )
    def create(self, request):
        """Queue a WebM slideshow of the scope's 10 most viewed photos (202).

        When a ready slideshow of the same photos exists, it is returned at
        once with 200 instead of being encoded again.
        """
        form = SlideshowRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            slideshow, queued = Slideshow.objects.request(
                request.user, form.validated_data["scope"]
            )
        except django_exceptions.PermissionDenied as error:
            raise PermissionDenied(str(error)) from error
        except NoPhotos as error:
            raise ValidationError({"scope": [str(error)]}) from error
        except SlideshowBusy as error:
            raise Conflict(str(error)) from error
        return Response(
            self.get_serializer(slideshow).data,
            status=status.HTTP_202_ACCEPTED if queued else status.HTTP_200_OK,
        )


@require_safe
def media(request, token):  # pylint: disable=unused-argument
    """Serve a stored file named by a valid, unexpired signed token."""
    try:
        name = links.unsign(token)
    except signing.SignatureExpired:
        return HttpResponse(
            "This link has expired; fetch the photo again for a new one.\n",
            status=410,
            content_type="text/plain",
        )
    except signing.BadSignature as error:
        raise Http404("Invalid link.") from error
    if not isinstance(name, str) or not name:
        # Only a holder of the secret key can sign a token, but a token that
        # names no file must still be a 404.
        raise Http404("Invalid link.")
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if settings.GALLERY_ACCEL_REDIRECT_PREFIX:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.GALLERY_ACCEL_REDIRECT_PREFIX + name
    else:
        try:
            stored = default_storage.open(name, "rb")
        except (OSError, ValueError, SuspiciousFileOperation) as error:
            # Missing, a folder, outside MEDIA_ROOT, or a name the file
            # system cannot hold (a NUL byte or a lone surrogate).
            raise Http404("File not found.") from error
        response = FileResponse(stored, content_type=content_type)
    response["Cache-Control"] = f"private, max-age={settings.GALLERY_MEDIA_URL_MAX_AGE}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def not_found(request, exception):  # pylint: disable=unused-argument
    """Return the API's JSON 404 body for a URL that matches no route.

    Clients only speak JSON, and a path parameter that fails its route
    pattern (an id such as "a/b") must look like any other unknown id.
    """
    return JsonResponse({"detail": "Not found."}, status=404)
