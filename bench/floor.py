"""The floor: each recompute as ONE hand-written set-based SQL statement (PostgreSQL), no Python
per row. Data-modifying CTEs see one snapshot, so every decision is computed from the data first
and the writes follow from the decisions. The floor decides the same columns as the engine
(milestone met, tranche state, payout amount/factor/approver/state/preparer, flag key) but does
not render the per-payout explanation text and reasons, which the engine builds in Python; the
digests compare decisions, not prose. Like the engine (``Workflow.apply_many``), each statement
logs every state it moves: one transition-log row per record, hashed onto the record's chain
(sha256 of the same JSON payload as ``TransitionLog.compute_hash``), and the chain's head
advanced, in the same statement.
"""

from datetime import date

from django.db import connection

from funding import engine
from qinhuai_talent.core.clock import add_months

# The floor runs in a transaction rolled back, which never reaches the deferred foreign-key checks
# (Django's keys are DEFERRABLE INITIALLY DEFERRED) that the engine's every commit runs: checked at
# the end of the floor's statement instead, so the two sides check the same rows.
CHECK_NOW = "SET CONSTRAINTS ALL IMMEDIATE"
GRADE_RANK_SQL = "(position({g} in 'ABCD') - 1)"

# ``moves`` (ct, object_id, action, from_state, to_state, reason) → the log rows and chain heads
# ``Workflow.apply_many`` writes: the previous link from the chain's head (or, for a chain
# written before heads existed, its newest row), the hash of the row's payload, the head upserted.
LOG_CTES = """
lp AS (
  SELECT mv.*, 'transition:' || mv.ct || ':' || mv.object_id AS chain,
         coalesce(h.last_hash, (SELECT l.hash FROM core_transitionlog l WHERE l.content_type_id = mv.ct
                  AND l.object_id = mv.object_id ORDER BY l.at DESC, l.id DESC LIMIT 1), '') AS prev_hash,
         coalesce(h.length, (SELECT count(*) FROM core_transitionlog l WHERE l.content_type_id = mv.ct
                  AND l.object_id = mv.object_id)) AS length
  FROM moves mv LEFT JOIN core_chainhead h ON h.chain = 'transition:' || mv.ct || ':' || mv.object_id
),
lh AS (
  SELECT lp.*, encode(sha256(convert_to(json_build_array(lp.ct, lp.object_id, lp.action, lp.from_state,
         lp.to_state, %(actor)s::bigint, lp.reason, %(at_iso)s::text, lp.prev_hash)::text, 'UTF8')), 'hex') AS hash
  FROM lp
),
il AS (
  INSERT INTO core_transitionlog (content_type_id, object_id, action, from_state, to_state, actor_id, reason, at,
                                  prev_hash, hash)
  SELECT ct, object_id, action, from_state, to_state, %(actor)s, reason, %(at)s, prev_hash, hash FROM lh
  RETURNING id, hash
),
ih AS (
  INSERT INTO core_chainhead (chain, last_id, last_hash, length)
  SELECT lh.chain, il.id, il.hash, lh.length + 1 FROM il JOIN lh ON lh.hash = il.hash
  ON CONFLICT (chain) DO UPDATE SET last_id = EXCLUDED.last_id, last_hash = EXCLUDED.last_hash,
                                    length = EXCLUDED.length
  RETURNING 1
)"""


def log_params() -> dict:
    """The actor, the stamp and the content types the log rows name."""
    from django.contrib.contenttypes.models import ContentType

    from funding.models import ExitFlag, Payout, Tranche
    from qinhuai_talent.core import clock
    from qinhuai_talent.core.system import system_actor

    at = clock.now()
    cts = ContentType.objects.get_for_models(Tranche, Payout, ExitFlag)
    return {
        "actor": system_actor().pk,
        "at": at,
        "at_iso": at.isoformat(),
        "ct_tranche": cts[Tranche].pk,
        "ct_payout": cts[Payout].pk,
        "ct_flag": cts[ExitFlag].pk,
        "hold_reason": engine.HOLD_REASON,
        "release_reason": engine.RELEASE_REASON,
    }


