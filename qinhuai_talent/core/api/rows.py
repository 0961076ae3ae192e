"""Read-only list pages as ``.values()`` rows, formatted exactly as the list's serializer would.

The serializer stays the one definition of a row (and of the OpenAPI schema). Its fields are read
once per serializer class and turned into a ``.values()`` path and a converter each, so a page is
one query returning dicts and one loop, instead of a model instance per row and DRF's per-field
machinery (about half of a list request at city scale). Supported fields: model fields, related
fields shown as a primary key or a slug, fields whose source follows non-null foreign keys, and
method fields that declare the columns they read in ``Meta.row_sources``
(``{"explanation": ["reasons"]}``: the method is called with an object carrying those attributes).
Anything else is refused when the format is built, so a list never answers differently from its
serializer; the API tests compare both field by field.
"""

import datetime
import decimal
from collections.abc import Callable, Iterable
from functools import partial
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import connections
from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import relations, serializers
from rest_framework.fields import ISO_8601
from rest_framework.response import Response
from rest_framework.settings import api_settings

from .. import resultcache
from .filters import FilterBackend


def _defines(field, base, name: str = "to_representation") -> bool:
    """True when ``field`` uses ``base``'s own method, not an override of a subclass."""
    return getattr(type(field), name) is getattr(base, name)


def _decimal(field: serializers.DecimalField) -> Callable:
    if not (_defines(field, serializers.DecimalField) and _defines(field, serializers.DecimalField, "quantize")):
        return field.to_representation
    coerce = getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
    if field.localize or field.normalize_output or not coerce or field.decimal_places is None:
        return field.to_representation
    # DRF's quantize, with the quantum and context it builds on every call built once.
    quantum = decimal.Decimal(".1") ** field.decimal_places
    rounding, context = field.rounding, decimal.getcontext().copy()
    if field.max_digits is not None:
        context.prec = field.max_digits

    def convert(value):
        if not isinstance(value, decimal.Decimal):
            value = decimal.Decimal(str(value).strip())
        return f"{value.quantize(quantum, rounding=rounding, context=context):f}"

    return convert


def _date(field: serializers.DateField) -> Callable:
    output = getattr(field, "format", api_settings.DATE_FORMAT)
    if _defines(field, serializers.DateField) and isinstance(output, str) and output.lower() == ISO_8601:
        return lambda value: value.isoformat() if value else None
    return field.to_representation


def _datetime(field: serializers.DateTimeField) -> Callable:
    """DRF's ISO 8601 output of an aware value in the current time zone ("Z" for UTC), without
    its per-value look-ups of the settings and the zone (a page has fifty or a hundred stamps):
    ``RowFormat.rows`` passes the zone it looked up once for the page."""
    output = getattr(field, "format", api_settings.DATETIME_FORMAT)
    if not (
        _defines(field, serializers.DateTimeField)
        and _defines(field, serializers.DateTimeField, "enforce_timezone")
        and not hasattr(field, "timezone")
        and settings.USE_TZ
        and isinstance(output, str)
        and output.lower() == ISO_8601
    ):
        return field.to_representation

    def convert(value, zone=None):
        if not isinstance(value, datetime.datetime) or timezone.is_naive(value):
            return field.to_representation(value)
        text = value.astimezone(zone or timezone.get_current_timezone()).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    convert.zoned = True  # RowFormat.rows looks the zone up once per page and passes it
    return convert


def _converter(field) -> Callable | None:
    """A function of the raw column value, or ``None`` when the value is the output as it is."""
    if isinstance(field, serializers.DecimalField):
        return _decimal(field)
    if isinstance(field, serializers.DateTimeField):
        return _datetime(field)
    if isinstance(field, serializers.DateField):
        return _date(field)
    if isinstance(field, relations.PrimaryKeyRelatedField) and _defines(field, relations.PrimaryKeyRelatedField):
        return None if field.pk_field is None else field.pk_field.to_representation
    if isinstance(field, relations.SlugRelatedField) and _defines(field, relations.SlugRelatedField):
        return None
    if isinstance(field, serializers.CharField) and _defines(field, serializers.CharField):
        return str
    if isinstance(field, serializers.IntegerField) and _defines(field, serializers.IntegerField):
        return int
    if isinstance(field, serializers.BooleanField) and _defines(field, serializers.BooleanField):
        return bool
    return field.to_representation


