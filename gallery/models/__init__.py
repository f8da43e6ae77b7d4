"""Models of the gallery app, one module per concept."""

from .photos import Album, Photo, PhotoDerivative

__all__ = ["Album", "Photo", "PhotoDerivative"]
