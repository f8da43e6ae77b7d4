"""Models of the gallery app, one module per concept."""

from .notices import (
    Period,
    PeriodKind,
    TopPhotoNotice,
    TopPhotoNoticeTemplate,
)
from .photos import Album, Photo, PhotoDerivative

__all__ = [
    "Album",
    "Period",
    "PeriodKind",
    "Photo",
    "PhotoDerivative",
    "TopPhotoNotice",
    "TopPhotoNoticeTemplate",
]