def _path(model, attrs: list[str]) -> str:
    """A field's source as a ``.values()`` path; refuses a hop through a nullable relation, where
    DRF would skip the field rather than answer null."""
    current = model
    for i, attr in enumerate(attrs[:-1]):
        try:
            relation = current._meta.get_field(attr)
        except FieldDoesNotExist:
            raise ImproperlyConfigured(f"{model.__name__}: {'.'.join(attrs)} is not a chain of relations") from None
        if not relation.is_relation or relation.null:
            raise ImproperlyConfigured(f"{model.__name__}: {'.'.join(attrs[: i + 1])} may be null")
        current = relation.related_model
    return "__".join(attrs)


class RowFormat:
    """The ``.values()`` paths of a list serializer and the function that turns rows into its output."""

    def __init__(self, serializer_class):
        serializer = serializer_class(context={})
        if not _defines(serializer, serializers.Serializer):
            raise ImproperlyConfigured(f"{serializer_class.__name__} overrides to_representation")
        model = serializer.Meta.model
        method_sources = getattr(serializer.Meta, "row_sources", {})
        self.paths: list[str] = []
        self.columns: list[tuple[str, str, Callable | None]] = []  # (output name, path, converter)
        self.methods: list[tuple[str, list[str], Callable]] = []  # (output name, paths, bound method)
        for field in serializer._readable_fields:
            name = field.field_name
            if isinstance(field, serializers.SerializerMethodField):
                if name not in method_sources:
                    raise ImproperlyConfigured(f"{serializer_class.__name__}.{name}: declare Meta.row_sources")
                sources = list(method_sources[name])
                self.paths += [s for s in sources if s not in self.paths]
                self.methods.append((name, sources, getattr(serializer, field.method_name)))
                continue
            if isinstance(field, serializers.BaseSerializer | relations.ManyRelatedField) or field.source == "*":
                raise ImproperlyConfigured(f"{serializer_class.__name__}.{name}: nested or whole-object field")
            path = _path(model, list(field.source_attrs))
            base = next(
                (b for b in (relations.SlugRelatedField, relations.PrimaryKeyRelatedField) if isinstance(field, b)),
                None,
            )
            if base is not None and not _defines(field, base):
                # Its own to_representation reads the related object (PersonField): a row has only the column.
                raise ImproperlyConfigured(f"{serializer_class.__name__}.{name}: a related field of its own making")
            if isinstance(field, relations.SlugRelatedField):
                path += "__" + field.slug_field
            elif isinstance(field, relations.RelatedField) and not isinstance(field, relations.PrimaryKeyRelatedField):
                raise ImproperlyConfigured(f"{serializer_class.__name__}.{name}: unsupported related field")
            if path not in self.paths:
                self.paths.append(path)
            self.columns.append((name, path, _converter(field)))
        self.order = [f.field_name for f in serializer._readable_fields]
        # A value across a relation is a scalar subquery on the related row, not a join: a page of
        # fifty rows costs fifty index lookups either way, but a query of five or six joins costs
        # PostgreSQL more to plan (every join order) than to run.
        self.model, self.keys, self.subqueries, self._sql = model, {}, {}, {}
        for i, path in enumerate(self.paths):
            first, _, rest = path.partition("__")
            relation = model._meta.get_field(first) if rest and first in _forward_relations(model) else None
            if relation is None:
                self.keys[path] = path
                continue
            alias = f"row_value_{i}"
            self.keys[path] = alias
            self.subqueries[alias] = Subquery(
                relation.related_model._base_manager.filter(pk=OuterRef(relation.attname)).order_by().values(rest)[:1]
            )
        self.columns = [(name, self.keys[path], convert) for name, path, convert in self.columns]
        self.methods = [(name, [(s, self.keys[s]) for s in sources], m) for name, sources, m in self.methods]
        self.zoned = any(getattr(convert, "zoned", False) for _name, _key, convert in self.columns)

    def values(self, queryset):
        return queryset.annotate(**self._compiled(queryset.db)).values(*self.keys.values())

    def _compiled(self, using: str) -> dict:
        """The subqueries as SQL compiled once per database (``RawSQL``): resolving and compiling
        each ``Subquery`` again on every request cost more than the rest of the page's query. They
        refer to the list's table by its name, which is the alias of a query's base table."""
        conn = connections[using]
        compiled = self._sql.get((using, conn.vendor))
        if compiled is None:
            compiled = {}
            for alias, subquery in self.subqueries.items():
                query = self.model._base_manager.all().query
                expression = subquery.resolve_expression(query)
                sql, params = query.get_compiler(connection=conn).compile(expression)
                compiled[alias] = RawSQL(sql, params, output_field=expression.output_field)  # noqa: S611 (compiled by the ORM)
            self._sql[(using, conn.vendor)] = compiled
        return compiled

    def rows(self, values: Iterable[dict]) -> list[dict]:
        out = []
        order, columns, methods = self.order, self.columns, self.methods
        if self.zoned:
            zone = timezone.get_current_timezone()
            columns = [(n, k, partial(c, zone=zone) if getattr(c, "zoned", False) else c) for n, k, c in columns]
        for value in values:
            row = {}
            for name, key, convert in columns:
                raw = value[key]
                row[name] = raw if raw is None or convert is None else convert(raw)
            for name, sources, method in methods:
                row[name] = method(SimpleNamespace(**{s: value[k] for s, k in sources}))
            out.append({name: row[name] for name in order} if methods else row)
        return out