PAYOUTS_SQL = """
WITH
fac(grade, factor) AS (VALUES {factors}),
a AS (
  SELECT ag.id, ag.org_unit_id, e.registered_on, e.moved_in_on, e.status, e.paid_in_capital,
         e.cumulative_financing, e.cumulative_revenue, e.latest_employees, e.latest_grade,
         EXISTS (SELECT 1 FROM funding_exitflag f WHERE f.agreement_id = ag.id AND f.state = 'open') AS flagged,
         round(lim.max_amount, 2) AS lim
  FROM funding_agreement ag
  JOIN enterprises_enterprise e ON e.id = ag.enterprise_id
  LEFT JOIN funding_approvallimit lim ON lim.org_unit_id = ag.org_unit_id
  WHERE ag.state = 'active' {only}
),
t AS (
  SELECT t.id, t.agreement_id, t.planned_amount, t.state,
         (prev.id IS NULL OR EXISTS (SELECT 1 FROM funding_useoffundsreport u
                                     WHERE u.tranche_id = prev.id AND u.accepted)) AS accepted_prev
  FROM funding_tranche t
  JOIN a ON a.id = t.agreement_id
  LEFT JOIN funding_tranche prev ON prev.agreement_id = t.agreement_id AND prev.sequence = t.sequence - 1
  WHERE t.state IN ('waiting', 'eligible', 'held')
),
m AS (
  SELECT m.id, m.tranche_id, m.kind, m.met, m.verified_by_id,
    CASE m.kind
      WHEN 'registered' THEN a.registered_on IS NOT NULL AND a.registered_on <= %(as_of)s
        AND a.status <> 'deregistered'
      WHEN 'moved_in' THEN a.moved_in_on IS NOT NULL AND a.moved_in_on <= %(as_of)s
      WHEN 'paid_in_capital' THEN round(coalesce(a.paid_in_capital, 0), 2) >= coalesce(m.threshold, 0)
      WHEN 'financing' THEN round(coalesce(a.cumulative_financing, 0), 2) >= coalesce(m.threshold, 0)
      WHEN 'revenue' THEN round(coalesce(a.cumulative_revenue, 0), 2) >= coalesce(m.threshold, 0)
      WHEN 'employees' THEN a.latest_employees IS NOT NULL AND a.latest_employees >= trunc(coalesce(m.threshold, 0))
      WHEN 'grade' THEN a.latest_grade <> ''
           AND (position(a.latest_grade in 'ABCD') - 1) <= (position(coalesce(nullif(m.grade, ''), 'D') in 'ABCD') - 1)
      WHEN 'date' THEN m.target_date IS NOT NULL AND m.target_date <= %(as_of)s
      WHEN 'use_of_funds' THEN t.accepted_prev
      ELSE m.met
    END AS now_met
  FROM funding_milestone m
  JOIN t ON t.id = m.tranche_id
  JOIN a ON a.id = t.agreement_id
),
ma AS (SELECT tranche_id, bool_and(now_met) AS all_met, max(verified_by_id) AS preparer FROM m GROUP BY tranche_id),
d0 AS (
  SELECT t.id, t.agreement_id, t.state, t.planned_amount, a.flagged, a.org_unit_id, a.lim,
         coalesce(ma.all_met, true) AS all_met, ma.preparer, p.id AS payout_id, p.state AS payout_state,
         round(fac.factor, 4) AS factor
  FROM t JOIN a ON a.id = t.agreement_id
  LEFT JOIN ma ON ma.tranche_id = t.id
  LEFT JOIN funding_payout p ON p.tranche_id = t.id
  JOIN fac ON fac.grade = coalesce(nullif(a.latest_grade, ''), '-')
),
d AS (
  SELECT d0.*, round(planned_amount * factor, 2) AS amount,
    CASE WHEN payout_state = 'approved' THEN CASE WHEN flagged THEN 'held' ELSE state END
         WHEN flagged THEN 'held' WHEN all_met THEN 'eligible' ELSE 'waiting' END AS new_state,
    CASE WHEN flagged THEN 'held' WHEN all_met THEN
           CASE WHEN payout_state = 'returned' THEN 'returned' ELSE 'proposed' END
         ELSE 'cancelled' END AS pstate
  FROM d0
),
dl AS (SELECT d.*, CASE WHEN lim IS NOT NULL AND amount <= lim THEN 'unit' ELSE 'district' END AS level FROM d),
um AS (
  UPDATE funding_milestone x SET met = m.now_met, met_on = CASE WHEN m.now_met THEN %(as_of)s::date END
  FROM m WHERE x.id = m.id AND m.kind <> 'manual' AND m.now_met IS DISTINCT FROM m.met RETURNING 1
),
ut AS (
  UPDATE funding_tranche x SET state = dl.new_state
  FROM dl WHERE x.id = dl.id AND dl.new_state <> dl.state RETURNING x.id, dl.state AS from_state, x.state AS to_state
),
ip AS (
  INSERT INTO funding_payout (tranche_id, agreement_id, org_unit_id, amount, factor, explanation, approver_level,
                              state, prepared_by_id, voucher, computed_at, reasons {extra_cols})
  SELECT id, agreement_id, org_unit_id, amount, factor, '', level, pstate, preparer, '', now(), '[]'::jsonb {extra_vals}
  FROM dl WHERE payout_id IS NULL AND all_met RETURNING id, state
),
up AS (
  UPDATE funding_payout x SET org_unit_id = dl.org_unit_id, amount = dl.amount, factor = dl.factor,
         approver_level = dl.level, state = dl.pstate, prepared_by_id = dl.preparer, computed_at = now()
  FROM dl WHERE x.id = dl.payout_id AND dl.payout_state <> 'approved'
    AND (x.org_unit_id, x.amount, x.factor, x.approver_level, x.state, x.prepared_by_id)
        IS DISTINCT FROM (dl.org_unit_id, dl.amount, dl.factor, dl.level, dl.pstate, dl.preparer)
  RETURNING x.id, dl.payout_state AS from_state, x.state AS to_state
),
moves AS (
  SELECT %(ct_tranche)s::int AS ct, id AS object_id,
         CASE to_state WHEN 'eligible' THEN 'eligible' WHEN 'waiting' THEN 'wait' ELSE 'hold' END AS action,
         from_state::text, to_state::text, ''::text AS reason
  FROM ut
  UNION ALL
  -- created as proposed, then held by the open flag (the engine's one logged step for it)
  SELECT %(ct_payout)s, id, 'hold', 'proposed', 'held', '' FROM ip WHERE state = 'held'
  UNION ALL
  SELECT %(ct_payout)s, id, CASE to_state WHEN 'proposed' THEN 'propose' WHEN 'held' THEN 'hold' ELSE 'cancel' END,
         from_state, to_state, ''
  FROM up WHERE from_state <> to_state
),
{log_ctes}
SELECT (SELECT count(*) FROM um), (SELECT count(*) FROM ut), (SELECT count(*) FROM ip), (SELECT count(*) FROM up),
       (SELECT count(*) FROM il), (SELECT count(*) FROM ih)
"""


