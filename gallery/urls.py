"""Routes of the gallery API, mounted under /api/v1/."""

from rest_framework.routers import DefaultRouter

from .views import AlbumViewSet, PhotoViewSet, SlideshowViewSet

router = DefaultRouter()
router.register("albums", AlbumViewSet, basename="album")
router.register("photos", PhotoViewSet, basename="photo")
router.register("slideshows", SlideshowViewSet, basename="slideshow")

urlpatterns = router.urls
