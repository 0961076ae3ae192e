"""Stream generated rows into a table: PostgreSQL COPY in chunks, or executemany on SQLite.

The writer fills every column the generator does not give from the model itself (the field's
default, NULL where allowed, "" for a blank text field), so a field another app adds later does
not break the generator; a NOT NULL column with no default is an error naming that column.
"""

# Table and column names come from the models, values travel as COPY data or parameters.
# ruff: noqa: S608

import io
import json

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models
from django.db.models.fields import NOT_PROVIDED

ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(ESCAPES)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False).translate(ESCAPES)
    return str(value)


def _default_for(field: models.Field):
    if field.default is not NOT_PROVIDED:
        return field.get_default()
    if field.null:
        return None
    if isinstance(field, models.CharField | models.TextField) and field.blank:
        return ""
    raise ImproperlyConfigured(
        f"{field.model._meta.db_table}.{field.column} is NOT NULL without a default: the scale generator must fill it"
    )


class TableWriter:
    """``add(row)`` takes a tuple in the order of ``columns`` (attribute names, e.g. ``org_unit_id``)."""

    def __init__(self, model, columns: list[str], chunk_rows: int = 50_000):
        self.model = model
        self.table = model._meta.db_table
        by_column = {f.column: f for f in model._meta.concrete_fields}
        unknown = [c for c in columns if c not in by_column]
        if unknown:
            raise ImproperlyConfigured(f"{self.table} has no column {', '.join(unknown)}")
        self.columns = list(columns)
        self.rest = [f for f in model._meta.concrete_fields if f.column not in columns and not f.primary_key]
        self.fields = [by_column[c] for c in columns] + self.rest
        self.rest_values = tuple(_default_for(f) for f in self.rest)
        self.postgres = connection.vendor == "postgresql"
        self.rest_text = "\t".join(_copy_text(v) for v in self.rest_values)
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
        names = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        with connection.cursor() as cursor:
            if self.postgres:
                tail = "\t" + self.rest_text if self.rest else ""
                buf = io.StringIO()
                buf.write("".join("\t".join(map(_copy_text, r)) + tail + "\n" for r in self.rows))
                buf.seek(0)
                cursor.copy_expert(f"COPY {connection.ops.quote_name(self.table)} ({names}) FROM STDIN", buf)
            else:
                marks = ", ".join(["%s"] * len(self.fields))
                params = [
                    [f.get_db_prep_save(v, connection) for f, v in zip(self.fields, r + self.rest_values, strict=True)]
                    for r in self.rows
                ]
                cursor.executemany(
                    f"INSERT INTO {connection.ops.quote_name(self.table)} ({names}) VALUES ({marks})", params
                )
        self.count += len(self.rows)
        self.rows = []

    def close(self) -> int:
        self.flush()
        return self.count


def next_id(model) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1