def _extra_payout_columns() -> tuple[str, str, list]:
    """Columns another helper may add to Payout later: filled with the model's default."""
    from funding.models import Payout
    from qinhuai_talent.core.inserts import default_for

    known = {
        "id",
        "tranche_id",
        "agreement_id",
        "org_unit_id",
        "amount",
        "factor",
        "explanation",
        "approver_level",
        "state",
        "prepared_by_id",
        "voucher",
        "computed_at",
        "reasons",
        "approved_by_id",
        "approved_at",
        "paid_at",
    }
    extra = [f for f in Payout._meta.concrete_fields if f.column not in known]
    cols = "".join(f", {connection.ops.quote_name(f.column)}" for f in extra)
    vals = "".join(f", %(extra_{i})s" for i in range(len(extra)))
    params = [f.get_db_prep_save(default_for(f), connection) for f in extra]
    return cols, vals, params


def floor_payouts(*, as_of: date, only: list[int] | None = None) -> dict:
    factors = engine.factors()
    values = ", ".join(f"('{g}', {f}::numeric)" for g, f in factors.items()) + ", ('-', 1::numeric)"
    cols, vals, extra = _extra_payout_columns()
    params = {"as_of": as_of, "only": only} | {f"extra_{i}": v for i, v in enumerate(extra)} | log_params()
    sql = PAYOUTS_SQL.format(
        factors=values,
        only="AND ag.id = ANY(%(only)s)" if only else "",
        extra_cols=cols,
        extra_vals=vals,
        log_ctes=LOG_CTES,
    )
    with connection.cursor() as cursor:
        cursor.execute(CHECK_NOW)
        cursor.execute(sql, params)
        m, t, ins, upd, logged, heads = cursor.fetchone()
    return {
        "milestones_changed": m,
        "tranches_changed": t,
        "payouts_created": ins,
        "payouts_updated": upd,
        "rows_written": m + t + ins + upd,
        "log_rows": logged,
        "chain_heads": heads,
    }


