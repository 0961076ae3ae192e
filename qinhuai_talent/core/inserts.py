"""Many new rows of one model in one statement, without a model instance per row.

``bulk_create`` builds a model instance for each row and prepares each value through its field
(``get_db_prep_save``, ``pre_save``): for the twelve thousand payouts a recompute proposes at city
scale that was about a fifth of its Python time in a profile, for values the recompute has already computed in their
final form. ``insert_rows`` takes plain dicts keyed by the fields' attribute names (``org_unit_id``)
and sends them as they are, in one ``INSERT … VALUES … RETURNING`` per thousand rows on PostgreSQL;
elsewhere (SQLite, the embedded mode) it is ``bulk_create``. Either way the pks come back in the
rows' order, and the database's constraints and foreign keys check every row as for any insert.

Every column a row does not give is filled from the model (``default_for``: the field's default,
NULL where allowed, "" for a blank text field; the seed's COPY writer fills its rows the same way);
a JSON field's value is adapted by the field itself. A model with ``auto_now`` fields is refused:
their value is the caller's to give.
"""

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models
from django.db.models.fields import NOT_PROVIDED

PAGE = 1000


def default_for(field: models.Field):
    """The value a column takes when a new row does not give it."""
    if field.default is not NOT_PROVIDED:
        return field.get_default()
    if field.null:
        return None
    if isinstance(field, models.CharField | models.TextField | models.FileField) and field.blank:
        return ""
    raise ImproperlyConfigured(
        f"{field.model._meta.db_table}.{field.column} is NOT NULL without a default: each row must give it"
    )


def _columns(model: type[models.Model]) -> list[models.Field]:
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    auto = [f.name for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    if auto:
        raise ImproperlyConfigured(f"insert_rows: {model.__name__} has auto_now fields {auto}")
    return fields


def insert_rows(model: type[models.Model], rows: list[dict]) -> list[int]:
    """Insert ``rows`` (dicts by attribute name) into ``model``'s table; their pks, in order."""
    if not rows:
        return []
    fields = _columns(model)
    names = [f.attname for f in fields]
    unknown = {key for row in rows for key in row} - set(names)
    if unknown:
        raise ImproperlyConfigured(f"insert_rows: {model.__name__} has no field {sorted(unknown)}")
    # A column some row leaves out takes its default; a callable default (a list, a timestamp) is
    # called for each row that takes it.
    by_name = {f.attname: f for f in fields}
    missing = {name: default_for(by_name[name]) for name in names if any(name not in row for row in rows)}
    fresh = {name for name in missing if callable(by_name[name].default)}
    full = [
        {
            name: row[name] if name in row else default_for(by_name[name]) if name in fresh else missing[name]
            for name in names
        }
        for row in rows
    ]
    if connection.vendor != "postgresql":
        return [obj.pk for obj in model.objects.bulk_create([model(**row) for row in full])]
    adapt = {f.attname: f for f in fields if isinstance(f, models.JSONField)}
    params = [
        adapt[name].get_db_prep_save(row[name], connection) if name in adapt else row[name]
        for row in full
        for name in names
    ]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    pk = connection.ops.quote_name(model._meta.pk.column)
    one = "(" + ", ".join(["%s"] * len(names)) + ")"
    width = len(names)
    pks = []
    with connection.cursor() as cursor:
        for start in range(0, len(full), PAGE):
            n = min(PAGE, len(full) - start)
            # The table, its columns and pk named by the model; the values are parameters.
            sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * n)} RETURNING {pk}"  # noqa: S608
            cursor.execute(sql, params[start * width : (start + n) * width])
            pks.extend(r[0] for r in cursor.fetchall())
    return pks
