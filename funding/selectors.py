"""Reads of the funding app, already scoped to what the user may see, shaped for pages and reports.

Report selectors used by other apps (keep their signatures stable):

- ``funding_figures(year=None, units=None) -> dict``: committed, paid, eligible, held, recovered,
  recovery due, by funding source and by level (city / district share).
- ``exit_figures(units=None) -> dict``: open flags (total and by rule), cases by state, exits,
  recovery due and recovered.
- ``cash_flow_forecast(units=None, start=None) -> list[dict]``: per unit, the next four quarters'
  eligible and likely tranche amounts.

``units`` is an iterable of OrgUnit ids, or ``None`` for the whole district (pass
``qinhuai_talent.core.access.unit_scope(user)``).
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, DecimalField, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _

from qinhuai_talent.core import clock
from qinhuai_talent.core.access import is_office, is_self_service, is_unit_officer, scope_own, scope_units
from qinhuai_talent.core.models import FIELD_UNIT_KINDS, OrgUnit, User
from qinhuai_talent.core.money import to_money
from qinhuai_talent.core.registry import Attention

from . import charges, policies
from .models import (
    ZERO,
    Agreement,
    AgreementState,
    ApprovalLimit,
    Budget,
    CaseState,
    ClosedYear,
    ExitCase,
    ExitFlag,
    ExitRule,
    FlagState,
    FundingSource,
    LedgerEntry,
    LedgerKind,
    Milestone,
    Payout,
    PayoutState,
    Reversal,
    Tranche,
    TrancheState,
    UseOfFundsReport,
)

MONEY = DecimalField(max_digits=16, decimal_places=2)


def _sum(expr: str, **filters) -> Coalesce:
    return Coalesce(Sum(expr, filter=Q(**filters) if filters else None), Value(ZERO), output_field=MONEY)


def _scoped(qs: QuerySet, user: User, field: str = "org_unit") -> QuerySet:
    if not policies.can_see_funding(user):
        return qs.none()
    return scope_units(qs, user, field)


def _in_units(qs: QuerySet, units: Iterable[int] | None, field: str = "org_unit") -> QuerySet:
    return qs if units is None else qs.filter(**{f"{field}__in": list(units)})


# ---------------------------------------------------------------- scoped lists


def _with_progress() -> QuerySet:
    return Agreement.objects.select_related("enterprise", "talent", "program", "org_unit").annotate(
        eligible_amount=_sum("tranches__planned_amount", tranches__state=TrancheState.ELIGIBLE),
        held_amount=_sum("tranches__planned_amount", tranches__state=TrancheState.HELD),
        waiting_amount=_sum("tranches__planned_amount", tranches__state=TrancheState.WAITING),
        # A subquery, not a join: joined beside the tranches, every open flag would repeat each
        # tranche and multiply the sums above.
        open_flags=Coalesce(
            Subquery(
                ExitFlag.objects.filter(agreement=OuterRef("pk"), state=FlagState.OPEN)
                .order_by()
                .values("agreement")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            0,
        ),
    )


def agreements_for(user: User) -> QuerySet:
    """Agreements with their progress: paid, eligible (proposed or approved), held, remaining."""
    return _scoped(_with_progress(), user)


def agreements_in_scope(user: User) -> QuerySet:
    """The agreements the user may read, without the progress figures (a search, a picker)."""
    return _scoped(Agreement.objects.select_related("enterprise", "talent"), user)


def progress_of(agreement: Agreement) -> list[tuple[str, str, Decimal, float]]:
    """The progress bar's segments: (code, label, amount, percent of total)."""
    total = agreement.total or Decimal("1")
    parts = [
        ("paid", _("Paid"), agreement.paid_total, "bg-success"),
        ("eligible", _("Eligible"), agreement.eligible_amount, "bg-primary"),
        ("held", _("Held"), agreement.held_amount, "bg-danger"),
        ("remaining", _("Remaining"), agreement.waiting_amount, "bg-secondary"),
    ]
    return [(code, label, amount, float(amount / total * 100), css) for code, label, amount, css in parts]


def tranches_for(user: User) -> QuerySet:
    """Tranches in the officer's units; a self-service account's own (``own_agreements``' tranches)."""
    qs = Tranche.objects.select_related("agreement", "agreement__org_unit").prefetch_related("milestones")
    if is_self_service(user):
        return qs.filter(agreement__in=own_agreement_ids(user))
    return _scoped(qs, user, "agreement__org_unit")


