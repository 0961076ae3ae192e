"""The floor for the web lists: a bare WSGI app answering each list with the same page of rows as
the portal (same order, the same fields its serializer gives) from ONE raw SQL query and the exact
total from a plain ``count(*)`` (what an exact count costs when nothing is kept between
requests), serialised straight to JSON; the summary is one statement of five aggregates. It is
served only by the bench (gunicorn ``bench.floor_wsgi:app``), never by the portal's URLconf.

``/first-run/…`` answers as the first run's floor did (fewer fields, the total from
``count(*) OVER ()`` in the page query), so that run's figures can be compared on its yardstick.
``count(*) OVER ()`` makes PostgreSQL read every row of the list before the first fifty, which is
slower than a separate count: that floor was not a floor (BENCHMARKS.md, first run).
"""

import json
import os

import psycopg2
from psycopg2.extras import RealDictCursor

PAGE = 50
QUERIES = {
    "/enterprises/": """
        SELECT e.id, e.name, e.credit_code, e.registered_on, e.moved_in_on, e.registered_capital, e.paid_in_capital,
               e.address, u.code AS org_unit, i.code AS industry, e.maker_space_id AS maker_space, e.listing,
               e.listed_on, e.liaison_officer_id AS liaison_officer, e.status, e.status_changed_on,
               e.cumulative_sales, e.cumulative_revenue, e.cumulative_financing, e.revenue_growth, e.revenue_tier,
               e.enterprise_class, e.latest_grade, e.latest_report_year, e.latest_report_quarter, e.latest_employees,
               e.figures_updated_at
        FROM enterprises_enterprise e JOIN core_orgunit u ON u.id = e.org_unit_id
             JOIN talents_industry i ON i.id = e.industry_id
        ORDER BY e.name, e.id LIMIT %(page)s""",
    "/applications/": """
        SELECT a.id, a.talent_id AS talent, t.name AS talent_name, a.call_id AS call, p.code AS program, c.year,
               u.code AS org_unit, i.code AS industry, a.venture_name, a.summary, a.requested_support,
               a.source_channel, a.is_legal_representative, a.own_paid_in_capital, a.company_founded_on, a.state,
               a.submitted_at, a.industry_fit, a.industry_fit_reasons, a.score,
               (SELECT count(*) FROM talents_reviewassignment r
                 WHERE r.application_id = a.id AND r.submitted_at IS NOT NULL AND NOT r.conflict_declared)
                 AS review_count,
               a.officer_comment, a.defense_votes_for, a.defense_votes_against, a.defense_abstentions,
               a.notice_starts_on, a.notice_ends_on, a.decided_at
        FROM talents_application a JOIN core_orgunit u ON u.id = a.org_unit_id
             JOIN talents_talent t ON t.id = a.talent_id JOIN talents_industry i ON i.id = a.industry_id
             JOIN talents_call c ON c.id = a.call_id JOIN talents_program p ON p.id = c.program_id
        ORDER BY a.created_at DESC, a.id DESC LIMIT %(page)s""",
    "/payouts/": """
        SELECT p.id, p.agreement_id AS agreement, g.number AS agreement_number, p.tranche_id AS tranche,
               t.sequence AS tranche_sequence, u.code AS org_unit, p.amount, p.factor, p.approver_level, p.state,
               p.explanation, pu.username AS prepared_by, au.username AS approved_by, p.approved_at, p.paid_at,
               p.voucher, p.computed_at
        FROM funding_payout p JOIN funding_agreement g ON g.id = p.agreement_id
             JOIN funding_tranche t ON t.id = p.tranche_id JOIN core_orgunit u ON u.id = p.org_unit_id
             LEFT JOIN core_user pu ON pu.id = p.prepared_by_id LEFT JOIN core_user au ON au.id = p.approved_by_id
        WHERE p.state = 'proposed'
        ORDER BY p.computed_at DESC, p.id DESC LIMIT %(page)s""",
    "/exit-flags/": """
        SELECT f.id, f.agreement_id AS agreement, u.code AS org_unit, f.rule, f.evidence, f.details, f.state,
               f.raised_at, f.closed_at, cu.username AS closed_by, f.reason
        FROM funding_exitflag f JOIN core_orgunit u ON u.id = f.org_unit_id
             LEFT JOIN core_user cu ON cu.id = f.closed_by_id
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
    # The header's search for a common name, as the office runs it (no unit scope): five kinds,
    # eleven rows each (ten shown, one to tell that more match), through the same UPPER(…) LIKE the
    # portal's ``icontains`` writes, which the trigram indexes serve.
    "/search/": """
        SELECT
          (SELECT json_agg(x) FROM (SELECT a.id, t.name, a.venture_name, a.state FROM talents_application a
             JOIN talents_talent t ON t.id = a.talent_id
             WHERE UPPER(t.name::text) LIKE UPPER(%(q)s) OR UPPER(a.venture_name::text) LIKE UPPER(%(q)s)
             ORDER BY a.created_at DESC, a.id DESC LIMIT 11) x) AS applications,
          (SELECT json_agg(x) FROM (SELECT id, name, id_number FROM talents_talent
             WHERE UPPER(name::text) LIKE UPPER(%(q)s) ORDER BY name, id LIMIT 11) x) AS talents,
          (SELECT json_agg(x) FROM (SELECT id, name, credit_code FROM enterprises_enterprise
             WHERE UPPER(name::text) LIKE UPPER(%(q)s) OR UPPER(credit_code::text) LIKE UPPER(%(q)s)
             ORDER BY name, id LIMIT 11) x) AS enterprises,
          (SELECT json_agg(x) FROM (SELECT g.id, g.number, e.name, t.name AS talent, g.state FROM funding_agreement g
             JOIN enterprises_enterprise e ON e.id = g.enterprise_id JOIN talents_talent t ON t.id = g.talent_id
             WHERE UPPER(g.number::text) LIKE UPPER(%(q)s) OR UPPER(e.name::text) LIKE UPPER(%(q)s)
                OR UPPER(t.name::text) LIKE UPPER(%(q)s)
             ORDER BY g.starts_on DESC, g.id DESC LIMIT 11) x) AS agreements,
          (SELECT json_agg(x) FROM (SELECT p.id, g.number, e.name, p.amount, p.state FROM funding_payout p
             JOIN funding_agreement g ON g.id = p.agreement_id
             JOIN enterprises_enterprise e ON e.id = g.enterprise_id JOIN talents_talent t ON t.id = g.talent_id
             WHERE UPPER(g.number::text) LIKE UPPER(%(q)s) OR UPPER(e.name::text) LIKE UPPER(%(q)s)
                OR UPPER(t.name::text) LIKE UPPER(%(q)s)
             ORDER BY p.computed_at DESC, p.id DESC LIMIT 11) x) AS payouts""",
}
# The search the bench runs: a common name (a surname and a given name of the seed's lists).
SEARCH_QUERY = "王伟"
COUNTS = {
    "/enterprises/": "SELECT count(*) FROM enterprises_enterprise",
    "/applications/": "SELECT count(*) FROM talents_application",
    "/payouts/": "SELECT count(*) FROM funding_payout WHERE state = 'proposed'",
    "/exit-flags/": "SELECT count(*) FROM funding_exitflag WHERE state = 'open'",
}
FIRST_RUN = {
    "/first-run/enterprises/": """
        SELECT e.id, e.name, u.code AS org_unit, e.cumulative_sales, e.cumulative_revenue, e.cumulative_financing,
               e.revenue_tier, e.enterprise_class, e.latest_grade, e.latest_employees, e.status,
               count(*) OVER () AS total
        FROM enterprises_enterprise e JOIN core_orgunit u ON u.id = e.org_unit_id
        ORDER BY e.name LIMIT %(page)s""",
    "/first-run/applications/": """
        SELECT a.id, a.venture_name, u.code AS org_unit, a.state, a.score, a.requested_support, a.created_at,
               t.name AS talent, p.code AS program, c.year, count(*) OVER () AS total
        FROM talents_application a JOIN core_orgunit u ON u.id = a.org_unit_id
             JOIN talents_talent t ON t.id = a.talent_id
             JOIN talents_call c ON c.id = a.call_id JOIN talents_program p ON p.id = c.program_id
        ORDER BY a.created_at DESC, a.id DESC LIMIT %(page)s""",
    "/first-run/payouts/": """
        SELECT p.id, p.tranche_id, p.agreement_id, g.number, u.code AS org_unit, p.amount, p.factor, p.approver_level,
               p.state, p.computed_at, count(*) OVER () AS total
        FROM funding_payout p JOIN funding_agreement g ON g.id = p.agreement_id
             JOIN core_orgunit u ON u.id = p.org_unit_id
        WHERE p.state = 'proposed'
        ORDER BY p.computed_at DESC, p.id DESC LIMIT %(page)s""",
    "/first-run/exit-flags/": """
        SELECT f.id, f.agreement_id, g.number, u.code AS org_unit, f.rule, f.evidence, f.state, f.raised_at,
               count(*) OVER () AS total
        FROM funding_exitflag f JOIN funding_agreement g ON g.id = f.agreement_id
             JOIN core_orgunit u ON u.id = f.org_unit_id
        WHERE f.state = 'open'
        ORDER BY f.raised_at DESC, f.id DESC LIMIT %(page)s""",
}

_conn = None


def params(year: int) -> dict:
    """The parameters of the floor's statements (also explained by ``bench/plans.py``)."""
    return {"page": PAGE, "year": year, "q": f"%{SEARCH_QUERY}%"}


def _connection():
    global _conn
    if _conn is None or _conn.closed:
        _conn = psycopg2.connect(os.environ["BENCH_FLOOR_DSN"])
        _conn.autocommit = True
    return _conn


# The filing's floor: the row the portal's filing writes, in one INSERT, from the posted JSON.
FILING = """
    INSERT INTO enterprises_operatingreport (enterprise_id, period_kind, year, quarter, sales, main_revenue,
        net_profit, tax_paid, employees, insured_employees, rnd_spend, patents_filed, patents_granted, version,
        is_current, submitted_by_id, submitted_at)
    VALUES (%(enterprise)s, 'quarter', %(year)s, %(quarter)s, %(sales)s, %(main_revenue)s, %(net_profit)s,
        %(tax_paid)s, %(employees)s, %(insured_employees)s, %(rnd_spend)s, %(patents_filed)s, %(patents_granted)s,
        1, true, %(account)s, now())
    RETURNING id"""


def _filing(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    data = json.loads(environ["wsgi.input"].read(length))
    with _connection().cursor() as cursor:
        cursor.execute(FILING, data)
        body = json.dumps({"id": cursor.fetchone()[0]}).encode()
    start_response("201 Created", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def app(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if path == "/filing/" and environ.get("REQUEST_METHOD") == "POST":
        return _filing(environ, start_response)
    sql = QUERIES.get(path) or FIRST_RUN.get(path)
    if sql is None:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    with _connection().cursor(cursor_factory=RealDictCursor) as cursor:
        cursor.execute(sql, params(int(os.environ.get("BENCH_YEAR", "2026"))))
        answer = {"results": cursor.fetchall()}
        if path in COUNTS:
            cursor.execute(COUNTS[path])
            answer["count"] = cursor.fetchone()["count"]
    body = json.dumps(answer, default=str, ensure_ascii=False).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
