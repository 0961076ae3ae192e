"""List pages built from ``.values()`` rows (``qinhuai_talent.core.api.rows``) answer exactly what
their serializers answer for the same records, for every record of the demo district, in both
languages and for a unit officer's scope as well as the district's."""

import json

import pytest
from rest_framework import mixins, serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIRequestFactory, force_authenticate

from enterprises.api.views import EnterpriseViewSet
from funding.api.views import ExitFlagViewSet, PayoutViewSet
from qinhuai_talent.core.api.rows import RowFormat
from talents.api.views import ApplicationViewSet

VIEWSETS = {
    "/api/v1/enterprises/": EnterpriseViewSet,
    "/api/v1/applications/": ApplicationViewSet,
    "/api/v1/payouts/": PayoutViewSet,
    "/api/v1/exit-flags/": ExitFlagViewSet,
}


@pytest.fixture
def district(demo_district):
    """The demo district, seeded once for the module (tests/conftest.py)."""


def _answer(viewset, user, path: str, language: str, *, through_serializer: bool) -> dict:
    if through_serializer:
        viewset = type(
            f"Serialized{viewset.__name__}",
            (viewset,),
            {"list": lambda self, request, *a, **k: mixins.ListModelMixin.list(self, request, *a, **k)},
        )
    request = APIRequestFactory().get(path, {"page_size": 200}, HTTP_ACCEPT_LANGUAGE=language)
    force_authenticate(request, user)
    response = viewset.as_view({"get": "list"})(request)
    assert response.status_code == 200
    return json.loads(JSONRenderer().render(response.data))


