"""The naive baseline: the same recomputes written the way they usually start, as a plain
per-object ORM loop (load each agreement, follow its relations one query at a time, evaluate in
Python, ``save()`` every row). The rules themselves are the engine's (``engine._evaluate``), so
the comparison is about the access pattern, not about different rules. A state moves one record
at a time through its workflow's ``apply`` (which saves the state and logs it), as a per-object
service would.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import F

from enterprises.models import EnterpriseStatus, Evaluation, Founder, OperatingReport
from funding import engine, explain
from funding.models import (
    Agreement,
    ApprovalLimit,
    ApproverLevel,
    ExitFlag,
    ExitRule,
    FlagState,
    MilestoneKind,
    Payout,
    PayoutState,
    TrancheState,
    UseOfFundsReport,
)
from funding.workflows import FLAG_WORKFLOW, PAYOUT_WORKFLOW, TRANCHE_WORKFLOW
from qinhuai_talent.core import clock
from qinhuai_talent.core.clock import add_months
from qinhuai_talent.core.money import to_money
from qinhuai_talent.core.system import system_actor

UNPAID = engine.UNPAID


def _move(workflow, obj, target: str, actions: dict, *, reason: str = "") -> None:
    """Move one record to ``target`` through its workflow (saved and logged), if it is elsewhere."""
    if getattr(obj, workflow.state_field) != target:
        workflow.apply(obj, action=actions[target], actor=system_actor(), reason=reason)


def naive_payouts(*, agreement_ids: list[int], as_of: date) -> int:
    saved = 0
    for pk in agreement_ids:
        agreement = Agreement.objects.get(pk=pk)
        if agreement.state != "active":
            continue
        e = agreement.enterprise
        ent = {
            "registered_on": e.registered_on,
            "moved_in_on": e.moved_in_on,
            "status": e.status,
            "paid_in_capital": e.paid_in_capital,
            "cumulative_financing": e.cumulative_financing,
            "cumulative_revenue": e.cumulative_revenue,
            "latest_employees": e.latest_employees,
            "latest_grade": e.latest_grade,
        }
        held = ExitFlag.objects.filter(agreement=agreement, state=FlagState.OPEN).exists()
        table = engine.factors()
        limit_row = ApprovalLimit.objects.filter(org_unit_id=agreement.org_unit_id).first()
        limit = to_money(limit_row.max_amount) if limit_row else None
        for tranche in agreement.tranches.order_by("sequence"):
            if tranche.state not in UNPAID:
                continue
            prev = agreement.tranches.filter(sequence=tranche.sequence - 1).first()
            accepted_prev = prev is None or UseOfFundsReport.objects.filter(tranche=prev, accepted=True).exists()
            reasons = []
            milestones = list(tranche.milestones.order_by("id"))
            for m in milestones:
                r = engine._evaluate(
                    {
                        "id": m.pk,
                        "kind": m.kind,
                        "threshold": m.threshold,
                        "grade": m.grade,
                        "target_date": m.target_date,
                        "met": m.met,
                        "evidence": m.evidence,
                    },
                    ent,
                    accepted_prev,
                    as_of,
                )
                reasons.append(r)
                if m.kind != MilestoneKind.MANUAL:
                    if r["met"] != m.met:
                        m.met, m.met_on = r["met"], as_of if r["met"] else None
                    m.save()
                    saved += 1
            all_met = all(r["met"] for r in reasons)
            existing = Payout.objects.filter(tranche=tranche).first()
            if existing is not None and existing.state == PayoutState.APPROVED:
                if held:
                    _move(TRANCHE_WORKFLOW, tranche, TrancheState.HELD, engine.TRANCHE_ACTIONS)
                tranche.save()
                saved += 1
                continue
            target = TrancheState.HELD if held else TrancheState.ELIGIBLE if all_met else TrancheState.WAITING
            _move(TRANCHE_WORKFLOW, tranche, target, engine.TRANCHE_ACTIONS)
            tranche.save()
            saved += 1
            if not all_met and existing is None:
                continue
            grade = ent["latest_grade"] or ""
            factor = (table[grade] if grade else Decimal("1")).quantize(engine.FACTOR_PLACES)
            amount = to_money(tranche.planned_amount * factor)
            level = ApproverLevel.UNIT if limit is not None and amount <= limit else ApproverLevel.DISTRICT
            reasons.append(
                {
                    "code": "factor",
                    "grade": grade,
                    "factor": f"{factor}",
                    "planned": f"{to_money(tranche.planned_amount):.2f}",
                    "amount": f"{amount:.2f}",
                }
            )
            reasons.append({"code": "approver", "level": level, "limit": f"{limit:.2f}" if limit is not None else None})
            if held:
                reasons.append({"code": "held"})
            payout = existing or Payout(tranche=tranche, agreement=agreement, computed_at=clock.now())
            payout.org_unit_id = agreement.org_unit_id
            payout.amount, payout.factor, payout.approver_level = amount, factor, level
            target = PayoutState.HELD if held else PayoutState.PROPOSED if all_met else PayoutState.CANCELLED
            if payout.pk is None:
                payout.save()  # created as proposed, then moved like an existing one
            if not (payout.state == PayoutState.RETURNED and target == PayoutState.PROPOSED):
                _move(PAYOUT_WORKFLOW, payout, target, engine.PAYOUT_ACTIONS)
            payout.prepared_by_id = max((m.verified_by_id for m in milestones if m.verified_by_id), default=None)
            payout.reasons = reasons
            payout.explanation = explain.render_stored(reasons)
            payout.save()
            saved += 1
    return saved


def _conditions(a: Agreement, as_of: date, rules: dict) -> dict[str, str]:
    """rule → evidence key for every exit condition that holds for one agreement."""
    e = a.enterprise
    found = {}
    if ExitRule.MISSING_REPORTS in rules:
        last = (
            OperatingReport.objects.filter(enterprise=e, is_current=True, period_kind="quarter")
            .annotate(idx=F("year") * 4 + F("quarter") - 1)
            .order_by("-idx")
            .values_list("idx", flat=True)
            .first()
        )
        start = max(a.starts_on, e.registered_on or a.starts_on)
        baseline = last if last is not None else engine._last_completed_quarter(start)
        if engine._last_completed_quarter(as_of) - baseline >= max(rules[ExitRule.MISSING_REPORTS], 1):
            found[ExitRule.MISSING_REPORTS] = f"last:{f'{last // 4}Q{last % 4 + 1}' if last is not None else 'none'}"
    if ExitRule.MOVED_OUT in rules and e.status in (EnterpriseStatus.MOVED_OUT, EnterpriseStatus.DEREGISTERED):
        since = e.status_changed_on.isoformat() if e.status_changed_on else "—"
        found[ExitRule.MOVED_OUT] = f"{e.status}:{since}"
    if ExitRule.FOUNDER_NOT_FULL_TIME in rules:
        cutoff = add_months(as_of, -rules[ExitRule.FOUNDER_NOT_FULL_TIME])
        f = Founder.objects.filter(enterprise=e, talent_id=a.talent_id).first()
        if f and not f.full_time and f.not_full_time_since and f.not_full_time_since <= cutoff:
            found[ExitRule.FOUNDER_NOT_FULL_TIME] = f"since:{f.not_full_time_since.isoformat()}"
    if ExitRule.MILESTONE_OVERDUE in rules:
        cutoff = as_of - timedelta(days=rules[ExitRule.MILESTONE_OVERDUE])
        overdue = []
        # The engine orders by due_on as the database does: NULLs last on PostgreSQL, first on SQLite.
        undated = date.min if connection.vendor == "sqlite" else date.max
        for t in a.tranches.all():
            if t.state not in UNPAID:
                continue
            for m in t.milestones.all():
                due = m.due_on if m.due_on is not None else None
                if not m.met and ((due and due <= cutoff) or (due is None and t.due_on and t.due_on <= cutoff)):
                    overdue.append((m.due_on or undated, m.pk))
        if overdue:
            found[ExitRule.MILESTONE_OVERDUE] = f"milestone:{min(overdue)[1]}"
    if ExitRule.POOR_EVALUATION in rules:
        running = max(rules[ExitRule.POOR_EVALUATION], 1)
        latest = list(Evaluation.objects.filter(enterprise=e).order_by("-evaluated_on", "-id")[:running])
        if latest and (latest[0].grade == "D" or (len(latest) >= running and all(x.grade == "C" for x in latest))):
            found[ExitRule.POOR_EVALUATION] = f"evaluation:{latest[0].pk}"
    if ExitRule.NO_REVENUE in rules:
        cutoff = add_months(as_of, -rules[ExitRule.NO_REVENUE])
        reported = sum((r.main_revenue for r in OperatingReport.objects.filter(enterprise=e, is_current=True)), 0)
        if e.registered_on and e.registered_on <= cutoff and max(e.cumulative_revenue or 0, reported) <= 0:
            found[ExitRule.NO_REVENUE] = f"registered:{e.registered_on.isoformat()}"
    return found


def naive_exit_flags(*, agreement_ids: list[int], as_of: date) -> int:
    saved = 0
    for pk in agreement_ids:
        a = Agreement.objects.get(pk=pk)
        if a.state not in ("active", "suspended"):
            continue
        rules = engine.exit_rules()
        found = _conditions(a, as_of, rules)
        open_flags = {f.rule: f for f in ExitFlag.objects.filter(agreement=a, state=FlagState.OPEN)}
        for rule, key in found.items():
            flag = open_flags.get(rule)
            if flag is None:
                if ExitFlag.objects.filter(
                    agreement=a, rule=rule, state=FlagState.DISMISSED, evidence_key=key
                ).exists():
                    continue
                flag = ExitFlag(agreement=a, org_unit_id=a.org_unit_id, rule=rule)
            flag.evidence_key, flag.evidence, flag.details = key, key, {"rule": rule}
            flag.save()
            saved += 1
        for rule, flag in open_flags.items():
            if rule not in found:
                flag.closed_at, flag.closed_by = clock.now(), system_actor()
                FLAG_WORKFLOW.apply(flag, action="clear", actor=system_actor())
                flag.save()
                saved += 1
        flagged = ExitFlag.objects.filter(agreement=a, state=FlagState.OPEN).exists()
        hold, release = engine.HOLD_REASON, engine.RELEASE_REASON
        for t in a.tranches.all():
            if flagged and t.state in (TrancheState.WAITING, TrancheState.ELIGIBLE):
                _move(TRANCHE_WORKFLOW, t, TrancheState.HELD, engine.TRANCHE_ACTIONS, reason=hold)
            elif not flagged and t.state == TrancheState.HELD:
                paid_out = Payout.objects.filter(tranche=t).exists()
                target = TrancheState.ELIGIBLE if paid_out else TrancheState.WAITING
                _move(TRANCHE_WORKFLOW, t, target, engine.TRANCHE_ACTIONS, reason=release)
            t.save()
            saved += 1
        for p in Payout.objects.filter(agreement=a):
            if flagged and p.state in (PayoutState.PROPOSED, PayoutState.APPROVED, PayoutState.RETURNED):
                p.approved_by, p.approved_at = None, None
                _move(PAYOUT_WORKFLOW, p, PayoutState.HELD, engine.PAYOUT_ACTIONS, reason=hold)
            elif not flagged and p.state == PayoutState.HELD:
                _move(PAYOUT_WORKFLOW, p, PayoutState.PROPOSED, engine.PAYOUT_ACTIONS, reason=release)
            p.save()
            saved += 1
    return saved


def sample_ids(ids: list[int], size: int) -> list[int]:
    """Every k-th id: a sample spread over the whole range (old and new agreements alike)."""
    if size >= len(ids):
        return list(ids)
    step = len(ids) / size
    return [ids[int(i * step)] for i in range(size)]
