"""OPTIONS answers: DRF's description, for views with and without a request body."""

from rest_framework.metadata import SimpleMetadata


class PortalMetadata(SimpleMetadata):
    def determine_actions(self, request, view):
        # A view that takes no body (logout) has no serializer; DRF's metadata would ask for one
        # and answer a 500. There are no fields to describe.
        try:
            view.get_serializer_class()
        except AssertionError:
            return None
        return super().determine_actions(request, view)
