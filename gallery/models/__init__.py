"""Models of the gallery app, one module per concept."""

from .notices import (
    Period,
    PeriodKind,
    TopPhotoNotice,
    TopPhotoNoticeTemplate,
)
from .photos import Album, Photo, PhotoDerivative
from .slideshows import NoPhotos, Slideshow, SlideshowBusy

__all__ = [
    "Album",
    "NoPhotos",
    "Period",
    "PeriodKind",
    "Photo",
    "PhotoDerivative",
    "Slideshow",
    "SlideshowBusy",
    "TopPhotoNotice",
    "TopPhotoNoticeTemplate",
]
