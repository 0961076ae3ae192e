"""django-filter's backend, without building a filterset for a request that sets none of its filters.

Building one costs a deep copy of every filter and a form class of their fields on every request
(about a millisecond for a list's eight filters); with none of its parameters in the query string
every filter would be skipped and the queryset returned as it is. That holds for a filterset that
neither overrides ``filter_queryset`` nor ``qs`` and has no required filter, so only such a
filterset is skipped; any other, and any request naming a filter (or a ``<filter>_…`` parameter
of a range widget), goes through django-filter as before, errors included.
"""

from django.db.models import F
from django_filters import FilterSet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import filters


def _skippable(filterset_class) -> bool:
    return (
        filterset_class.filter_queryset is FilterSet.filter_queryset
        and filterset_class.qs is FilterSet.qs
        and not any(f.extra.get("required") for f in filterset_class.base_filters.values())
    )


class FilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and _skippable(filterset_class):
            names = filterset_class.base_filters
            if not any(key.startswith(name) for key in request.query_params for name in names):
                return queryset
        return super().filter_queryset(request, queryset, view)


class OrderingFilter(filters.OrderingFilter):
    """DRF's ordering, where a view may map a public field name onto another expression of its
    queryset (``ordering_aliases = {"score": "shown_score"}``): the blind review orders by the
    score as the caller may see it, under the name clients know."""

    def remove_invalid_fields(self, queryset, fields, view, request):
        valid = super().remove_invalid_fields(queryset, fields, view, request)
        aliases = getattr(view, "ordering_aliases", {})
        out = []
        for term in valid:
            desc, name = term.startswith("-"), term.lstrip("-")
            target = aliases.get(name)
            if target is None:
                out.append(term)
            else:
                out.append(F(target).desc(nulls_last=True) if desc else F(target).asc(nulls_last=True))
        return out
