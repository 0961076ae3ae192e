"""Reads worth keeping (a long list's count, the summary report), kept in the database and served
only while none of the tables they were read from has changed.

How a change is seen. On PostgreSQL a statement trigger on every table of the portal's apps adds
a row ``(table, 1)`` to ``core_tablechange`` for each statement that writes the table (INSERT,
UPDATE, DELETE, COPY, TRUNCATE), in the writer's own transaction and without a lock any other
writer waits for. A table's version is the sum of the weights of its rows that a reader sees: it
only grows, and it grows exactly when a write commits (compaction folds rows into one per table
and keeps the sum).

How a result is kept. Computing it records the tables its queries read (from their plans, so joins,
subqueries and raw SQL all count) and the sum of those tables' versions as read *before* the
first query, so every query saw at least the writes that sum counts. It is served while the sum
over the same tables is still the same: versions only grow, so an equal sum means no write to any
of those tables has committed since, and computing the result again would give the same answer.
The key holds everything else the result depends on (the caller's scope, the parameters, the
language, today's date).

Where that cannot be shown the result is computed as before and not kept: on SQLite (no
triggers), inside a transaction (it may hold uncommitted writes of its own), when a query of the
computation writes, or when it reads a table without the trigger.
"""

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any

from django.apps import apps
from django.core.exceptions import EmptyResultSet
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import QuerySet

from . import prepared

# The apps whose tables carry the trigger; their own cache tables do not (they would count themselves).
TRACKED_APPS = ("core", "talents", "enterprises", "funding", "assessment", "reports", "serviceplatform")
UNTRACKED = {"core_tablechange", "core_cachedresult", "core_heartbeat"}
TRIGGER = "core_table_change"
# Compaction folds the change rows once there are more than this many (a miss reads them all).
COMPACT_AFTER = 2000

_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION core_note_table_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO core_tablechange ("table", weight) VALUES (TG_TABLE_NAME, 1);
    RETURN NULL;
END
$$
"""
_TRIGGER_SQL = (
    'CREATE TRIGGER {trigger} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
    "FOR EACH STATEMENT EXECUTE FUNCTION core_note_table_change()"
)
_LOOKUP_SQL = """
SELECT c.value FROM core_cachedresult c
 WHERE c.key = %s AND c.version = (
       SELECT COALESCE(SUM(t.weight), 0) FROM core_tablechange t
        WHERE t."table" IN (SELECT jsonb_array_elements_text(c.tables)))
"""
# Run on every request that reads a kept result: planned once per connection (``prepared``).
_VALUE_SQL = _LOOKUP_SQL.replace("SELECT c.value", "SELECT c.value, c.version", 1)
_VERSION_SQL = _LOOKUP_SQL.replace("SELECT c.value", "SELECT c.version", 1)
_VERSIONS_SQL = 'SELECT "table", SUM(weight), COUNT(*) FROM core_tablechange GROUP BY "table"'
_STORE_SQL = """
INSERT INTO core_cachedresult (key, tables, version, value, computed_at) VALUES (%s, %s, %s, %s, now())
ON CONFLICT (key) DO UPDATE SET tables = EXCLUDED.tables, version = EXCLUDED.version, value = EXCLUDED.value,
       computed_at = EXCLUDED.computed_at
