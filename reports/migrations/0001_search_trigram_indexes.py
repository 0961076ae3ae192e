"""Trigram indexes for the header's search (reports.search) on PostgreSQL.

Django's ``icontains`` reads ``UPPER(column::text) LIKE UPPER('%…%')``, which a B-tree cannot
serve; a GIN index of the same expression with ``gin_trgm_ops`` can. The migration creates the
``pg_trgm`` extension when the database user may (it is a trusted extension from PostgreSQL 13:
a database owner may create it); where it cannot, the search still works, by scanning, and the
migration says so. Nothing happens on SQLite, where the embedded district is small.
"""

from django.db import migrations

# (index name, table, column)
INDEXES = [
    ("search_talent_name_trgm", "talents_talent", "name"),
    ("search_application_venture_trgm", "talents_application", "venture_name"),
    ("search_enterprise_name_trgm", "enterprises_enterprise", "name"),
    ("search_enterprise_code_trgm", "enterprises_enterprise", "credit_code"),
    ("search_agreement_number_trgm", "funding_agreement", "number"),
]


def _trigram_available(schema_editor) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone():
            return True
        try:
            cursor.execute("SAVEPOINT search_trgm")
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cursor.execute("RELEASE SAVEPOINT search_trgm")
            return True
        except Exception as exc:  # noqa: BLE001 - any refusal (privileges, extension not installed)
            cursor.execute("ROLLBACK TO SAVEPOINT search_trgm")
            print(f"\n  The search runs without trigram indexes: pg_trgm could not be created ({exc}).")
            return False


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql" or not _trigram_available(schema_editor):
        return
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("talents", "0010_portal_clock_stamps"),
        ("enterprises", "0007_import_warnings_and_skipped_rows"),
        ("funding", "0012_payout_returned"),
    ]

    operations = [migrations.RunPython(create, drop)]
