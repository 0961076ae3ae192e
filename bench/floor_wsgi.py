"""The floor for the web lists: a bare WSGI app answering each list with ONE raw SQL query that
returns the same page of rows (same order, same count), serialised straight to JSON. It is served
only by the bench (gunicorn ``bench.floor_wsgi:app``), never by the portal's URLconf.
"""

import json
import os

import psycopg2
from psycopg2.extras import RealDictCursor

PAGE = 50
QUERIES = {
    "/enterprises/": """
        SELECT e.id, e.name, u.code AS org_unit, e.cumulative_sales, e.cumulative_revenue, e.cumulative_financing,
               e.revenue_tier, e.enterprise_class, e.latest_grade, e.latest_employees, e.status,
               count(*) OVER () AS total
        FROM enterprises_enterprise e JOIN core_orgunit u ON u.id = e.org_unit_id
        ORDER BY e.name LIMIT %(page)s""",
    "/applications/": """
        SELECT a.id, a.venture_name, u.code AS org_unit, a.state, a.score, a.requested_support, a.created_at,
               t.name AS talent, p.code AS program, c.year, count(*) OVER () AS total
        FROM talents_application a JOIN core_orgunit u ON u.id = a.org_unit_id
             JOIN talents_talent t ON t.id = a.talent_id
             JOIN talents_call c ON c.id = a.call_id JOIN talents_program p ON p.id = c.program_id
        ORDER BY a.created_at DESC, a.id DESC LIMIT %(page)s""",
    "/payouts/": """
        SELECT p.id, p.tranche_id, p.agreement_id, g.number, u.code AS org_unit, p.amount, p.factor, p.approver_level,
               p.state, p.computed_at, count(*) OVER () AS total
        FROM funding_payout p JOIN funding_agreement g ON g.id = p.agreement_id
             JOIN core_orgunit u ON u.id = p.org_unit_id
        WHERE p.state = 'proposed'
        ORDER BY p.computed_at DESC, p.id DESC LIMIT %(page)s""",
    "/exit-flags/": """
        SELECT f.id, f.agreement_id, g.number, u.code AS org_unit, f.rule, f.evidence, f.state, f.raised_at,
               count(*) OVER () AS total
        FROM funding_exitflag f JOIN funding_agreement g ON g.id = f.agreement_id
             JOIN core_orgunit u ON u.id = f.org_unit_id
        WHERE f.state = 'open'
        ORDER BY f.raised_at DESC, f.id DESC LIMIT %(page)s""",
    "/summary/": """
        SELECT
          (SELECT json_agg(x) FROM (SELECT p.code, p.level, t.origin, count(*) FROM talents_title t
             JOIN talents_program p ON p.id = t.program_id GROUP BY 1, 2, 3) x) AS titles,
          (SELECT json_agg(x) FROM (SELECT p.code, a.state, count(*) FROM talents_application a
             JOIN talents_call c ON c.id = a.call_id JOIN talents_program p ON p.id = c.program_id
             WHERE c.year = %(year)s GROUP BY 1, 2) x) AS pipeline,
          (SELECT row_to_json(x) FROM (SELECT count(*), sum(cumulative_sales) AS sales,
             sum(cumulative_financing) AS financing, count(*) FILTER (WHERE cumulative_revenue >= 10000000) AS r10,
             count(*) FILTER (WHERE cumulative_revenue >= 50000000) AS r50,
             count(*) FILTER (WHERE listing = 'neeq') AS neeq FROM enterprises_enterprise) x) AS enterprises,
          (SELECT row_to_json(x) FROM (SELECT sum(amount) FILTER (WHERE kind = 'payment') AS paid,
             sum(amount) FILTER (WHERE kind <> 'payment') AS recovered FROM funding_ledgerentry) x) AS funding,
          (SELECT count(*) FROM funding_exitflag WHERE state = 'open') AS open_flags""",
}

_conn = None


def _connection():
    global _conn
    if _conn is None or _conn.closed:
        _conn = psycopg2.connect(os.environ["BENCH_FLOOR_DSN"])
        _conn.autocommit = True
    return _conn


def app(environ, start_response):
    sql = QUERIES.get(environ.get("PATH_INFO", ""))
    if sql is None:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    with _connection().cursor(cursor_factory=RealDictCursor) as cursor:
        cursor.execute(sql, {"page": PAGE, "year": int(os.environ.get("BENCH_YEAR", "2026"))})
        rows = cursor.fetchall()
    body = json.dumps({"results": rows}, default=str, ensure_ascii=False).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
