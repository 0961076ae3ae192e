"""django-filter's backend, without building a filterset for a request that sets none of its filters.

Building one costs a deep copy of every filter and a form class of their fields on every request
(about a millisecond for a list's eight filters); with none of its parameters in the query string
every filter would be skipped and the queryset returned as it is. That holds for a filterset that
neither overrides ``filter_queryset`` nor ``qs`` and has no required filter, so only such a
filterset is skipped; any other, and any request naming a filter (or a ``<filter>_…`` parameter
of a range widget), goes through django-filter as before, errors included.

A request that does set filters of such a filterset is answered without building one either, when
every filter of it is one of django-filter's plain kinds (a value cleaned by its form field, then
one lookup; no ``method``, no request-scoped choices): each filter's widget reads the value from
the query string, its field cleans it and the filter applies it, as the filterset's form would,
with the filters and fields built once per filterset class and model. A value a field refuses
goes through django-filter, which answers its 400 as before. ``tests/core/test_api_rows.py``
compares both over every filter of every filterset of the API.
"""

from functools import cache

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F
from django_filters import FilterSet, rest_framework
from django_filters import filters as kinds
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import filters


def _skippable(filterset_class) -> bool:
    return (
        filterset_class.filter_queryset is FilterSet.filter_queryset
        and filterset_class.qs is FilterSet.qs
        and not any(f.extra.get("required") for f in filterset_class.base_filters.values())
    )


# django-filter's kinds whose filtering is one lookup of the cleaned value (or nothing for an empty
# one) and whose field does not depend on the request: exact types, a subclass may differ.
PLAIN_KINDS = (
    kinds.CharFilter,
    kinds.ChoiceFilter,
    kinds.NumberFilter,
    kinds.BooleanFilter,
    kinds.DateFilter,
    kinds.DateTimeFilter,
    kinds.UUIDFilter,
)
_FILTERSET_PARTS = ("__init__", "form", "get_form_class", "is_valid", "errors")
_FILTERSETS = (FilterSet, rest_framework.FilterSet)


@cache
def _plain_filters(filterset_class, model):
    """The bound filters of a filterset every filter of which is plain, built once (``None`` for
    any other filterset); their fields are built and read only, never changed."""
    if not _skippable(filterset_class) or filterset_class._meta.form is not forms.Form:
        return None
    for part in _FILTERSET_PARTS:  # DRF's FilterSet adds only a crispy-forms helper to its form
        if getattr(filterset_class, part) not in {getattr(base, part) for base in _FILTERSETS}:
            return None
    bound = filterset_class(data=None, queryset=model._default_manager.none()).filters
    if not all(type(f) in PLAIN_KINDS and f.method is None for f in bound.values()):
        return None
    for f in bound.values():
        f.field  # noqa: B018 - built now, so requests only read it
    return bound


def _filtered(filters, data, queryset):
    """The queryset filtered as the filterset's form and ``qs`` would, or ``None`` when a value is
    refused (django-filter then answers the error)."""
    for name, f in filters.items():
        field = f.field
        try:
            value = field.clean(field.widget.value_from_datadict(data, {}, name))
        except ValidationError:
            return None
        queryset = f.filter(queryset, value)
    return queryset


class FilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and _skippable(filterset_class):
            names = filterset_class.base_filters
            if not any(key.startswith(name) for key in request.query_params for name in names):
                return queryset
            filters = _plain_filters(filterset_class, queryset.model)
            if filters is not None:
                filtered = _filtered(filters, request.query_params, queryset)
                if filtered is not None:
                    return filtered
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