def _payout_rows() -> QuerySet:
    return Payout.objects.select_related("agreement", "agreement__enterprise", "tranche", "org_unit")


def payouts_for(user: User) -> QuerySet:
    return _scoped(_payout_rows().select_related("prepared_by", "approved_by"), user)


def agreements_in_reach(user: User) -> QuerySet:
    """The agreements the API lists, with their progress: the caller's units', or a self-service
    account's own (``own_agreements``, which its pages show)."""
    if is_self_service(user):
        return _with_progress().filter(pk__in=own_agreement_ids(user))
    return agreements_for(user)


def payouts_in_reach(user: User) -> QuerySet:
    """The payouts the API lists: the caller's units', or those of a self-service account's own
    agreements (what ``my_agreements`` shows of each tranche's payout; the API's serializer for
    these accounts names nobody, as the page does)."""
    if is_self_service(user):
        return _payout_rows().filter(agreement__in=own_agreement_ids(user))
    return payouts_for(user)


def approval_queue(user: User) -> QuerySet:
    """Proposed payouts this user approves: a unit officer the unit-level ones of their unit,
    the office the district-level ones (and it may take any)."""
    level = policies.approver_queue_level(user)
    qs = payouts_for(user).filter(state=PayoutState.PROPOSED).order_by("computed_at", "id")
    if level is None:
        return qs.none()
    qs = qs.filter(approver_level=level)
    if user.pk is not None:
        qs = qs.exclude(prepared_by=user).exclude(tranche__milestones__verified_by=user)
    return qs


def finance_queue(user: User) -> QuerySet:
    if not (policies.is_finance(user) or is_office(user)):
        return Payout.objects.none()
    # Four eyes: nobody is asked to pay what they approved or prepared.
    return (
        payouts_for(user)
        .filter(state=PayoutState.APPROVED)
        .exclude(approved_by=user)
        .exclude(prepared_by=user)
        .exclude(tranche__milestones__verified_by=user)
        .order_by("approved_at", "id")
    )


def ledger_for(user: User) -> QuerySet:
    qs = LedgerEntry.objects.select_related("agreement", "payout", "org_unit", "recorded_by")
    return _scoped(qs, user)


def budgets_for(user: User) -> QuerySet:
    """Budgets with committed and paid (see ``services.budget_figures_of`` for the rule)."""
    qs = Budget.objects.select_related("org_unit").annotate(
        committed=charges.budget_committed(), paid=charges.budget_paid()
    )
    return _scoped(qs, user)


def reversals_for(user: User) -> QuerySet:
    """Payment reversals, proposed and decided, in the user's scope (money readers only)."""
    qs = Reversal.objects.select_related(
        "payout__tranche", "payout__agreement", "org_unit", "proposed_by", "decided_by", "payment", "entry"
    )
    return _scoped(qs, user)


def limits_for(user: User) -> QuerySet:
    """Delegated approval limits: a unit's officers see their own unit's, the district every one."""
    return _scoped(ApprovalLimit.objects.select_related("org_unit"), user).order_by("org_unit__kind", "org_unit__code")


def units_with_limits(user: User) -> list[OrgUnit]:
    """Every field unit in the user's scope with its limit (``limit``: the row, or ``None``)."""
    if not policies.can_see_funding(user):
        return []
    limits = {lim.org_unit_id: lim for lim in limits_for(user)}
    units = scope_units(OrgUnit.objects.filter(kind__in=FIELD_UNIT_KINDS), user, "pk").order_by("kind", "code")
    rows = list(units)
    for unit in rows:
        unit.limit = limits.get(unit.pk)
    return rows


def closed_years_for(user: User) -> QuerySet:
    """Closed financial years are district-wide: everyone who sees money sees them."""
    if not policies.can_see_funding(user):
        return ClosedYear.objects.none()
    return ClosedYear.objects.select_related("closed_by").order_by("-year")


def flags_for(user: User) -> QuerySet:
    qs = ExitFlag.objects.select_related("agreement", "agreement__enterprise", "org_unit", "closed_by")
    return _scoped(qs, user)


def cases_for(user: User) -> QuerySet:
    qs = ExitCase.objects.select_related("agreement", "agreement__enterprise", "org_unit")
    return _scoped(qs, user)