EXIT_SQL = """
WITH
ag AS (
  SELECT a.id, a.org_unit_id, a.talent_id, a.enterprise_id, a.starts_on, e.registered_on, e.status,
         e.status_changed_on, e.cumulative_revenue
  FROM funding_agreement a JOIN enterprises_enterprise e ON e.id = a.enterprise_id
  WHERE a.state IN ('active', 'suspended')
),
lastq AS (
  SELECT r.enterprise_id, max(r.year * 4 + r.quarter - 1) AS last
  FROM enterprises_operatingreport r
  WHERE r.is_current AND r.period_kind = 'quarter' AND r.enterprise_id IN (SELECT enterprise_id FROM ag)
  GROUP BY r.enterprise_id
),
rev AS (
  SELECT r.enterprise_id, sum(r.main_revenue) AS total
  FROM enterprises_operatingreport r
  WHERE r.is_current AND r.enterprise_id IN (SELECT enterprise_id FROM ag)
  GROUP BY r.enterprise_id
),
ev AS (
  SELECT enterprise_id, id, grade,
         row_number() OVER (PARTITION BY enterprise_id ORDER BY evaluated_on DESC, id DESC) AS n
  FROM enterprises_evaluation WHERE enterprise_id IN (SELECT enterprise_id FROM ag)
),
evs AS (
  SELECT enterprise_id, max(id) FILTER (WHERE n = 1) AS latest_id, bool_or(grade = 'D' AND n = 1) AS latest_d,
         count(*) AS cnt, bool_and(grade = 'C') AS all_c
  FROM ev WHERE n <= %(running)s GROUP BY enterprise_id
),
od AS (
  SELECT DISTINCT ON (t.agreement_id) t.agreement_id, m.id
  FROM funding_milestone m JOIN funding_tranche t ON t.id = m.tranche_id
  WHERE t.agreement_id IN (SELECT id FROM ag) AND t.state IN ('waiting', 'eligible', 'held') AND NOT m.met
    AND (m.due_on <= %(od_cutoff)s OR (m.due_on IS NULL AND t.due_on <= %(od_cutoff)s))
  ORDER BY t.agreement_id, m.due_on ASC NULLS LAST, m.id
),
found AS (
  SELECT ag.id AS agreement_id, ag.org_unit_id, 'missing_reports' AS rule,
         'last:' || coalesce((lq.last / 4)::text || 'Q' || (lq.last %% 4 + 1)::text, 'none') AS key
  FROM ag LEFT JOIN lastq lq ON lq.enterprise_id = ag.enterprise_id
  WHERE %(mr_on)s AND %(current_q)s - coalesce(lq.last,
        (extract(year FROM greatest(ag.starts_on, coalesce(ag.registered_on, ag.starts_on)))::int * 4
         + (extract(quarter FROM greatest(ag.starts_on, coalesce(ag.registered_on, ag.starts_on)))::int - 1) - 1))
        >= greatest(%(mr_needed)s, 1)
  UNION ALL
  SELECT ag.id, ag.org_unit_id, 'moved_out', ag.status || ':' || coalesce(ag.status_changed_on::text, '—')
  FROM ag WHERE %(mo_on)s AND ag.status IN ('moved_out', 'deregistered')
  UNION ALL
  SELECT ag.id, ag.org_unit_id, 'founder_not_full_time', 'since:' || f.not_full_time_since::text
  FROM ag JOIN enterprises_founder f ON f.enterprise_id = ag.enterprise_id AND f.talent_id = ag.talent_id
  WHERE %(ft_on)s AND NOT f.full_time AND f.not_full_time_since <= %(ft_cutoff)s
  UNION ALL
  SELECT ag.id, ag.org_unit_id, 'milestone_overdue', 'milestone:' || od.id
  FROM ag JOIN od ON od.agreement_id = ag.id WHERE %(od_on)s
  UNION ALL
  SELECT ag.id, ag.org_unit_id, 'poor_evaluation', 'evaluation:' || evs.latest_id
  FROM ag JOIN evs ON evs.enterprise_id = ag.enterprise_id
  WHERE %(pe_on)s AND (evs.latest_d OR (evs.cnt >= %(running)s AND evs.all_c))
  UNION ALL
  SELECT ag.id, ag.org_unit_id, 'no_revenue', 'registered:' || ag.registered_on::text
  FROM ag LEFT JOIN rev ON rev.enterprise_id = ag.enterprise_id
  WHERE %(nr_on)s AND ag.registered_on <= %(nr_cutoff)s
    AND greatest(coalesce(ag.cumulative_revenue, 0), coalesce(rev.total, 0)) <= 0
),
keep AS (
  SELECT f.* FROM found f
  WHERE EXISTS (SELECT 1 FROM funding_exitflag o
                WHERE o.agreement_id = f.agreement_id AND o.rule = f.rule AND o.state = 'open')
     OR NOT EXISTS (SELECT 1 FROM funding_exitflag x WHERE x.agreement_id = f.agreement_id AND x.rule = f.rule
                    AND x.state = 'dismissed' AND x.evidence_key = f.key)
),
ins AS (
  INSERT INTO funding_exitflag (agreement_id, org_unit_id, rule, evidence, state, raised_at, reason,
                                evidence_key, details)
  SELECT k.agreement_id, k.org_unit_id, k.rule, k.key, 'open', now(), '', k.key, jsonb_build_object('rule', k.rule)
  FROM keep k WHERE NOT EXISTS (SELECT 1 FROM funding_exitflag o WHERE o.agreement_id = k.agreement_id
                                AND o.rule = k.rule AND o.state = 'open')
  RETURNING 1
),
upd AS (
  UPDATE funding_exitflag o SET evidence_key = k.key FROM keep k
  WHERE o.agreement_id = k.agreement_id AND o.rule = k.rule AND o.state = 'open' AND o.evidence_key <> k.key RETURNING 1
),
clr AS (
  UPDATE funding_exitflag o SET state = 'cleared', closed_at = %(at)s, closed_by_id = %(actor)s
  WHERE o.state = 'open'
    AND NOT EXISTS (SELECT 1 FROM found f WHERE f.agreement_id = o.agreement_id AND f.rule = o.rule)
  RETURNING o.id, o.agreement_id
),
flagged AS (SELECT DISTINCT agreement_id FROM keep),
released AS (SELECT DISTINCT agreement_id FROM clr WHERE agreement_id NOT IN (SELECT agreement_id FROM flagged)),
ht AS (
  UPDATE funding_tranche t SET state = CASE
      WHEN t.agreement_id IN (SELECT agreement_id FROM flagged) THEN 'held'
      WHEN EXISTS (SELECT 1 FROM funding_payout p WHERE p.tranche_id = t.id) THEN 'eligible' ELSE 'waiting' END
  FROM funding_tranche old
  WHERE old.id = t.id
    AND ((t.agreement_id IN (SELECT agreement_id FROM flagged) AND t.state IN ('waiting', 'eligible'))
         OR (t.agreement_id IN (SELECT agreement_id FROM released) AND t.state = 'held'))
  RETURNING t.id, old.state AS from_state, t.state AS to_state
),
hp AS (
  UPDATE funding_payout p SET
      state = CASE WHEN p.agreement_id IN (SELECT agreement_id FROM flagged) THEN 'held' ELSE 'proposed' END,
      approved_by_id = CASE WHEN p.agreement_id IN (SELECT agreement_id FROM flagged)
                            THEN NULL ELSE p.approved_by_id END,
      approved_at = CASE WHEN p.agreement_id IN (SELECT agreement_id FROM flagged) THEN NULL ELSE p.approved_at END
  FROM funding_payout old
  WHERE old.id = p.id
    AND ((p.agreement_id IN (SELECT agreement_id FROM flagged) AND p.state IN ('proposed', 'approved', 'returned'))
         OR (p.agreement_id IN (SELECT agreement_id FROM released) AND p.state = 'held'))
  RETURNING p.id, old.state AS from_state, p.state AS to_state
),
moves AS (
  SELECT %(ct_flag)s::int AS ct, id AS object_id, 'clear'::text AS action, 'open'::text AS from_state,
         'cleared'::text AS to_state, ''::text AS reason
  FROM clr
  UNION ALL
  SELECT %(ct_tranche)s, id, CASE to_state WHEN 'held' THEN 'hold' WHEN 'eligible' THEN 'eligible' ELSE 'wait' END,
         from_state, to_state, CASE to_state WHEN 'held' THEN %(hold_reason)s ELSE %(release_reason)s END
  FROM ht
  UNION ALL
  SELECT %(ct_payout)s, id, CASE to_state WHEN 'held' THEN 'hold' ELSE 'propose' END,
         from_state, to_state, CASE to_state WHEN 'held' THEN %(hold_reason)s ELSE %(release_reason)s END
  FROM hp
),
{log_ctes}
SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM upd), (SELECT count(*) FROM clr),
       (SELECT count(*) FROM ht), (SELECT count(*) FROM hp), (SELECT count(*) FROM il), (SELECT count(*) FROM ih)
"""