@pytest.mark.parametrize("path", list(VIEWSETS))
@pytest.mark.parametrize("username", ["office", "park"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_values_rows_answer_what_the_serializer_answers(district, django_user_model, path, username, language):
    user = django_user_model.objects.get(username=username)
    fast = _answer(VIEWSETS[path], user, path, language, through_serializer=False)
    slow = _answer(VIEWSETS[path], user, path, language, through_serializer=True)
    assert fast["count"] == slow["count"] == len(slow["results"])
    assert fast["results"] == slow["results"]
    if username == "office":
        assert slow["count"] > 0, "the demo district should have records to compare"


def test_a_field_the_rows_cannot_build_is_refused_when_the_format_is_built():
    from funding.models import Tranche

    class NestedTranche(serializers.ModelSerializer):
        agreement = serializers.PrimaryKeyRelatedField(read_only=True)
        milestones = serializers.ListField(child=serializers.CharField(), source="*")

        class Meta:
            model = Tranche
            fields = ["id", "agreement", "milestones"]

    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="milestones"):
        RowFormat(NestedTranche)


def test_a_related_field_that_reads_the_related_object_is_refused_when_the_format_is_built():
    """``PersonField`` decides from the person's role and the reader: a row has neither, so a list
    built from rows would answer differently from its serializer; it is refused, not guessed."""
    from django.core.exceptions import ImproperlyConfigured

    from enterprises.models import SupportPlanItem
    from qinhuai_talent.core.api.serializers import PersonField

    class Item(serializers.ModelSerializer):
        owner = PersonField()

        class Meta:
            model = SupportPlanItem
            fields = ["id", "owner"]

    with pytest.raises(ImproperlyConfigured, match="owner"):
        RowFormat(Item)


def test_a_filter_the_request_sets_is_applied_and_checked(district, api, office):
    client = api(office)
    every = client.get("/api/v1/payouts/").json()["count"]
    proposed = client.get("/api/v1/payouts/?state=proposed").json()
    assert 0 < proposed["count"] < every
    assert {r["state"] for r in proposed["results"]} == {"proposed"}
    assert client.get("/api/v1/payouts/?state=bogus").status_code == 400
    assert client.get("/api/v1/applications/?year=1800").status_code == 400


def test_only_a_plain_filterset_is_skipped_when_no_filter_is_set():
    import django_filters

    from funding.models import Payout
    from qinhuai_talent.core.api.filters import _skippable

    class Plain(django_filters.FilterSet):
        state = django_filters.CharFilter()

        class Meta:
            model = Payout
            fields = ["state"]

    class Custom(Plain):
        def filter_queryset(self, queryset):
            return super().filter_queryset(queryset).filter(amount__gt=0)

    class Required(Plain):
        state = django_filters.CharFilter(required=True)

    assert _skippable(Plain) and not _skippable(Custom) and not _skippable(Required)


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC", "America/New_York"])
def test_a_stamp_reads_as_drf_writes_it_in_every_zone(zone):
    """The rows' own converter of a date-time field gives DRF's text in the active zone ("Z" in UTC)."""
    from datetime import UTC, datetime

    from django.utils import timezone

    from qinhuai_talent.core.api.rows import _converter

    field = serializers.DateTimeField()
    convert = _converter(field)
    assert convert is not field.to_representation
    stamps = [datetime(2026, 12, 5, 21, 30, 15, 123456, tzinfo=UTC), datetime(2017, 1, 1, tzinfo=UTC)]
    with timezone.override(zone):
        for value in [*stamps, datetime(2026, 12, 5, 8, 0)]:
            assert convert(value) == field.to_representation(value), value


def _every_filterset():
    """(name, filterset class, model) of every filterset of every viewset the API routes."""
    from django.urls import get_resolver

    seen = {}

    def walk(patterns):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                walk(p.url_patterns)
                continue
            cls = getattr(getattr(p, "callback", None), "cls", None)
            filterset_class = getattr(cls, "filterset_class", None)
            if filterset_class is not None:
                seen[filterset_class] = cls

    walk(get_resolver().url_patterns)
    return [(f.__name__, f, f._meta.model) for f in seen]


def _samples(f) -> list[str]:
    from django_filters import filters as kinds

    if isinstance(f, kinds.ChoiceFilter):
        return [str(value) for value, _label in f.field.choices if value != ""] + ["", "bogus", "null"]
    if isinstance(f, kinds.NumberFilter):
        return ["1", "0", "-3", "2.5", "1e60", "x", ""]
    if isinstance(f, kinds.BooleanFilter):
        return ["true", "false", "True", "1", "maybe", ""]
    if isinstance(f, kinds.DateFilter):
        return ["2026-01-31", "2026-02-30", "x", ""]
    return ["fuzimiao", "  padded  ", "王伟", "", "%"]


FILTERSETS = _every_filterset()


@pytest.mark.parametrize("name,filterset_class,model", FILTERSETS, ids=[f[0] for f in FILTERSETS])
def test_the_plain_path_filters_as_django_filter_does_for_every_filter_and_value(db, name, filterset_class, model):
    """For every filterset of the API and every one of its filters, set alone and all together,
    the backend's plain path (no filterset built, ``filters._plain_filters``) gives the query
    django-filter gives, and a value django-filter refuses goes to django-filter for its 400."""
    from django.core.exceptions import EmptyResultSet
    from django.http import QueryDict
    from django_filters.rest_framework import DjangoFilterBackend
    from rest_framework.exceptions import ValidationError
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from qinhuai_talent.core.api.filters import FilterBackend, _plain_filters

    class View:
        filterset_class = None

    View.filterset_class = filterset_class
    queryset = model._default_manager.all()

    def answer(backend, params: QueryDict):
        request = Request(APIRequestFactory().get("/", params))
        try:
            return str(backend().filter_queryset(request, queryset, View()).query)
        except ValidationError as error:
            return ("400", error.detail)
        except EmptyResultSet:
            return "nothing"

    plain = _plain_filters(filterset_class, model)
    cases = []
    for filter_name, f in filterset_class(queryset=queryset).filters.items():
        cases += [{filter_name: value} for value in _samples(f)]
    cases.append({n: _samples(f)[0] for n, f in filterset_class(queryset=queryset).filters.items()})
    for case in cases:
        params = QueryDict(mutable=True)
        params.update(case)
        assert answer(FilterBackend, params) == answer(DjangoFilterBackend, params), case
    if all(
        type(f).__name__ in {"CharFilter", "ChoiceFilter", "NumberFilter"}
        for f in filterset_class.base_filters.values()
    ):
        assert plain is not None, f"{name} is plain and should take the plain path"