def exit_board(user: User) -> dict:
    """Open flags counted by rule × unit, open cases with their deadlines."""
    counts = (
        flags_for(user)
        .filter(state=FlagState.OPEN)
        .values("org_unit__code", "org_unit__name", "rule")
        .annotate(n=Count("id"))
    )
    units: dict[str, dict] = {}
    for row in counts:
        unit = units.setdefault(
            row["org_unit__code"], {"name": row["org_unit__name"], "rules": defaultdict(int), "total": 0}
        )
        unit["rules"][row["rule"]] += row["n"]
        unit["total"] += row["n"]
    rules = list(ExitRule)
    table = [
        {"code": code, "name": u["name"], "cells": [u["rules"].get(r.value, 0) for r in rules], "total": u["total"]}
        for code, u in sorted(units.items())
    ]
    cases = (
        cases_for(user)
        .filter(state__in=(CaseState.INVESTIGATION, CaseState.RECTIFICATION))
        .order_by("rectification_due", "opened_at")
    )
    return {"rules": rules, "table": table, "cases": cases}


# ---------------------------------------------------------------- report figures


def _agreements_in(year: int | None, units: Iterable[int] | None) -> QuerySet:
    """The agreements charged to ``year``: to a budget of that year, or starting that year when they
    have none. The year's budgets are a subquery rather than a join: the planner tests each
    agreement against a small hashed set instead of joining every agreement to its budget first."""
    qs = _in_units(Agreement.objects.all(), units)
    if year is not None:
        qs = qs.filter(
            Q(budget__in=Budget.objects.filter(year=year).values("pk")) | Q(budget__isnull=True, starts_on__year=year)
        )
    return qs


def _sums_of_agreements(agreements: QuerySet, parts: dict[str, tuple[QuerySet, str]]) -> dict[str, Decimal]:
    """For each ``name: (rows, amount field)``, the sum of ``amount`` over the rows of the
    ``agreements`` (each row has an ``agreement``): one statement, the rows of every part in one
    ``UNION ALL`` kept to the agreements by one ``IN`` (so the agreements' rule is evaluated once,
    not once a part). Zero where a part has no row."""
    sums = dict.fromkeys(parts, ZERO)
    branches, params = [], []
    try:
        within, within_params = agreements.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # no agreement can match (an empty scope)
        return sums
    for name, (rows, amount) in parts.items():
        try:
            sql, branch_params = (
                rows.order_by().annotate(figure=Value(name), x=F(amount)).values("figure", "agreement_id", "x")
            ).query.sql_with_params()
        except EmptyResultSet:
            continue
        branches.append(f"SELECT * FROM ({sql}) b{len(branches)}")  # noqa: S608 (the ORM's own SQL)
        params.extend(branch_params)
    if not branches:
        return sums
    # The ORM's own SQL, its values passed as parameters.
    statement = (
        f"SELECT r.figure, SUM(r.x) FROM ({' UNION ALL '.join(branches)}) r "  # noqa: S608
        f"WHERE r.agreement_id IN ({within}) GROUP BY r.figure"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, *within_params])
        for name, total in cursor.fetchall():
            sums[name] = to_money(total or 0)
    return sums


