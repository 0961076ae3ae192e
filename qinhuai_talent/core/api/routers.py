"""The API's router: a record id in a path is a number, so anything else is a 404 at the URL.

A path id that is not a number (``/talents/null,null/``) or longer than 18 digits (beyond a 64-bit
column, an OverflowError on SQLite) matches no route and is answered like any missing record.
"""

from rest_framework.routers import DefaultRouter, SimpleRouter

RECORD_ID = r"[0-9]{1,18}"


class _NumericIds:
    def get_lookup_regex(self, viewset, lookup_prefix=""):
        lookup_field = getattr(viewset, "lookup_field", "pk")
        if lookup_field not in ("pk", "id") or getattr(viewset, "lookup_value_regex", None):
            return super().get_lookup_regex(viewset, lookup_prefix)
        kwarg = getattr(viewset, "lookup_url_kwarg", None) or lookup_field
        return self._base_pattern.format(lookup_prefix=lookup_prefix, lookup_url_kwarg=kwarg, lookup_value=RECORD_ID)


class PortalRouter(_NumericIds, SimpleRouter):
    pass


class PortalRootRouter(_NumericIds, DefaultRouter):
    """The router that also serves the API root (``/api/v1/``)."""