def _forward_relations(model) -> set[str]:
    return {f.name for f in model._meta.concrete_fields if f.is_relation and (f.many_to_one or f.one_to_one)}


_FORMATS: dict[type, RowFormat] = {}


def row_format(serializer_class) -> RowFormat:
    if serializer_class not in _FORMATS:
        _FORMATS[serializer_class] = RowFormat(serializer_class)
    return _FORMATS[serializer_class]


class _Rows:
    """What the paginator pages: rows sliced from ``.values()``, counted from the list's own
    queryset (the ``.values()`` one would keep the joins of its paths in the count) through the
    result cache (an exact count, read again only after a write to the tables it counts)."""

    def __init__(self, rows: QuerySet, counted: QuerySet):
        self.rows, self.counted = rows, counted
        self.ordered = rows.ordered

    def count(self) -> int:
        return resultcache.count(self.counted)

    def __getitem__(self, key):
        return self.rows[key]


class ValuesListMixin:
    """A viewset's ``list`` from ``.values()`` rows in the shape of ``get_serializer_class()``
    (``RowFormat``): same filters, ordering, pagination and output, no model instance per row.
    Queries: the count (or its cached value) and the page. django-filter's backend is the one
    that skips building a filterset none of whose filters the request sets (``filters.py``)."""

    def filter_queryset(self, queryset):
        for backend in self.filter_backends:
            backend = FilterBackend if backend is DjangoFilterBackend else backend
            queryset = backend().filter_queryset(self.request, queryset, self)
        return queryset

    def list(self, request, *args, **kwargs):
        fmt = row_format(self.get_serializer_class())
        queryset = self.filter_queryset(self.get_queryset())
        rows = fmt.values(queryset)
        page = self.paginate_queryset(_Rows(rows, queryset))
        if page is None:
            return Response(fmt.rows(rows))
        return self.get_paginated_response(fmt.rows(page))
