"""EXPLAIN (ANALYZE, BUFFERS) of the hot queries, written to bench/results/plans.txt.

``python -m bench.plans`` after a run (the database is left in place), or at the end of
``bench.run``. Statements that write are explained inside a transaction that is rolled back.
"""

import os
from pathlib import Path

from bench.floor_wsgi import QUERIES

RESULTS = Path(__file__).resolve().parent / "results"

ENGINE = {
    "payouts batch: tranches of 2,000 agreements": """
        SELECT id, agreement_id, sequence, planned_amount, state FROM funding_tranche
        WHERE agreement_id IN (SELECT id FROM funding_agreement WHERE state = 'active' ORDER BY id LIMIT 2000)""",
    "payouts batch: milestones of the unpaid tranches": """
        SELECT m.* FROM funding_milestone m WHERE m.tranche_id IN (
          SELECT t.id FROM funding_tranche t WHERE t.state IN ('waiting', 'eligible', 'held') AND t.agreement_id IN
            (SELECT id FROM funding_agreement WHERE state = 'active' ORDER BY id LIMIT 2000)) ORDER BY m.id""",
    "exit flags: last reported quarter per enterprise": """
        SELECT enterprise_id, max(year * 4 + quarter - 1) FROM enterprises_operatingreport
        WHERE is_current AND period_kind = 'quarter'
          AND enterprise_id IN (SELECT enterprise_id FROM funding_agreement WHERE state IN ('active', 'suspended'))
        GROUP BY enterprise_id""",
    "exit flags: reported revenue per enterprise": """
        SELECT enterprise_id, sum(main_revenue) FROM enterprises_operatingreport
        WHERE is_current AND enterprise_id IN (SELECT enterprise_id FROM funding_agreement
                                               WHERE state IN ('active', 'suspended'))
        GROUP BY enterprise_id""",
    "exit flags: overdue milestones": """
        SELECT m.id, t.agreement_id FROM funding_milestone m JOIN funding_tranche t ON t.id = m.tranche_id
        WHERE t.state IN ('waiting', 'eligible', 'held') AND NOT m.met
          AND (m.due_on <= now()::date - 180 OR (m.due_on IS NULL AND t.due_on <= now()::date - 180))
        ORDER BY t.agreement_id, m.due_on, m.id""",
}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qinhuai_talent.settings.main")
    import django

    django.setup()
    from django.db import connection, transaction

    out = []
    statements = {f"list floor {path}": sql for path, sql in QUERIES.items()} | ENGINE
    for name, sql in statements.items():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, {"page": 50, "year": 2026})
            plan = "\n".join(r[0] for r in cursor.fetchall())
            transaction.set_rollback(True)
        out.append(f"### {name}\n\n{sql.strip()}\n\n{plan}\n")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "plans.txt").write_text("\n".join(out))
    print(f"wrote {RESULTS / 'plans.txt'}")


if __name__ == "__main__":
    main()
