"""One clock: every date the demo writes belongs to the story of 2017 evaluated as of 2018-01-15.

Generated over every date and datetime field of every model of the project (issue 14, item 9):
after ``seed_demo``, whatever the real date, a stamp (a datetime: something happened then) lies
between the district's first year and the demo's day; a day that records an event lies no later
than the demo's day; a planned day (a deadline, an end, a due date) lies within the years the
district plans for. Then the order of each record's story: created before submitted before
decided, assigned before reviewed, raised before closed, and a decided application has its day.
"""

import datetime

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone

from qinhuai_talent.core import clock

pytestmark = pytest.mark.django_db

FIRST_DAY = datetime.date(2010, 1, 1)
DEMO_DAY = clock.DEMO_DAY
# Deadlines, ends and due days may lie ahead of the demo's day, within the plans' horizon.
PLAN_WORDS = (
    "target",
    "due",
    "deliver_by",
    "ends",
    "deadline",
    "until",
    "expires",
    "closes",
    "valid_to",
    "notice_ends",
    "recovery",
)
PLAN_HORIZON = datetime.date(DEMO_DAY.year + 8, 12, 31)
# Days that are not the district's story: when people were born.
NOT_STORY = ("birth_date",)


def _project_models():
    for model in apps.get_models():
        path = str(apps.get_app_config(model._meta.app_label).path)
        if path.startswith(str(settings.BASE_DIR)) and "site-packages" not in path:
            yield model
        elif model._meta.app_label == "simple_history":
            yield model


def _date_fields(model):
    for field in model._meta.concrete_fields:
        if isinstance(field, models.DateTimeField | models.DateField) and field.name not in NOT_STORY:
            yield field


def _end_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))


@pytest.fixture
def demo_on_the_real_date(demo_district, settings):
    """The demo was seeded without PORTAL_AS_OF: its dates must not depend on it."""
    assert not settings.PORTAL_AS_OF
    return demo_district


def test_the_walk_covers_the_models_it_speaks_of():
    labels = {m._meta.label for m in _project_models()}
    assert {"talents.Application", "talents.ReviewAssignment", "funding.ExitCase", "core.TransitionLog"} <= labels
    assert any(label.endswith("HistoricalApplication") for label in labels)


def test_every_date_of_the_demo_belongs_to_its_story(demo_on_the_real_date):
    wrong = []
    for model in _project_models():
        fields = list(_date_fields(model))
        if not fields:
            continue
        for field in fields:
            qs = model._default_manager.exclude(**{f"{field.name}__isnull": True})
            if isinstance(field, models.DateTimeField):
                low, high = (
                    timezone.make_aware(datetime.datetime.combine(FIRST_DAY, datetime.time.min)),
                    _end_of(DEMO_DAY),
                )
            elif any(word in field.name for word in PLAN_WORDS):
                low, high = FIRST_DAY, PLAN_HORIZON
            else:
                low, high = FIRST_DAY, DEMO_DAY
            for pk, value in qs.exclude(**{f"{field.name}__range": (low, high)}).values_list("pk", field.name)[:3]:
                wrong.append(
                    f"{model._meta.label}#{pk}.{field.name} = {value} (outside {low:%Y-%m-%d}..{high:%Y-%m-%d})"
                )
    assert not wrong, "\n".join(wrong)


def _before(qs, earlier: str, later: str) -> list[str]:
    """Rows whose ``earlier`` comes after their ``later`` (both set)."""
    bad = qs.exclude(**{f"{earlier}__isnull": True}).exclude(**{f"{later}__isnull": True})
    bad = bad.filter(**{f"{earlier}__gt": models.F(later)})
    return [f"{qs.model._meta.label}#{pk}: {earlier} after {later}" for pk in bad.values_list("pk", flat=True)[:3]]


def test_each_demo_record_tells_its_story_in_order(demo_on_the_real_date):
    from funding.models import ExitCase, ExitFlag, Payout
    from talents.models import Application, ApplicationState, ReviewAssignment

    wrong = []
    wrong += _before(Application.objects.all(), "created_at", "submitted_at")
    wrong += _before(Application.objects.all(), "submitted_at", "decided_at")
    wrong += _before(ReviewAssignment.objects.all(), "application__submitted_at", "assigned_at")
    wrong += _before(ReviewAssignment.objects.all(), "assigned_at", "submitted_at")
    wrong += _before(ExitFlag.objects.all(), "raised_at", "closed_at")
    wrong += _before(ExitCase.objects.all(), "opened_at", "decided_at")
    wrong += _before(Payout.objects.all(), "approved_at", "paid_at")
    decided = (ApplicationState.APPROVED, ApplicationState.REJECTED)
    for pk in Application.objects.filter(state__in=decided, decided_at__isnull=True).values_list("pk", flat=True):
        wrong.append(f"talents.Application#{pk}: decided without decided_at")
    assert not wrong, "\n".join(wrong)


def test_the_demo_transition_log_follows_its_records(demo_on_the_real_date):
    from qinhuai_talent.core.models import TransitionLog
    from talents.models import Application

    created = dict(Application.objects.values_list("pk", "created_at"))
    wrong = []
    for log in TransitionLog.objects.filter(content_type__model="application").only("object_id", "at", "action"):
        if log.object_id in created and log.at < created[log.object_id]:
            wrong.append(f"application {log.object_id}: {log.action} at {log.at} before its creation")
    assert not wrong[:5], "\n".join(wrong[:5])
