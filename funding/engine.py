"""The nightly recomputes: payout proposals from milestones, and exit flags from the exit rules.

Both are set-based: a batch of agreements is read with a constant number of queries (enterprise
figures, tranches, milestones, payouts, flags, limits, the policy tables), evaluated in memory,
and written back only where something changed, grouped into ``update()`` calls,
``bulk_update`` and inserts (the new payouts through ``core.inserts.insert_rows``: their values
are final, no model instance per row). Compared values are rounded to their column's scale first,
so an unchanged rerun writes nothing.

Concurrency and crashes: each batch is its own transaction and locks its agreements with
``select_for_update(skip_locked=True)``; a second run at the same time skips the rows the first
holds (the first finishes them), so two runs give the result of one. A run killed mid-way loses
only its open batch, which the next run recomputes from the data; nothing is half-written. A
payout batch commits without waiting for the disk (``_commit_without_waiting``): a crash can lose
the last batches committed before it, never part of one, and never those of a job recorded as
done. The exit-flag job takes a PostgreSQL advisory lock for its whole (small) transaction, so a
second run waits for the first and then finds nothing to change.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F, Q, Sum
from django.utils.translation import gettext_noop

from enterprises.models import EnterpriseStatus, Evaluation, Founder, OperatingReport
from enterprises.selectors import last_filed_quarters
from qinhuai_talent.core import clock
from qinhuai_talent.core.clock import add_months
from qinhuai_talent.core.inserts import insert_rows
from qinhuai_talent.core.jobs import JobContext
from qinhuai_talent.core.lookups import any_of
from qinhuai_talent.core.money import to_money
from qinhuai_talent.core.system import system_actor

from . import explain, notices
from .models import (
    Agreement,
    AgreementState,
    ApprovalLimit,
    ApproverLevel,
    ExitFlag,
    ExitRule,
    ExitRuleSetting,
    FlagState,
    Milestone,
    MilestoneKind,
    Payout,
    PayoutState,
    PerformanceFactor,
    Tranche,
    TrancheState,
    UseOfFundsReport,
)
from .workflows import FLAG_WORKFLOW, PAYOUT_WORKFLOW, TRANCHE_WORKFLOW, UNPAID_TRANCHE_STATES

BATCH = 2000
EXIT_LOCK_KEY = 5_202_606
FACTOR_PLACES = Decimal("0.0001")
GRADE_RANK = {"A": 0, "B": 1, "C": 2, "D": 3}
DEFAULT_FACTORS = {"A": Decimal("1"), "B": Decimal("0.8"), "C": Decimal("0.5"), "D": Decimal("0")}
DEFAULT_EXIT_RULES = {
    ExitRule.MISSING_REPORTS: 2,
    ExitRule.MOVED_OUT: 0,
    ExitRule.FOUNDER_NOT_FULL_TIME: 6,
    ExitRule.MILESTONE_OVERDUE: 180,
    ExitRule.POOR_EVALUATION: 2,
    ExitRule.NO_REVENUE: 24,
}
UNPAID = UNPAID_TRANCHE_STATES
# The enterprise's figures a milestone is evaluated against (``_evaluate``'s ``ent``).
ENTERPRISE_FIGURES = (
    "registered_on",
    "moved_in_on",
    "status",
    "paid_in_capital",
    "cumulative_financing",
    "cumulative_revenue",
    "latest_employees",
    "latest_grade",
)
# Payout states the recompute owns; approved ones are touched only to hold them, paid ones never.
SYSTEM_PAYOUT_STATES = (PayoutState.PROPOSED, PayoutState.HELD, PayoutState.CANCELLED)
# The reasons the holds log (message ids, translated where the log is read).
HOLD_REASON = gettext_noop("An open exit flag holds the agreement's unpaid tranches.")
RELEASE_REASON = gettext_noop("No open exit flag holds the agreement any longer.")


def as_of_date(params: dict | None) -> date:
    """The day the rules are evaluated for: ``as_of`` (ISO) in the job's parameters, else the
    portal's today (``PORTAL_AS_OF`` where set)."""
    value = (params or {}).get("as_of")
    return date.fromisoformat(value) if value else clock.today()


