"""EXPLAIN (ANALYZE, BUFFERS) of the hot queries, written to bench/results/plans.txt.

``python -m bench.plans [year]`` after a run (the database is left in place), or at the end of
``bench.run``. Three groups: the portal's own statements for each endpoint of the web phase, as
captured from one request that computes (the result cache emptied first) and from one served by
the cache; the floor app's statements; the engine's batch reads. Statements that write are not
explained.
"""

import os
import sys
from collections.abc import Iterator
from itertools import chain
from pathlib import Path

from bench.floor_wsgi import COUNTS, FIRST_RUN, QUERIES
from bench.floor_wsgi import params as floor_params

RESULTS = Path(os.environ.get("BENCH_RESULTS") or Path(__file__).resolve().parent / "results")

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
# Authentication's own lookups (the token with its user, the user's other tokens) are the same
# for every endpoint.
_SKIP = ('SELECT "knox_authtoken"',)


def portal_statements(year: int) -> Iterator[tuple[str, str]]:
    """The SELECTs each endpoint runs, computing and from the cache, with their parameters inlined;
    yielded as they are captured, so each is explained before the next endpoint empties the cache."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from knox.models import AuthToken

    from bench.run import ENDPOINTS
    from qinhuai_talent.core.models import CachedResult, User

    _instance, token = AuthToken.objects.create(User.objects.get(username="bench-office"))
    client = Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_HOST="127.0.0.1")
    for name, (path, _floor) in ENDPOINTS.items():
        path = path.format(year=year)
        client.get(path)
        for how in ("computing", "from the cache"):
            if how == "computing":
                CachedResult.objects.all().delete()
            with CaptureQueriesContext(connection) as ctx:
                client.get(path)
            selects = [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
            for i, sql in enumerate(s for s in selects if not s.lstrip().startswith(_SKIP)):
                yield f"portal {name} {path} ({how}) #{i + 1}", sql


def main(year: int | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qinhuai_talent.settings.main")
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    year = year or timezone.localdate().year
    params = floor_params(year)
    statements = chain(
        ((name, sql, None) for name, sql in portal_statements(year)),
        ((f"list floor {path}", sql, params) for path, sql in QUERIES.items()),
        ((f"list floor {path} count", sql, None) for path, sql in COUNTS.items()),
        ((f"first run's list floor {path}", sql, params) for path, sql in FIRST_RUN.items()),
        ((name, sql, params) for name, sql in ENGINE.items()),
    )
    out = []
    for name, sql, args in statements:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, args)
            plan = "\n".join(r[0] for r in cursor.fetchall())
            transaction.set_rollback(True)
        out.append(f"### {name}\n\n{sql.strip()}\n\n{plan}\n")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "plans.txt").write_text("\n".join(out))
    print(f"wrote {RESULTS / 'plans.txt'}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else None)
