"""Bare Django upload baseline: settings, URLconf and view in one module.

Used only by the benchmark, as DJANGO_SETTINGS_MODULE of a second gunicorn.
The view does what any upload must: parse the multipart body with Django's
own parser and store the file under a random name. No middleware, no
database, no image checks.
"""

import os
import uuid

from django.core.files.storage import default_storage
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.http import require_POST

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


urlpatterns = [path("upload/", upload)]