"""
# Concurrent compactions each fold only the rows they deleted, so the sums stay exact.
_COMPACT_SQL = """
WITH gone AS (DELETE FROM core_tablechange RETURNING "table", weight)
INSERT INTO core_tablechange ("table", weight) SELECT "table", SUM(weight) FROM gone GROUP BY "table"
"""
_EVICT_SQL = "DELETE FROM core_cachedresult WHERE computed_at < now() - interval '1 day'"


def tracked_tables() -> set[str]:
    tables = set()
    for label in TRACKED_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if model._meta.managed and not model._meta.proxy:
                tables.add(model._meta.db_table)
    return tables - UNTRACKED


def install_triggers(using: str = "default", **kwargs) -> None:
    """The change trigger on every tracked table that exists and lacks it (``post_migrate``)."""
    from django.db import connections

    conn = connections[using]
    if conn.vendor != "postgresql":
        return
    existing = set(conn.introspection.table_names())
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid WHERE g.tgname = %s", [TRIGGER]
        )
        have = {row[0] for row in cursor.fetchall()}
        missing = sorted((tracked_tables() & existing) - have)
        if missing:
            cursor.execute(_FUNCTION_SQL)
            for table in missing:
                cursor.execute(_TRIGGER_SQL.format(trigger=TRIGGER, table=table))


# Set while a result is computed: a cached read inside it is simply part of it.
_computing: ContextVar[bool] = ContextVar("resultcache_computing", default=False)


def usable() -> bool:
    return connection.vendor == "postgresql" and not connection.in_atomic_block and not _computing.get()


def _key(parts: Iterable) -> str:
    return hashlib.sha256(json.dumps(list(parts), cls=DjangoJSONEncoder, sort_keys=True).encode()).hexdigest()


def _relations(plan) -> Iterable[str]:
    if isinstance(plan, dict):
        if "Relation Name" in plan:
            yield plan["Relation Name"]
        for value in plan.values():
            yield from _relations(value)
    elif isinstance(plan, list):
        for value in plan:
            yield from _relations(value)


# The tables a statement reads, by its text and parameters: the same statement with the same
# parameters has the same plan's relations (the schema changes only with a deploy, which restarts
# the process). A result recomputed after a write (a filing invalidating the summary all day) then
# costs its statements and no EXPLAIN before each. Bounded, oldest first out.
_PLAN_TABLES: OrderedDict[tuple, frozenset[str]] = OrderedDict()
PLAN_MEMO_SIZE = 4096
_PLAN_LOCK = threading.Lock()


def _frozen(value):
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    hash(value)  # TypeError for anything else unhashable: not memoised
    return value


class _Reads:
    """Records the tables the SELECTs run through the connection read, from their plans (the
    EXPLAIN runs through the same cursor, so query logs count it), each statement's planned once
    per process (``_PLAN_TABLES``)."""

    def __init__(self):
        self.tables: set[str] = set()
        self.only_reads = True
        self.explaining = False

    def __call__(self, execute, sql, params, many, context):
        if self.explaining:
            return execute(sql, params, many, context)
        if many or not sql.lstrip()[:6].upper() == "SELECT":
            self.only_reads = False
            return execute(sql, params, many, context)
        try:
            memo = (connection.alias, sql, _frozen(params))
        except TypeError:
            memo = None
        known = _PLAN_TABLES.get(memo) if memo is not None else None
        if known is None:
            self.explaining = True
            try:
                cursor = context["cursor"]
                cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
                plan = cursor.fetchone()[0]
            finally:
                self.explaining = False
            known = frozenset(_relations(plan if not isinstance(plan, str) else json.loads(plan)))
            if memo is not None:
                with _PLAN_LOCK:
                    _PLAN_TABLES[memo] = known
                    if len(_PLAN_TABLES) > PLAN_MEMO_SIZE:
                        _PLAN_TABLES.popitem(last=False)
        self.tables.update(known)
        return execute(sql, params, many, context)


def cached(parts: Iterable, compute: Callable[[], Any]) -> Any:
    """``compute()``'s JSON-serialisable result, kept under ``parts`` (everything besides the
    tables' contents that it depends on) while the tables it reads are unchanged."""
    return cached_with_fingerprint(parts, compute)[0]


def cached_with_fingerprint(parts: Iterable, compute: Callable[[], Any]) -> tuple[Any, str | None]:
    """``cached``, with the result's ``fingerprint`` from the same lookup (``None`` where the
    result is not kept): a kept result costs one query, its ETag included."""
    if not usable():
        return compute(), None
    key = _key(parts)
    with connection.cursor() as cursor:
        prepared.execute(cursor, _VALUE_SQL, [key])
        row = cursor.fetchone()
        if row is not None:
            return (row[0] if not isinstance(row[0], str) else json.loads(row[0])), f"{key}-{row[1]}"
        cursor.execute(_VERSIONS_SQL)
        versions, rows = {}, 0
        for table, version, count in cursor.fetchall():
            versions[table] = version
            rows += count
    reads = _Reads()
    token = _computing.set(True)
    try:
        with connection.execute_wrapper(reads):
            value = compute()
    finally:
        _computing.reset(token)
    if not reads.only_reads or not reads.tables <= tracked_tables():
        return value, None
    tables = sorted(reads.tables)
    encoded = json.dumps(value, cls=DjangoJSONEncoder)
    version = sum(versions.get(t, 0) for t in tables)
    # A kept result is only ever a copy: its commit need not wait for the disk (a crash may lose
    # it, and the next read computes it again), so the request that computed it does not either.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute(_STORE_SQL, [key, json.dumps(tables), version, encoded])
        if rows > COMPACT_AFTER:
            cursor.execute(_COMPACT_SQL)
            cursor.execute(_EVICT_SQL)
    return json.loads(encoded), f"{key}-{version}"


def fingerprint(parts: Iterable) -> str | None:
    """The identity of the result kept under ``parts`` while it is current (its key and the
    version of the tables it read), without reading or computing it: an ``ETag`` that changes
    exactly when the result would. ``None`` where nothing current is kept (SQLite among them)."""
    if not usable():
        return None
    key = _key(parts)
    with connection.cursor() as cursor:
        prepared.execute(cursor, _VERSION_SQL, [key])
        row = cursor.fetchone()
    return None if row is None else f"{key}-{row[0]}"


def count(queryset: QuerySet) -> int:
    """``queryset.count()``, kept while the tables it counts are unchanged."""
    if not usable():
        return queryset.count()
    # The key is the query without what does not change the count (columns, joins of
    # select_related, annotations no filter uses, ordering): cheaper to compile than the page's.
    query = queryset.query.chain()
    if not (query.combinator or query.group_by is not None or query.distinct or query.is_sliced):
        query.clear_select_clause()
        query.clear_ordering(force=True)
        query.add_fields([queryset.model._meta.pk.name])
    try:
        sql, params = query.sql_with_params()
    except EmptyResultSet:
        return 0
    return cached(("count", queryset.db, sql, [str(p) for p in params]), queryset.count)