def exit_params(as_of: date) -> dict:
    from funding.models import ExitRule

    rules = engine.exit_rules()
    return {
        "current_q": engine._last_completed_quarter(as_of),
        "mr_on": ExitRule.MISSING_REPORTS in rules,
        "mr_needed": rules.get(ExitRule.MISSING_REPORTS, 0),
        "mo_on": ExitRule.MOVED_OUT in rules,
        "ft_on": ExitRule.FOUNDER_NOT_FULL_TIME in rules,
        "ft_cutoff": add_months(as_of, -rules.get(ExitRule.FOUNDER_NOT_FULL_TIME, 0)),
        "od_on": ExitRule.MILESTONE_OVERDUE in rules,
        "od_cutoff": as_of - __import__("datetime").timedelta(days=rules.get(ExitRule.MILESTONE_OVERDUE, 0)),
        "pe_on": ExitRule.POOR_EVALUATION in rules,
        "running": max(rules.get(ExitRule.POOR_EVALUATION, 1), 1),
        "nr_on": ExitRule.NO_REVENUE in rules,
        "nr_cutoff": add_months(as_of, -rules.get(ExitRule.NO_REVENUE, 0)),
    }


def floor_exit_flags(*, as_of: date) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(CHECK_NOW)
        cursor.execute(EXIT_SQL.replace("{log_ctes}", LOG_CTES), exit_params(as_of) | log_params())
        raised, updated, cleared, held_t, held_p, logged, heads = cursor.fetchone()
    return {
        "raised": raised,
        "updated": updated,
        "cleared": cleared,
        "held": held_t + held_p,
        "rows_written": raised + updated + cleared + held_t + held_p,
        "log_rows": logged,
        "chain_heads": heads,
    }
