"""The API's search backend."""

from rest_framework import filters
from rest_framework.exceptions import ValidationError


class SearchFilter(filters.SearchFilter):
    """DRF's search, with a refused term (a NUL character) reported under its parameter: API
    errors are a message per field, never a bare list."""

    def get_search_terms(self, request):
        try:
            return super().get_search_terms(request)
        except ValidationError as exc:
            raise ValidationError({self.search_param: exc.detail}) from None
