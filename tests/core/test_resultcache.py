"""The result cache (``qinhuai_talent.core.resultcache``): a kept count or report is served only while
no write to the tables it read has committed, and is never kept where that cannot be shown.

These need PostgreSQL (the change triggers) and real commits (transactional tests); on SQLite and
inside a transaction every read is computed, which the apps' own tests cover.
"""

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from enterprises.models import Enterprise
from qinhuai_talent.core import resultcache
from qinhuai_talent.core.models import CachedResult, OrgUnit, TableChange
from talents.models import Industry

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _enterprise(n: int, unit: OrgUnit, **fields) -> Enterprise:
    return Enterprise.objects.create(
        name=f"缓存测试企业{n}",
        credit_code=f"91320104CACHE{n:05d}",
        registered_on=datetime.date(2016, 1, 1),
        org_unit=unit,
        industry=Industry.objects.order_by("pk").first(),
        **fields,
    )


def _get(client, path: str) -> tuple[dict, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return response.json(), len(queries)


def test_every_table_of_the_portal_carries_the_change_trigger():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid WHERE g.tgname = %s",
            [resultcache.TRIGGER],
        )
        triggered = {row[0] for row in cursor.fetchall()}
    expected = resultcache.tracked_tables() & set(connection.introspection.table_names())
    assert expected and expected <= triggered
    assert not triggered & resultcache.UNTRACKED


def test_a_kept_count_follows_every_committed_write(api, office, units):
    unit = OrgUnit.objects.get(code="gaoxin_park")
    client = api(office)
    first = [_enterprise(n, unit) for n in range(3)]
    body, misses = _get(client, "/api/v1/enterprises/?page_size=2")
    assert body["count"] == 3
    # Served from the cache: the lookup and the page of rows, no count, whatever the page size.
    body, hits = _get(client, "/api/v1/enterprises/?page_size=2")
    assert body["count"] == 3 and hits == 2 < misses
    _enterprise(3, unit)
    assert _get(client, "/api/v1/enterprises/?page_size=2")[0]["count"] == 4
    first[0].delete()
    assert _get(client, "/api/v1/enterprises/?page_size=2")[0]["count"] == 3
    # An update that moves a row out of a filter counts too.
    assert _get(client, "/api/v1/enterprises/?status=active")[0]["count"] == 3
    Enterprise.objects.filter(pk=first[1].pk).update(status="moved_out")
    assert _get(client, "/api/v1/enterprises/?status=active")[0]["count"] == 2


def test_a_count_is_computed_inside_a_transaction_with_its_own_writes(units):
    unit = OrgUnit.objects.get(code="gaoxin_park")
    _enterprise(0, unit)
    assert resultcache.count(Enterprise.objects.all()) == 1  # kept, outside a transaction
    with transaction.atomic():
        _enterprise(1, unit)
        assert resultcache.count(Enterprise.objects.all()) == 2
        transaction.set_rollback(True)
    assert resultcache.count(Enterprise.objects.all()) == 1


def test_a_read_of_a_table_without_the_trigger_is_not_kept(db):
    assert resultcache.cached(("content types",), lambda: ContentType.objects.count()) > 0
    assert not CachedResult.objects.exists()


def test_a_computation_that_writes_is_not_kept(units):
    unit = OrgUnit.objects.get(code="gaoxin_park")

    def writes() -> int:
        _enterprise(9, unit)
        return Enterprise.objects.count()

    assert resultcache.cached(("writes",), writes) == 1
    assert not CachedResult.objects.exists()


def test_compaction_keeps_every_tables_version(units):
    unit = OrgUnit.objects.get(code="gaoxin_park")
    _enterprise(0, unit)
    TableChange.objects.bulk_create(
        [TableChange(table="enterprises_enterprise") for _ in range(resultcache.COMPACT_AFTER)]
    )
    before = {r["table"]: r["total"] for r in _versions()}
    assert resultcache.count(Enterprise.objects.filter(status="active")) == 1  # a miss: compacts
    after = {r["table"]: r["total"] for r in _versions()}
    # The miss's own store wrote no tracked table, so every version is what it was, in one row each.
    assert after == before
    assert TableChange.objects.count() == len(after)
    assert resultcache.count(Enterprise.objects.filter(status="active")) == 1


def _versions():
    from django.db.models import Sum

    return TableChange.objects.values("table").annotate(total=Sum("weight")).order_by()


def test_the_summary_is_kept_until_a_figure_it_shows_changes(api, office, units):
    unit = OrgUnit.objects.get(code="gaoxin_park")
    _enterprise(0, unit, cumulative_sales=Decimal("1000.00"))
    client = api(office)
    year = datetime.date.today().year
    first, misses = _get(client, f"/api/v1/reports/summary/?year={year}")
    again, hits = _get(client, f"/api/v1/reports/summary/?year={year}")
    assert again == first and hits == 1 < misses  # the lookup only
    assert first["enterprises"]["cumulative_sales"] == "1000.00"
    _enterprise(1, unit, cumulative_sales=Decimal("234.50"))
    fresh, _ = _get(client, f"/api/v1/reports/summary/?year={year}")
    assert fresh["enterprises"]["cumulative_sales"] == "1234.50"
    assert fresh["generated_at"] >= first["generated_at"]


def test_a_kept_read_inside_another_is_part_of_it(units):
    unit = OrgUnit.objects.get(code="gaoxin_park")
    _enterprise(0, unit)
    outer = resultcache.cached(("outer",), lambda: resultcache.count(Enterprise.objects.all()) + 1)
    assert outer == 2
    assert list(CachedResult.objects.values_list("tables", flat=True)) == [["enterprises_enterprise"]]


def test_a_result_recomputed_after_a_write_plans_no_statement_again(api, office, units):
    """Filings invalidate the summary all day: its recomputation runs its statements, not an
    EXPLAIN before each one again (the tables a statement reads are known from its first run),
    and it still follows every write and records the same tables."""
    unit = OrgUnit.objects.get(code="gaoxin_park")
    _enterprise(0, unit, cumulative_sales=Decimal("1000.00"))
    client = api(office)
    path = f"/api/v1/reports/summary/?year={datetime.date.today().year}"
    client.get(path)
    tables = sorted(map(tuple, CachedResult.objects.values_list("tables", flat=True)))
    _enterprise(1, unit, cumulative_sales=Decimal("234.50"))
    with CaptureQueriesContext(connection) as queries:
        fresh = client.get(path).json()
    assert fresh["enterprises"]["cumulative_sales"] == "1234.50"
    assert not [q["sql"] for q in queries.captured_queries if q["sql"].startswith("EXPLAIN")]
    assert sorted(map(tuple, CachedResult.objects.values_list("tables", flat=True))) == tables


def test_a_kept_result_is_stored_without_waiting_for_the_disk_and_the_session_is_as_it_was(units):
    """The store's own transaction sets ``synchronous_commit`` off (a kept result is a copy the
    next read recomputes if a crash loses it); the row is there after, and the connection's next
    transactions wait for the disk again."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        before = cursor.fetchone()[0]
    with CaptureQueriesContext(connection) as ctx:
        assert resultcache.cached(["async-store", 1], lambda: OrgUnit.objects.count()) == OrgUnit.objects.count()
    statements = [q["sql"].strip() for q in ctx.captured_queries]
    store = next(i for i, sql in enumerate(statements) if sql.startswith("INSERT INTO core_cachedresult"))
    assert statements[store - 1] == "SET LOCAL synchronous_commit = off", statements
    assert CachedResult.objects.filter(tables__contains=["core_orgunit"]).exists()
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == before == "on"
