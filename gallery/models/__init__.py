"""Models of the gallery app, one module per concept."""

from .photos import Album, Photo, PhotoDerivative
from .slideshows import NoPhotos, Slideshow

__all__ = ["Album", "NoPhotos", "Photo", "PhotoDerivative", "Slideshow"]