def funding_figures(year: int | None = None, units: Iterable[int] | None = None) -> dict:
    """Committed, paid, eligible, held, recovered and recovery due, with splits by source and level.

    ``year`` selects agreements charged to that year's budgets (or starting that year when they
    have none). By source, each component (district's share, city's share) counts under the source
    of the budget it is charged to; by level, the city's and the district's components, so both
    splits add up to the committed total and agree with the budgets (``funding.charges``). Amounts
    are Decimal yuan. Three queries: the agreements grouped by the sources of their two budgets (the
    totals and both splits), the held tranches, eligible payouts, recoveries and recovery due of
    those agreements (one statement), the budgets by source.
    """
    agreements = _agreements_in(year, units)
    fields = charges.BUDGET_FIELD
    groups = (
        agreements.values(*(f"{field}__source" for field in fields.values()))
        .annotate(
            n=Count("*"),
            paid=_sum("paid_total"),
            **{
                f"{measure.__name__}_{component}": Coalesce(Sum(measure(component)), Value(ZERO), output_field=MONEY)
                for component in fields
                for measure in (charges.committed_of, charges.paid_of)
            },
        )
        .order_by()
    )
    by_source = {s.value: {"source": s.value, "committed": ZERO, "paid": ZERO, "budget": ZERO} for s in FundingSource}
    totals = {"agreements": 0, "paid": ZERO, charges.CITY: ZERO, charges.DISTRICT: ZERO}
    for row in groups:
        totals["agreements"] += row["n"]
        totals["paid"] += row["paid"]
        for component, field in fields.items():
            totals[component] += row[f"committed_of_{component}"]
            # Each component under the source of the budget it is charged to (funding.charges).
            source = row[f"{field}__source"]
            if source is not None:
                by_source[source]["committed"] += row[f"committed_of_{component}"]
                by_source[source]["paid"] += row[f"paid_of_{component}"]
    sums = _sums_of_agreements(
        agreements,
        {
            "held": (Tranche.objects.filter(state=TrancheState.HELD), "planned_amount"),
            "eligible": (Payout.objects.filter(state__in=(PayoutState.PROPOSED, PayoutState.APPROVED)), "amount"),
            "recovered": (LedgerEntry.objects.filter(kind=LedgerKind.RECOVERY), "amount"),
            "recovery_due": (ExitCase.objects.all(), "recovery_due"),
        },
    )
    budgets = _in_units(Budget.objects.all(), units)
    if year is not None:
        budgets = budgets.filter(year=year)
    for row in budgets.values("source").annotate(amount=_sum("amount")):
        by_source[row["source"]]["budget"] = row["amount"]
    return {
        "agreements": totals["agreements"],
        "committed": totals[charges.CITY] + totals[charges.DISTRICT],
        "paid": totals["paid"],
        "eligible": sums["eligible"],
        "held": sums["held"],
        "recovered": -sums["recovered"],
        "recovery_due": sums["recovery_due"],
        "by_source": list(by_source.values()),
        "by_level": {"city": totals[charges.CITY], "district": totals[charges.DISTRICT]},
    }


def exit_figures(units: Iterable[int] | None = None) -> dict:
    """Open flags (total and by rule), cases by state, exits decided, recovery due and recovered.
    Two queries: the open flags by rule, the cases by state with their money."""
    flags = _in_units(ExitFlag.objects.filter(state=FlagState.OPEN), units)
    by_rule = {r.value: 0 for r in ExitRule}
    for row in flags.values("rule").annotate(n=Count("*")):
        by_rule[row["rule"]] = row["n"]
    cases = _in_units(ExitCase.objects.all(), units)
    by_state = {s.value: 0 for s in CaseState}
    money = {"due": ZERO, "recovered": ZERO}
    for row in cases.values("state").annotate(n=Count("*"), due=_sum("recovery_due"), recovered=_sum("recovered")):
        by_state[row["state"]] = row["n"]
        money["due"] += row["due"]
        money["recovered"] += row["recovered"]
    return {
        "open_flags": sum(by_rule.values()),
        "open_flags_by_rule": by_rule,
        "cases": by_state,
        "open_cases": by_state[CaseState.INVESTIGATION] + by_state[CaseState.RECTIFICATION],
        "exits": by_state[CaseState.EXITED],
        "recovery_due": money["due"],
        "recovered": money["recovered"],
    }


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _next_quarter(day: date) -> date:
    return date(day.year + (day.month == 10), (day.month + 2) % 12 + 1, 1)


def cash_flow_forecast(units: Iterable[int] | None = None, start: date | None = None) -> dict:
    """The next four quarters by unit: ``eligible`` (payable now, counted in the current quarter)
    and ``likely`` (waiting tranches by due date; overdue ones in the current quarter). Held
    tranches are left out until their flag is resolved. One query."""
    first = _quarter_start(start or clock.today())
    quarters = [first]
    for _i in range(3):
        quarters.append(_next_quarter(quarters[-1]))
    end = _next_quarter(quarters[-1])
    rows = (
        _in_units(Tranche.objects.all(), units, "agreement__org_unit")
        .filter(
            agreement__state=AgreementState.ACTIVE,
            state__in=(TrancheState.ELIGIBLE, TrancheState.WAITING),
        )
        .filter(Q(state=TrancheState.ELIGIBLE) | Q(due_on__lt=end) | Q(due_on__isnull=True))
        .values("agreement__org_unit__code", "agreement__org_unit__name", "state", "due_on", "planned_amount")
    )
    table: dict[str, dict] = {}
    for r in rows:
        unit = table.setdefault(
            r["agreement__org_unit__code"],
            {
                "code": r["agreement__org_unit__code"],
                "name": r["agreement__org_unit__name"],
                "quarters": [{"eligible": ZERO, "likely": ZERO} for _q in quarters],
            },
        )
        if r["state"] == TrancheState.ELIGIBLE or r["due_on"] is None or r["due_on"] < first:
            index = 0
        else:
            index = max(i for i, q in enumerate(quarters) if q <= r["due_on"])
        unit["quarters"][index]["eligible" if r["state"] == TrancheState.ELIGIBLE else "likely"] += r["planned_amount"]
    labels = [f"{q.year}Q{(q.month - 1) // 3 + 1}" for q in quarters]
    units_rows = sorted(table.values(), key=lambda u: u["code"])
    totals = [
        {
            "eligible": sum((u["quarters"][i]["eligible"] for u in units_rows), ZERO),
            "likely": sum((u["quarters"][i]["likely"] for u in units_rows), ZERO),
        }
        for i in range(len(quarters))
    ]
    return {"quarters": labels, "units": units_rows, "totals": totals}