def factors() -> dict[str, Decimal]:
    table = dict(PerformanceFactor.objects.values_list("grade", "factor"))
    return {g: Decimal(table.get(g, f)) for g, f in DEFAULT_FACTORS.items()}


def exit_rules() -> dict[str, int]:
    """Enabled rules and their parameter."""
    rows = {r.rule: r for r in ExitRuleSetting.objects.all()}
    out = {}
    for rule, default in DEFAULT_EXIT_RULES.items():
        row = rows.get(rule)
        if row is None:
            out[rule] = default
        elif row.enabled:
            out[rule] = row.parameter
    return out


# ---------------------------------------------------------------- holds


def release_holds(*, agreement_ids: list[int], actor=None) -> int:
    """Unhold the tranches and payouts of agreements that no longer have an open flag (the
    system's ``propose``, ``eligible`` and ``wait`` transitions, logged); the next payout
    recompute settles each released tranche's state from its milestones."""
    still = set(
        ExitFlag.objects.filter(agreement_id__in=agreement_ids, state=FlagState.OPEN).values_list(
            "agreement_id", flat=True
        )
    )
    free = [a for a in agreement_ids if a not in still]
    if not free:
        return 0
    actor = actor or system_actor()
    reason = RELEASE_REASON
    held = Tranche.objects.filter(agreement_id__in=free, state=TrancheState.HELD)
    written = PAYOUT_WORKFLOW.apply_many(
        Payout.objects.filter(agreement_id__in=free, state=PayoutState.HELD),
        action="propose",
        actor=actor,
        reason=reason,
    )
    written += TRANCHE_WORKFLOW.apply_many(
        held.filter(payout__isnull=False), action="eligible", actor=actor, reason=reason
    )
    written += TRANCHE_WORKFLOW.apply_many(held, action="wait", actor=actor, reason=reason)
    return written


def hold_flagged(*, agreement_ids: list[int] | None = None, actor=None) -> int:
    """Hold the unpaid tranches (and their unpaid payouts, taking back an approval) of agreements
    with an open flag: the system's ``hold`` transitions, logged."""
    flagged = ExitFlag.objects.filter(state=FlagState.OPEN).values("agreement_id")
    if agreement_ids is not None:
        flagged = flagged.filter(agreement_id__in=agreement_ids)
    actor = actor or system_actor()
    reason = HOLD_REASON
    written = TRANCHE_WORKFLOW.apply_many(
        Tranche.objects.filter(agreement_id__in=flagged, state__in=(TrancheState.WAITING, TrancheState.ELIGIBLE)),
        action="hold",
        actor=actor,
        reason=reason,
    )
    written += PAYOUT_WORKFLOW.apply_many(
        Payout.objects.filter(
            agreement_id__in=flagged, state__in=(PayoutState.PROPOSED, PayoutState.APPROVED, PayoutState.RETURNED)
        ),
        action="hold",
        actor=actor,
        reason=reason,
        values={"approved_by": None, "approved_at": None},
    )
    return written


# ---------------------------------------------------------------- payouts


@dataclass
class PayoutCounts:
    agreements: int = 0
    tranches_changed: int = 0
    milestones_changed: int = 0
    payouts_created: int = 0
    payouts_updated: int = 0

    def as_dict(self) -> dict:
        d = dict(self.__dict__)
        d["rows_written"] = (
            self.tranches_changed + self.milestones_changed + self.payouts_created + self.payouts_updated
        )
        return d


# The milestones measured against one of the enterprise's money figures, and that figure.
FIGURE_OF_KIND = {
    MilestoneKind.PAID_IN_CAPITAL: "paid_in_capital",
    MilestoneKind.FINANCING: "cumulative_financing",
    MilestoneKind.REVENUE: "cumulative_revenue",
}


