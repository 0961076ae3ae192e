"""``insert_rows(model, rows)`` writes what ``bulk_create`` of the same rows writes, on every
database: the payout recompute creates its payouts with it (``core.inserts``)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict

from qinhuai_talent.core import clock
from qinhuai_talent.core.inserts import PAGE, insert_rows
from qinhuai_talent.core.models import User
from qinhuai_talent.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _rows(users: list[User], n: int) -> list[dict]:
    """Rows that give some columns and leave others to their defaults, a JSON value of each kind."""
    now = clock.now()
    values = [{"a": 1}, {"名": "值", "list": [1, "二", None]}, [], {}]
    rows = []
    for i in range(n):
        row = {"recipient_id": users[i % len(users)].pk, "channel": "inbox", "event": "payout_waiting", "key": f"k{i}"}
        if i % 2:
            row |= {"params": values[i % len(values)], "created_at": now - timedelta(days=i), "url": f"/p/{i}/"}
        rows.append(row)
    return rows


def _stored(pks: list[int]) -> list[dict]:
    by_pk = {n.pk: n for n in Notification.objects.filter(pk__in=pks)}
    return [model_to_dict(by_pk[pk], exclude=["id", "created_at", "key"]) for pk in pks]


def test_insert_rows_writes_what_bulk_create_writes(units):
    users = list(User.objects.order_by("pk")[:3])
    n = PAGE + 7  # more than one statement
    rows = _rows(users, n)
    pks = insert_rows(Notification, rows)
    assert len(pks) == n == len(set(pks))
    assert dict(Notification.objects.filter(pk__in=pks).values_list("pk", "key")) == {
        pk: row["key"] for pk, row in zip(pks, rows, strict=True)
    }
    # the same rows through bulk_create, keyed apart
    twins = Notification.objects.bulk_create([Notification(**(row | {"key": f"b{row['key']}"})) for row in rows])
    assert _stored(pks) == _stored([t.pk for t in twins])
    # pks come back in the rows' order; defaults filled where a row is silent
    for pk, row in zip(pks, rows, strict=True):
        stored = Notification.objects.get(pk=pk)
        assert stored.key == row["key"]
        assert stored.params == row.get("params", {})
        assert stored.url == row.get("url", "")
        assert stored.attempts == 0 and stored.delivered_at is None
        if "created_at" in row:
            assert stored.created_at == row["created_at"]


def test_insert_rows_refuses_an_unknown_field_and_keeps_constraints(units):
    user = User.objects.order_by("pk").first()
    assert insert_rows(Notification, []) == []
    with pytest.raises(ImproperlyConfigured, match="no field"):
        insert_rows(Notification, [{"recipient_id": user.pk, "channel": "inbox", "colour": "red"}])
    with pytest.raises(ImproperlyConfigured, match="event is NOT NULL without a default"):
        insert_rows(Notification, [{"recipient_id": user.pk, "channel": "inbox", "key": "x"}])
    row = {"recipient_id": user.pk, "channel": "inbox", "event": "e", "key": "same"}
    insert_rows(Notification, [row])
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(Notification, [row])  # the once-per-channel constraint holds for these rows too
    assert Notification.objects.filter(key="same").count() == 1
