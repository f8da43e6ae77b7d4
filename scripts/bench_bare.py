"""Bare Django upload baseline: settings, URLconf and view in one module.

Used only by the benchmark, as DJANGO_SETTINGS_MODULE of a second gunicorn.
``upload/`` does what any upload must: parse the multipart body with Django's
own parser and store the file under a random name. ``upload-thumbnail/``
also makes and stores a 150-pixel thumbnail with a plain ``Image.thumbnail()``,
the minimum work a server must do to return an upload's thumbnail in its
response. No middleware, no database, no other checks.
"""

import io
import os
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.http import require_POST
from PIL import Image

SECRET_KEY = "bench-only-insecure-key"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
ROOT_URLCONF = __name__
INSTALLED_APPS = []
MIDDLEWARE = []
DATABASES = {}
USE_TZ = True
MEDIA_ROOT = os.environ["MEDIA_ROOT"]
# The same threshold as the product, so both spool the photo to a temporary
# file the same way.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440


@require_POST
def upload(request):
    """Store the uploaded file and return its name and size."""
    image = request.FILES["image"]
    name = default_storage.save(f"bare/{uuid.uuid4().hex}.jpg", image)
    return JsonResponse({"name": name, "size": image.size}, status=201)


@require_POST
def upload_thumbnail(request):
    """Store the uploaded file and a thumbnail of it; return both names."""
    image = request.FILES["image"]
    with Image.open(image) as picture:
        picture.thumbnail((150, 150))
        encoded = io.BytesIO()
        picture.save(encoded, "JPEG", quality=85)
    thumbnail = default_storage.save(
        f"bare/{uuid.uuid4().hex}.jpg", ContentFile(encoded.getvalue())
    )
    image.seek(0)
    name = default_storage.save(f"bare/{uuid.uuid4().hex}.jpg", image)
    return JsonResponse({"name": name, "thumbnail": thumbnail}, status=201)


urlpatterns = [path("upload/", upload), path("upload-thumbnail/", upload_thumbnail)]