# ---------------------------------------------------------------- home page


def attention(user: User) -> list[Attention]:
    items: list[Attention] = []
    if not policies.can_see_funding(user):
        return items
    if policies.approver_queue_level(user) is not None:
        items.append(
            Attention(
                key="funding.to_approve",
                label=_("Payouts awaiting your approval"),
                items=approval_queue(user),
                url=reverse("funding:payout-queue"),
            )
        )
    if policies.is_finance(user):
        items.append(
            Attention(
                key="funding.to_pay",
                label=_("Approved payouts awaiting payment"),
                items=finance_queue(user),
                url=reverse("funding:finance-queue"),
            )
        )
    if is_office(user) or is_unit_officer(user):
        items.append(
            Attention(
                key="funding.exit_flags",
                label=_("Open exit flags"),
                items=flags_for(user).filter(state=FlagState.OPEN),
                url=reverse("funding:exit-board"),
                level="danger",
            )
        )
    return items


def units_for_filter(user: User) -> QuerySet:
    return scope_units(OrgUnit.objects.filter(kind__in=("street", "park", "innovation_group")), user, "pk")


# ---------------------------------------------------------------- the enterprise's and talent's own (issue 16)


# Who owns an agreement: the enterprise's own account, and the talent accounts of its founders.
AGREEMENT_OWNERS = {"enterprise": "enterprise__account", "talent": "enterprise__founders__talent__account"}


def own_agreement_ids(user: User) -> QuerySet:
    """The ids of a self-service account's own agreements, as a subquery (none for other roles):
    filtering by it rather than joining the founders keeps a row, and the sums beside it, single."""
    return scope_own(Agreement.objects.order_by(), user, **AGREEMENT_OWNERS).values("pk")


def own_agreements(user: User) -> QuerySet:
    """An enterprise account's agreements, or a talent's agreements of the enterprises they founded,
    with tranches, milestones and payouts (their states; not who approved them)."""
    qs = (
        Agreement.objects.select_related("enterprise", "program", "org_unit")
        .prefetch_related(
            Prefetch(
                "tranches",
                queryset=Tranche.objects.select_related("payout", "use_of_funds")
                .order_by("sequence")
                .prefetch_related(Prefetch("milestones", queryset=Milestone.objects.order_by("id"))),
            )
        )
        .order_by("number")
    )
    return scope_own(qs, user, **AGREEMENT_OWNERS)


def own_tranches(user: User) -> QuerySet:
    """The tranches of an enterprise account's own agreements (the enterprise reports the use of its
    funds; a founder's talent account reads the agreements but does not report for the company)."""
    qs = Tranche.objects.select_related("agreement__enterprise", "payout", "use_of_funds").prefetch_related(
        Prefetch("milestones", queryset=Milestone.objects.order_by("id"))
    )
    return scope_own(qs, user, enterprise="agreement__enterprise__account")


def use_of_funds_reports_for(user: User) -> QuerySet:
    """Use-of-funds reports a person may read (with their attachment): those of a self-service
    account's own agreements (the enterprise's, which files them, and its founders', whose agreement
    page shows them), an officer their units', the office and finance every unit's."""
    qs = UseOfFundsReport.objects.select_related("tranche__agreement")
    if is_self_service(user):
        return qs.filter(tranche__agreement__in=own_agreement_ids(user))
    return _scoped(qs, user)
