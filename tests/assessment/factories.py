from datetime import date
from decimal import Decimal

import factory

from assessment.models import Activity, AssessmentScheme, GradeBand, Indicator, SchemeState, TargetMode


class SchemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssessmentScheme

    year = 2017
    unit_kind = "street"
    name = factory.LazyAttribute(lambda o: f"{o.year} {o.unit_kind} scheme")
    state = SchemeState.ACTIVE


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    scheme = factory.SubFactory(SchemeFactory)
    key = factory.Sequence(lambda n: f"indicator-{n}")
    label = factory.LazyAttribute(lambda o: o.key)
    weight = Decimal("50")
    mode = TargetMode.LINEAR


class GradeBandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GradeBand

    scheme = factory.SubFactory(SchemeFactory)
    code = "good"
    label = "良好"
    min_total = Decimal("80")


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    kind = "salon"
    title = factory.Sequence(lambda n: f"人才沙龙第{n}期")
    held_on = date(2017, 5, 1)
    participants = 30


def street_scheme(year: int = 2017, **kwargs) -> AssessmentScheme:
    """A street scheme of two computed indicators (activities 60, participants 40) and grade bands."""
    scheme = SchemeFactory(year=year, unit_kind="street", **kwargs)
    IndicatorFactory(scheme=scheme, key="activities", source="activities_held", weight=Decimal("60"), order=1)
    IndicatorFactory(
        scheme=scheme,
        key="participants",
        source="activity_participants",
        weight=Decimal("40"),
        order=2,
        kind="soft",
        mode=TargetMode.CAPPED,
    )
    GradeBandFactory(
        scheme=scheme,
        code="excellent",
        label="优秀",
        label_en="Excellent",
        min_total=Decimal("90"),
        fund_factor=Decimal("1.2"),
    )
    GradeBandFactory(
        scheme=scheme, code="good", label="良好", label_en="Good", min_total=Decimal("75"), fund_factor=Decimal("1")
    )
    GradeBandFactory(scheme=scheme, code="pass", label="合格", min_total=Decimal("0"), fund_factor=Decimal("0.6"))
    return scheme
