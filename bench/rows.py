"""Stream generated rows into tables: PostgreSQL COPY, or executemany on SQLite.

The writer fills every column the generator does not give from the model itself
(``core.inserts.default_for``: the field's default, NULL where allowed, "" for a blank text
field), so a field another app adds later does not break the generator; a NOT NULL column with no
default is an error naming that column.

On PostgreSQL a ``Loader`` runs the COPYs and the server-side ``INSERT … SELECT`` statements in a
thread of its own, in order, on the seed's connection and inside its transaction: PostgreSQL
ingests one chunk while Python generates the next. ``bulk_load`` follows PostgreSQL's advice for
populating a database: the loaded tables' secondary indexes and foreign keys are dropped for the
load and recreated from their own definitions afterwards (a sorted index build and one
anti-join per key instead of a per-row index insert and a deferred per-row key check at commit).
"""

# Table and column names come from the models and the catalog, values travel as COPY data or
# parameters.
# ruff: noqa: S608

import io
import json
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from qinhuai_talent.core.inserts import default_for

ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_FORMATS = {
    str: lambda v: v.translate(ESCAPES),
    int: str,
    Decimal: str,
    date: str,
    datetime: str,
    float: repr,
    bool: lambda v: "t" if v else "f",
    type(None): lambda v: "\\N",
    dict: lambda v: json.dumps(v, ensure_ascii=False).translate(ESCAPES),
    list: lambda v: json.dumps(v, ensure_ascii=False).translate(ESCAPES),
}


def _copy_text(value) -> str:
    return _FORMATS.get(type(value), str)(value)


class Loader:
    """Runs statements and COPYs in order. On PostgreSQL in a thread of its own, on the raw
    connection of the current transaction; the caller must ``wait()`` before it uses the
    connection itself. On SQLite everything runs at once, in the caller's thread."""

    def __init__(self, max_pending: int = 16):
        self.postgres = connection.vendor == "postgresql"
        self.error: BaseException | None = None
        if self.postgres:
            connection.ensure_connection()
            self.raw = connection.connection
            self.jobs: queue.Queue = queue.Queue(maxsize=max_pending)
            self.thread = threading.Thread(target=self._work, name="seed-loader", daemon=True)
            self.thread.start()

    def _work(self) -> None:
        while True:
            job = self.jobs.get()
            try:
                if job is None:
                    return
                if self.error is None:
                    job()
            except BaseException as exc:  # re-raised in the caller's thread
                self.error = exc
            finally:
                self.jobs.task_done()

    def _submit(self, job) -> None:
        if self.error is not None:
            raise self.error
        if self.postgres:
            self.jobs.put(job)
        else:
            job()

    def execute(self, sql: str, params: list | tuple = ()) -> None:
        if self.postgres:

            def job():
                with self.raw.cursor() as cursor:
                    cursor.execute(sql, params)

            self._submit(job)
        else:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)

    def copy(self, table: str, names: str, text: str) -> None:
        data = text.encode()

        def job():
            with self.raw.cursor() as cursor:
                # One read of the whole chunk: the thread then sends it without the GIL.
                cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN", io.BytesIO(data), size=len(data) + 1)

        self._submit(job)

    def wait(self) -> None:
        """Until everything submitted ran; then the connection is the caller's again."""
        if self.postgres:
            self.jobs.join()
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        if self.postgres and self.thread.is_alive():
            self.jobs.put(None)
            self.thread.join()
        if self.error is not None:
            raise self.error


def _fields(model, columns: list[str]) -> tuple[list, list]:
    table = model._meta.db_table
    by_column = {f.column: f for f in model._meta.concrete_fields}
    unknown = [c for c in columns if c not in by_column]
    if unknown:
        raise ImproperlyConfigured(f"{table} has no column {', '.join(unknown)}")
    rest = [f for f in model._meta.concrete_fields if f.column not in columns and not f.primary_key]
    return [by_column[c] for c in columns], rest


