"""OPTIONS responses that describe a view without running its lookups."""

from rest_framework.metadata import SimpleMetadata


class ViewMetadata(SimpleMetadata):
    """Name, description, renderers and parsers; no per-method field lists.

    DRF's SimpleMetadata builds the field lists by calling get_object(),
    which fails with a 500 on views whose URL has no lookup argument, such
    as djoser's ``auth/users/me/``. The schema at ``schema/`` documents the
    fields instead.
    """

    def determine_actions(self, request, view):
        return {}