def _evaluate(m: dict, ent: dict, accepted_prev: bool, as_of: date) -> dict:
    """One milestone against the enterprise's figures: a reason dict with ``met``."""
    kind = m["kind"]
    threshold = actual = None
    if kind in FIGURE_OF_KIND:
        value = to_money(ent[FIGURE_OF_KIND[kind]] or 0)
        need = m["threshold"] or 0
        met = value >= need
        actual, threshold = f"{value:.2f}", f"{to_money(need):.2f}"
    elif kind == MilestoneKind.REGISTERED:
        on = ent["registered_on"]
        met = on is not None and on <= as_of and ent["status"] != EnterpriseStatus.DEREGISTERED
        actual = on.isoformat() if met else None
    elif kind == MilestoneKind.MOVED_IN:
        on = ent["moved_in_on"]
        met = on is not None and on <= as_of
        actual = on.isoformat() if met else None
    elif kind == MilestoneKind.EMPLOYEES:
        actual = ent["latest_employees"]
        threshold = int(m["threshold"] or 0)
        met = actual is not None and actual >= threshold
    elif kind == MilestoneKind.GRADE:
        actual = ent["latest_grade"] or ""
        threshold = m["grade"]
        met = bool(actual) and GRADE_RANK[actual] <= GRADE_RANK.get(threshold or "D", 3)
    elif kind == MilestoneKind.DATE:
        target = m["target_date"]
        met = target is not None and target <= as_of
        threshold = target.isoformat() if target else None
    elif kind == MilestoneKind.USE_OF_FUNDS:
        met = accepted_prev
    else:
        actual, met = m["evidence"] or None, m["met"]
    return {"code": "milestone", "kind": kind, "id": m["id"], "threshold": threshold, "actual": actual, "met": met}