class TableWriter:
    """``add(row)`` takes a tuple in the order of ``columns`` (attribute names, e.g. ``org_unit_id``)."""

    def __init__(self, model, columns: list[str], loader: Loader, chunk_rows: int = 50_000):
        self.loader = loader
        self.table = connection.ops.quote_name(model._meta.db_table)
        given, self.rest = _fields(model, columns)
        self.fields = given + self.rest
        self.names = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        self.rest_values = tuple(default_for(f) for f in self.rest)
        self.tail = "".join("\t" + _copy_text(v) for v in self.rest_values) + "\n"
        self.chunk_rows = chunk_rows
        self.rows: list = []
        self.count = 0

    def add(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.chunk_rows:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        if self.loader.postgres:
            fmt, tail = _copy_text, self.tail
            self.loader.copy(self.table, self.names, "".join("\t".join(map(fmt, r)) + tail for r in self.rows))
        else:
            marks = ", ".join(["%s"] * len(self.fields))
            params = [
                [f.get_db_prep_save(v, connection) for f, v in zip(self.fields, r + self.rest_values, strict=True)]
                for r in self.rows
            ]
            with connection.cursor() as cursor:
                cursor.executemany(f"INSERT INTO {self.table} ({self.names}) VALUES ({marks})", params)
        self.count += len(self.rows)
        self.rows = []

    def close(self) -> int:
        self.flush()
        return self.count


def insert_select(loader: Loader, model, columns: dict[str, str], tail: str, params: list | tuple = ()) -> None:
    """``INSERT INTO <model's table> (columns…) SELECT <expressions…> <tail>`` on the server; the
    other columns get the model's defaults, as ``TableWriter`` gives them. ``columns`` maps each
    column to its SQL expression; ``tail`` is the ``FROM …`` part."""
    given, rest = _fields(model, list(columns))
    names = ", ".join(connection.ops.quote_name(f.column) for f in given + rest)
    exprs = ", ".join([*columns.values(), *(["%s"] * len(rest))])
    defaults = [f.get_db_prep_save(default_for(f), connection) for f in rest]
    table = connection.ops.quote_name(model._meta.db_table)
    # The defaults come first in the SELECT list, so their parameters precede the tail's.
    loader.execute(f"INSERT INTO {table} ({names}) SELECT {exprs} {tail}", [*defaults, *params])


_DEFERRED_DDL = """
SELECT 'index', c.relname, pg_get_indexdef(i.indexrelid), format('DROP INDEX %%I', ic.relname)
  FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
 WHERE c.relname = ANY(%(tables)s) AND c.relnamespace = current_schema()::regnamespace AND NOT i.indisprimary
   AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
UNION ALL
SELECT 'constraint', c.relname, format('ALTER TABLE %%I ADD CONSTRAINT %%I %%s', c.relname, k.conname,
       pg_get_constraintdef(k.oid)), format('ALTER TABLE %%I DROP CONSTRAINT %%I', c.relname, k.conname)
  FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
 WHERE c.relname = ANY(%(tables)s) AND c.relnamespace = current_schema()::regnamespace
   AND k.contype IN ('u', 'x')
   AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = k.conindid)
UNION ALL
SELECT 'foreign key', c.relname, format('ALTER TABLE %%I ADD CONSTRAINT %%I %%s', c.relname, k.conname,
       pg_get_constraintdef(k.oid)), format('ALTER TABLE %%I DROP CONSTRAINT %%I', c.relname, k.conname)
  FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
 WHERE c.relname = ANY(%(tables)s) AND c.relnamespace = current_schema()::regnamespace AND k.contype = 'f'
"""
_ORDER = {"index": 0, "constraint": 0, "foreign key": 1}


@contextmanager
def bulk_load(models_: list) -> Iterator[None]:
    """Inside the current transaction: drop the secondary indexes, unique constraints and foreign
    keys of ``models_``'s tables, and recreate each from its own catalog definition at the end
    (indexes first, then the keys, each validated in one statement). Primary keys stay. On SQLite,
    nothing changes."""
    if connection.vendor != "postgresql":
        yield
        return
    tables = [m._meta.db_table for m in models_]
    with connection.cursor() as cursor:
        # Sorts of the server-side generation and the index builds stay in memory.
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        # Checks still pending from earlier writes run now: a table with pending checks cannot be altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(_DEFERRED_DDL, {"tables": tables})
        ddl = cursor.fetchall()
        for _kind, _table, _create, drop in sorted(ddl, key=lambda r: -_ORDER[r[0]]):
            cursor.execute(drop)
    yield
    with connection.cursor() as cursor:
        for _kind, _table, create, _drop in sorted(ddl, key=lambda r: _ORDER[r[0]]):
            cursor.execute(create)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def next_id(model) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1
