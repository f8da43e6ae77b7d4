"""Image and video processing helpers, free of models and requests."""