def _commit_without_waiting() -> None:
    """PostgreSQL: the batch's commit does not wait for its WAL to reach the disk
    (``synchronous_commit`` off for this transaction only). A crash just after it can lose the
    batch, never part of it (the database stays consistent), and the next run recomputes it from
    the data; the job's own end (its ``Job`` row marked succeeded) is committed synchronously,
    which flushes the WAL of every batch before it, so a job recorded as done has all of its
    batches on disk."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


TRANCHE_ACTIONS = {TrancheState.ELIGIBLE: "eligible", TrancheState.WAITING: "wait", TrancheState.HELD: "hold"}
PAYOUT_ACTIONS = {PayoutState.PROPOSED: "propose", PayoutState.HELD: "hold", PayoutState.CANCELLED: "cancel"}


def _recompute_batch(ids: list[int], as_of: date, counts: PayoutCounts, table: dict, limits: dict, actor=None) -> None:
    actor = actor or system_actor()
    own_transaction = not connection.in_atomic_block
    with transaction.atomic():
        if own_transaction:  # inside a caller's transaction the commit is the caller's
            _commit_without_waiting()
        locked = list(
            Agreement.objects.select_for_update(skip_locked=True)
            .filter(any_of("pk", ids), state=AgreementState.ACTIVE)
            .values_list("pk", flat=True)
        )
        if not locked:
            return
        counts.agreements += len(locked)
        # Each agreement's unit with its enterprise's figures under the names ``_evaluate`` reads.
        agreements = {
            a["pk"]: a
            for a in Agreement.objects.filter(any_of("pk", locked)).values(
                "pk", "org_unit_id", **{field: F(f"enterprise__{field}") for field in ENTERPRISE_FIGURES}
            )
        }
        flagged = set(
            ExitFlag.objects.filter(any_of("agreement_id", locked), state=FlagState.OPEN).values_list(
                "agreement_id", flat=True
            )
        )
        tranches = list(
            Tranche.objects.filter(any_of("agreement_id", locked)).values(
                "pk", "agreement_id", "sequence", "planned_amount", "state"
            )
        )
        by_seq = {(t["agreement_id"], t["sequence"]): t["pk"] for t in tranches}
        unpaid = [t for t in tranches if t["state"] in UNPAID]
        unpaid_ids = [t["pk"] for t in unpaid]
        # Each unpaid tranche's predecessor, the one whose accepted report a use-of-funds milestone
        # asks for; read by those tranche ids (the report's own index), not joined through tranches.
        prev_of = {t["pk"]: by_seq.get((t["agreement_id"], t["sequence"] - 1)) for t in unpaid}
        before_unpaid = set(prev_of.values()) - {None}
        accepted = set(
            UseOfFundsReport.objects.filter(any_of("tranche_id", list(before_unpaid)), accepted=True)
            .order_by()
            .values_list("tranche_id", flat=True)
        )
        milestones = defaultdict(list)
        for m in (
            Milestone.objects.filter(any_of("tranche_id", unpaid_ids))
            .order_by("id")
            .values(
                "id",
                "tranche_id",
                "kind",
                "threshold",
                "grade",
                "target_date",
                "met",
                "evidence",
                "verified_by_id",
            )
        ):
            milestones[m["tranche_id"]].append(m)
        payouts = {
            p["tranche_id"]: p
            for p in Payout.objects.filter(any_of("tranche_id", unpaid_ids)).values(
                "pk",
                "tranche_id",
                "org_unit_id",
                "amount",
                "factor",
                "explanation",
                "reasons",
                "approver_level",
                "state",
                "prepared_by_id",
            )
        }

        met_now, unmet_now = [], []
        tranche_moves: dict[str, list[int]] = defaultdict(list)
        creates, updates = [], []
        payout_moves: dict[str, list[int]] = defaultdict(list)
        created_held: list[int] = []
        now = clock.now()
        for t in unpaid:
            a = ent = agreements[t["agreement_id"]]
            prev_id = prev_of[t["pk"]]
            accepted_prev = prev_id is None or prev_id in accepted
            reasons = []
            for m in milestones[t["pk"]]:
                r = _evaluate(m, ent, accepted_prev, as_of)
                reasons.append(r)
                if m["kind"] != MilestoneKind.MANUAL and r["met"] != m["met"]:
                    (met_now if r["met"] else unmet_now).append(m["id"])
            all_met = all(r["met"] for r in reasons)
            held = t["agreement_id"] in flagged
            existing = payouts.get(t["pk"])
            if existing is not None and existing["state"] == PayoutState.APPROVED:
                # An approval stands on the figures it saw; only a flag takes it back (hold_flagged).
                if held and t["state"] != TrancheState.HELD:
                    tranche_moves[TrancheState.HELD].append(t["pk"])
                continue
            if held:
                new_state = TrancheState.HELD
            elif all_met:
                new_state = TrancheState.ELIGIBLE
            else:
                new_state = TrancheState.WAITING
            if new_state != t["state"]:
                tranche_moves[new_state].append(t["pk"])
            if not all_met and existing is None:
                continue
            grade = ent["latest_grade"] or ""
            factor = (table[grade] if grade else Decimal("1")).quantize(FACTOR_PLACES)
            amount = to_money(t["planned_amount"] * factor)
            limit = limits.get(a["org_unit_id"])
            level = ApproverLevel.UNIT if limit is not None and amount <= limit else ApproverLevel.DISTRICT
            reasons.append(
                {
                    "code": "factor",
                    "grade": grade,
                    "factor": f"{factor}",
                    "planned": f"{to_money(t['planned_amount']):.2f}",
                    "amount": f"{amount:.2f}",
                }
            )
            reasons.append({"code": "approver", "level": level, "limit": f"{limit:.2f}" if limit is not None else None})
            if held:
                reasons.append({"code": "held"})
            preparer = max((m["verified_by_id"] for m in milestones[t["pk"]] if m["verified_by_id"]), default=None)
            target = PayoutState.HELD if held else PayoutState.PROPOSED if all_met else PayoutState.CANCELLED
            values = {
                "org_unit_id": a["org_unit_id"],
                "amount": amount,
                "factor": factor,
                "reasons": reasons,
                "explanation": explain.render_stored(reasons),
                "approver_level": level,
                "prepared_by_id": preparer,
            }
            if existing is None:
                # Created as proposed; one proposed under an open flag is then held, logged.
                creates.append({"tranche_id": t["pk"], "agreement_id": t["agreement_id"], "computed_at": now, **values})
                if target == PayoutState.HELD:
                    created_held.append(t["pk"])
                continue
            if _changed(existing, values):
                updates.append(Payout(pk=existing["pk"], computed_at=now, **values))
            # A returned payout waits for its unit's resubmission, never the recompute's proposal.
            returned = existing["state"] == PayoutState.RETURNED and target == PayoutState.PROPOSED
            if existing["state"] != target and not returned:
                payout_moves[target].append(existing["pk"])

        written = 0
        if met_now:
            written += Milestone.objects.filter(any_of("pk", met_now)).update(met=True, met_on=as_of)
        if unmet_now:
            written += Milestone.objects.filter(any_of("pk", unmet_now)).update(met=False, met_on=None)
        counts.milestones_changed += written
        for target, pks in tranche_moves.items():
            counts.tranches_changed += TRANCHE_WORKFLOW.apply_many(
                Tranche.objects.filter(any_of("pk", pks)), action=TRANCHE_ACTIONS[target], actor=actor
            )
        created = insert_rows(Payout, creates)
        if creates:
            counts.payouts_created += len(creates)
            if created_held:
                PAYOUT_WORKFLOW.apply_many(
                    Payout.objects.filter(any_of("tranche_id", created_held)), action="hold", actor=actor
                )
        moved = set()
        for target, pks in payout_moves.items():
            PAYOUT_WORKFLOW.apply_many(
                Payout.objects.filter(any_of("pk", pks)), action=PAYOUT_ACTIONS[target], actor=actor
            )
            moved.update(pks)
        if updates:
            Payout.objects.bulk_update(
                updates,
                [
                    "org_unit_id",
                    "amount",
                    "factor",
                    "reasons",
                    "explanation",
                    "approver_level",
                    "prepared_by_id",
                    "computed_at",
                ],
                batch_size=BATCH,
            )
        counts.payouts_updated += len(moved | {p.pk for p in updates})
        notices.milestones_met(met_now)
        # The approvers of every payout proposed or recomputed now (created and not held, moved to
        # proposed, or updated: a new limit may have given it another approver); the notice's key
        # tells each approver of a payout once, and a payout nothing touched is not read again.
        held_now = set(created_held)
        notices.payouts_waiting(
            [pk for pk, row in zip(created, creates, strict=True) if row["tranche_id"] not in held_now]
            + payout_moves.get(PayoutState.PROPOSED, [])
            + [p.pk for p in updates]
        )


def _changed(existing: dict, values: dict) -> bool:
    for key, new in values.items():
        old = existing[key]
        if key == "amount":
            if to_money(old) != to_money(new):
                return True
        elif key == "factor":
            if Decimal(old).quantize(FACTOR_PLACES) != Decimal(new).quantize(FACTOR_PLACES):
                return True
        elif old != new:
            return True
    return False


def recompute_payouts(ctx: JobContext) -> dict:
    as_of = as_of_date(ctx.params)
    table = factors()
    limits = {u: to_money(v) for u, v in ApprovalLimit.objects.values_list("org_unit_id", "max_amount")}
    ids = list(Agreement.objects.filter(state=AgreementState.ACTIVE).order_by("pk").values_list("pk", flat=True))
    counts = PayoutCounts()
    total = len(ids)
    actor = system_actor()
    ctx.progress(0, total)
    for start in range(0, total, BATCH):
        _recompute_batch(ids[start : start + BATCH], as_of, counts, table, limits, actor=actor)
        ctx.progress(min(start + BATCH, total), total)
    return counts.as_dict()


# ---------------------------------------------------------------- exit flags


def _quarter_index(year: int, quarter: int) -> int:
    return year * 4 + quarter - 1


def _last_completed_quarter(day: date) -> int:
    return _quarter_index(day.year, (day.month - 1) // 3 + 1) - 1


def _exit_conditions(as_of: date, rules: dict[str, int]) -> dict[tuple[int, str], tuple[str, dict]]:
    """(agreement, rule) → (evidence key, details) for every condition that holds now."""
    found: dict[tuple[int, str], tuple[str, dict]] = {}
    # Agreements in force, and every agreement with an open flag (whatever its state): a flag
    # clears only when its condition is gone, never because its agreement left the evaluation.
    flagged = ExitFlag.objects.filter(state=FlagState.OPEN).values("agreement_id")
    agreements = list(
        Agreement.objects.filter(
            Q(state__in=(AgreementState.ACTIVE, AgreementState.SUSPENDED)) | Q(pk__in=flagged)
        ).values(
            "pk",
            "starts_on",
            "talent_id",
            "enterprise_id",
            "enterprise__registered_on",
            "enterprise__status",
            "enterprise__status_changed_on",
            "enterprise__cumulative_revenue",
        )
    )
    if not agreements:
        return found
    ent_ids = {a["enterprise_id"] for a in agreements}

    if ExitRule.MISSING_REPORTS in rules:
        # The filing board's data: the quarters each enterprise has filed.
        last_q = last_filed_quarters(ent_ids)
        needed = rules[ExitRule.MISSING_REPORTS]
        current = _last_completed_quarter(as_of)
        for a in agreements:
            start = max(a["starts_on"], a["enterprise__registered_on"] or a["starts_on"])
            last = last_q.get(a["enterprise_id"])
            baseline = last if last is not None else _last_completed_quarter(start)
            missing = current - baseline
            if missing >= max(needed, 1):
                details = {"rule": ExitRule.MISSING_REPORTS, "n": missing}
                if last is not None:
                    details["last"] = f"{last // 4}Q{last % 4 + 1}"
                found[(a["pk"], ExitRule.MISSING_REPORTS)] = (f"last:{details.get('last', 'none')}", details)

    if ExitRule.MOVED_OUT in rules:
        for a in agreements:
            if a["enterprise__status"] in (EnterpriseStatus.MOVED_OUT, EnterpriseStatus.DEREGISTERED):
                since = a["enterprise__status_changed_on"]
                details = {
                    "rule": ExitRule.MOVED_OUT,
                    "status": str(EnterpriseStatus(a["enterprise__status"]).label),
                    "status_code": a["enterprise__status"],
                    "since": since.isoformat() if since else "—",
                }
                found[(a["pk"], ExitRule.MOVED_OUT)] = (f"{a['enterprise__status']}:{details['since']}", details)

    if ExitRule.FOUNDER_NOT_FULL_TIME in rules:
        cutoff = add_months(as_of, -rules[ExitRule.FOUNDER_NOT_FULL_TIME])
        founders = {
            (f["enterprise_id"], f["talent_id"]): f
            for f in Founder.objects.filter(
                enterprise_id__in=ent_ids, full_time=False, not_full_time_since__lte=cutoff
            ).values("enterprise_id", "talent_id", "talent__name", "not_full_time_since")
        }
        for a in agreements:
            f = founders.get((a["enterprise_id"], a["talent_id"]))
            if f:
                since = f["not_full_time_since"].isoformat()
                details = {"rule": ExitRule.FOUNDER_NOT_FULL_TIME, "name": f["talent__name"], "since": since}
                found[(a["pk"], ExitRule.FOUNDER_NOT_FULL_TIME)] = (f"since:{since}", details)

    if ExitRule.MILESTONE_OVERDUE in rules:
        days = rules[ExitRule.MILESTONE_OVERDUE]
        cutoff = as_of - timedelta(days=days)
        overdue = (
            Milestone.objects.filter(
                any_of("tranche__agreement_id", [a["pk"] for a in agreements]),
                tranche__state__in=UNPAID,
                met=False,
            )
            .filter(Q(due_on__lte=cutoff) | Q(due_on__isnull=True, tranche__due_on__lte=cutoff))
            .order_by("tranche__agreement_id", "due_on", "id")
            .values("id", "kind", "due_on", "tranche__due_on", "tranche__sequence", "tranche__agreement_id")
        )
        for m in overdue:
            key = (m["tranche__agreement_id"], ExitRule.MILESTONE_OVERDUE)
            if key in found:
                continue
            due = m["due_on"] or m["tranche__due_on"]
            details = {
                "rule": ExitRule.MILESTONE_OVERDUE,
                "milestone": str(MilestoneKind(m["kind"]).label),
                "kind": m["kind"],
                "sequence": m["tranche__sequence"],
                "due": due.isoformat(),
            }
            found[key] = (f"milestone:{m['id']}", details)

    if ExitRule.POOR_EVALUATION in rules:
        running = max(rules[ExitRule.POOR_EVALUATION], 1)
        grades: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for ent, pk, grade in (
            Evaluation.objects.filter(enterprise_id__in=ent_ids)
            .order_by("enterprise_id", "-evaluated_on", "-id")
            .values_list("enterprise_id", "pk", "grade")
        ):
            if len(grades[ent]) < running:
                grades[ent].append((pk, grade))
        for a in agreements:
            latest = grades.get(a["enterprise_id"], [])
            if not latest:
                continue
            poor = latest[0][1] == "D" or (len(latest) >= running and all(g == "C" for _pk, g in latest))
            if poor:
                details = {"rule": ExitRule.POOR_EVALUATION, "grades": ", ".join(g for _pk, g in latest)}
                found[(a["pk"], ExitRule.POOR_EVALUATION)] = (f"evaluation:{latest[0][0]}", details)

    if ExitRule.NO_REVENUE in rules:
        cutoff = add_months(as_of, -rules[ExitRule.NO_REVENUE])
        reported = dict(
            OperatingReport.objects.filter(enterprise_id__in=ent_ids, is_current=True)
            .values("enterprise_id")
            .annotate(total=Sum("main_revenue"))
            .values_list("enterprise_id", "total")
        )
        for a in agreements:
            registered = a["enterprise__registered_on"]
            revenue = max(a["enterprise__cumulative_revenue"] or 0, reported.get(a["enterprise_id"]) or 0)
            if registered and registered <= cutoff and revenue <= 0:
                details = {"rule": ExitRule.NO_REVENUE, "since": registered.isoformat()}
                found[(a["pk"], ExitRule.NO_REVENUE)] = (f"registered:{registered.isoformat()}", details)
    return found


def recompute_exit_flags(ctx: JobContext) -> dict:
    as_of = as_of_date(ctx.params)
    rules = exit_rules()
    counts = {"raised": 0, "updated": 0, "cleared": 0, "held": 0, "released": 0}
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [EXIT_LOCK_KEY])
        ctx.progress(0, 3)
        found = _exit_conditions(as_of, rules)
        ctx.progress(1, 3)
        open_flags = {(f.agreement_id, f.rule): f for f in ExitFlag.objects.filter(state=FlagState.OPEN)}
        dismissed = set(
            ExitFlag.objects.filter(state=FlagState.DISMISSED).values_list("agreement_id", "rule", "evidence_key")
        )
        actor = system_actor()
        in_force = (AgreementState.ACTIVE, AgreementState.SUSPENDED)
        units = {
            pk: unit
            for pk, unit, state in Agreement.objects.filter(any_of("pk", {a for a, _r in found})).values_list(
                "pk", "org_unit_id", "state"
            )
            if state in in_force
        }
        creates, updates = [], []
        now = clock.now()
        for (agreement_id, rule), (key, details) in found.items():
            evidence = explain.flag_evidence_stored(details)
            flag = open_flags.get((agreement_id, rule))
            if flag is None:
                # New flags only for agreements in force and not dismissed on the same evidence.
                if agreement_id not in units or (agreement_id, rule, key) in dismissed:
                    continue
                creates.append(
                    ExitFlag(
                        agreement_id=agreement_id,
                        org_unit_id=units[agreement_id],
                        rule=rule,
                        evidence=evidence,
                        evidence_key=key,
                        details=details,
                        raised_at=now,
                    )
                )
            elif flag.evidence != evidence or flag.evidence_key != key or flag.details != details:
                flag.evidence, flag.evidence_key, flag.details = evidence, key, details
                updates.append(flag)
        if creates:
            ExitFlag.objects.bulk_create(creates, batch_size=BATCH, ignore_conflicts=True)
            counts["raised"] = len(creates)
            notices.flags_raised(
                Q(state=FlagState.OPEN, raised_at=now, agreement_id__in={f.agreement_id for f in creates})
            )
        if updates:
            ExitFlag.objects.bulk_update(updates, ["evidence", "evidence_key", "details"], batch_size=BATCH)
            counts["updated"] = len(updates)
        gone = [f.pk for k, f in open_flags.items() if k not in found]
        gone_agreements = list({f.agreement_id for k, f in open_flags.items() if k not in found})
        if gone:
            # The page says why in the reader's language (the transition's label), nothing stored.
            counts["cleared"] = FLAG_WORKFLOW.apply_many(
                ExitFlag.objects.filter(any_of("pk", gone)),
                action="clear",
                actor=actor,
                values={"closed_at": now, "closed_by": actor},
            )
        ctx.progress(2, 3)
        counts["held"] = hold_flagged(actor=actor)
        if gone_agreements:
            counts["released"] = release_holds(agreement_ids=gone_agreements, actor=actor)
        ctx.progress(3, 3)
    counts["open"] = ExitFlag.objects.filter(state=FlagState.OPEN).count()
    return counts
