"""Top-level routes: the versioned API with its docs, signed media, the admin."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)
from rest_framework.routers import SimpleRouter

from gallery.views import media
from users.views import LoginView, UserViewSet

handler404 = "gallery.views.not_found"

accounts = SimpleRouter()
accounts.register("users", UserViewSet)

api_v1 = [
    # Before djoser's own route of the same path, which it replaces.
    path("auth/token/login/", LoginView.as_view(), name="login"),
    path("auth/", include(accounts.urls)),
    path("auth/", include("djoser.urls.authtoken")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="v1:schema"), name="docs"),
    path(
        "redoc/",
        # The stock template loads fonts from a CDN; this one loads nothing
        # from other hosts.
        SpectacularRedocView.as_view(
            url_name="v1:schema", template_name="api/redoc.html"
        ),
        name="redoc",
    ),
    path("", include("gallery.urls")),
]

urlpatterns = [
    path("api/v1/", include((api_v1, "v1"))),
    path("media/<str:token>", media, name="media"),
    path("admin/", admin.site.urls),
]
