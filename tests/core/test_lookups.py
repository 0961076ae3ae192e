"""``any_of(field, values)`` means ``field IN (values)`` on every database: the set-based jobs'
long id lists rely on it (one array parameter on PostgreSQL)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qinhuai_talent.core.lookups import any_of
from qinhuai_talent.core.models import User

pytestmark = pytest.mark.django_db


def _ids(qs) -> set:
    return set(qs.values_list("pk", flat=True))


def test_any_of_selects_exactly_what_in_selects(units):
    users = User.objects.all()
    ids = sorted(_ids(users))
    for values in (ids, ids[:1], ids[::2], [*ids[:3], None], [], [10**12]):
        assert _ids(users.filter(any_of("pk", values))) == _ids(users.filter(pk__in=values)), values
        assert _ids(users.exclude(any_of("pk", values))) == _ids(users.exclude(pk__in=values)), values
    # across a join and on text columns
    assert _ids(users.filter(any_of("org_unit__code", ["gaoxin_park", "x"]))) == _ids(
        users.filter(org_unit__code__in=["gaoxin_park", "x"])
    )
    assert _ids(users.filter(any_of("username", ["office", "nobody"]))) == _ids(users.filter(username="office"))


def test_an_update_through_any_of_touches_only_the_listed_rows(units):
    ids = sorted(_ids(User.objects.all()))
    with CaptureQueriesContext(connection) as ctx:
        assert User.objects.filter(any_of("pk", ids[:2])).update(unread_notifications=7) == 2
    assert _ids(User.objects.filter(unread_notifications=7)) == set(ids[:2])
    sql = ctx.captured_queries[-1]["sql"]
    assert ("= ANY(" in sql) if connection.vendor == "postgresql" else (" IN (" in sql)
