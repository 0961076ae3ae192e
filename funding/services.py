"""Every write of the funding app: agreements, milestones, approval, payment, the ledger, exits.

Money rules kept here and by the database together: an agreement never commits more than its
budget has available (the budget row is locked while checking); ``paid_total`` moves in the same
transaction as the ledger entry that justifies it (and a CheckConstraint keeps it within the
total); a payout is paid at most once (a partial unique index on the ledger plus a row lock on
the payout, taken after the agreement's so every writer locks in the same order).
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from qinhuai_talent.core import clock
from qinhuai_talent.core.access import can_manage_unit, is_office
from qinhuai_talent.core.chains import chain_head_advance, head_problems
from qinhuai_talent.core.clock import add_months
from qinhuai_talent.core.errors import ActionNotAllowed, DomainError
from qinhuai_talent.core.models import ChainHead, UnitKind, User
from qinhuai_talent.core.money import to_money
from talents import support as talent_support
from talents.models import Application, ApplicationState
from talents.services import upload_check

from . import charges, notices, policies
from .models import (
    ZERO,
    Agreement,
    AgreementNumberCounter,
    AgreementState,
    ApprovalLimit,
    ApproverLevel,
    Budget,
    CaseState,
    ClosedYear,
    ExitCase,
    ExitFlag,
    FlagState,
    FundingSource,
    LedgerEntry,
    LedgerKind,
    Milestone,
    MilestoneKind,
    Payout,
    PayoutState,
    PlanTemplate,
    Reversal,
    Tranche,
    TrancheState,
    UseOfFundsReport,
)
from .workflows import (
    AGREEMENT_WORKFLOW,
    CASE_WORKFLOW,
    FLAG_WORKFLOW,
    LIVE_REVERSAL_STATES,
    OPEN_CASE_STATES,
    PAYOUT_WORKFLOW,
    REVERSAL_WORKFLOW,
    TRANCHE_WORKFLOW,
    UNPAID_TRANCHE_STATES,
)

LEDGER_LOCK_KEY = 5_202_605  # PostgreSQL advisory lock id that serialises ledger appends
LEDGER_CHAIN = "ledger"


def parse_money(value, *, field: str, allow_zero: bool = True) -> Decimal:
    """A yuan amount from user input, or a 400 naming the field."""
    try:
        amount = to_money(value if value not in (None, "") else "x")
    except (InvalidOperation, ValueError, TypeError):
        raise DomainError(_("Enter an amount in yuan, such as 300000.00."), field=field, code="not_money") from None
    if amount < 0 or (amount == 0 and not allow_zero):
        raise DomainError(_("The amount must be greater than zero."), field=field, code="not_positive")
    return amount


# ---------------------------------------------------------------- budgets


@dataclass(frozen=True)
class BudgetFigures:
    amount: Decimal
    committed: Decimal
    paid: Decimal

    @property
    def available(self) -> Decimal:
        return self.amount - self.committed


def budget_charged(budget: Budget) -> bool:
    """Whether any agreement is charged to the budget (with either of its components)."""
    return budget.agreements.exists() or budget.city_agreements.exists()


def budget_figures_of(budget: Budget) -> BudgetFigures:
    """Committed and paid: each agreement's component charged to this budget (``funding.charges``:
    shares of agreements in force in full, what terminated ones paid, the district's share first)."""
    row = Budget.objects.filter(pk=budget.pk).annotate(c=charges.budget_committed(), p=charges.budget_paid())
    committed, paid = row.values_list("c", "p").get()
    return BudgetFigures(amount=budget.amount, committed=to_money(committed), paid=to_money(paid))


BUDGET_FIRST_YEAR = 2000


def _budget_check(*, org_unit, year, source: str, amount) -> tuple[int, Decimal]:
    """A budget's unit, year, source and amount, or a 400 naming the field."""
    if org_unit is None or not org_unit.is_field_unit:
        raise DomainError(_("A budget belongs to a street, a park or the innovation group."), field="org_unit")
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise DomainError(_("Enter a year, such as 2017."), field="year") from None
    last = clock.today().year + 1
    if not BUDGET_FIRST_YEAR <= year <= last:
        raise DomainError(
            _("A budget is set for a year from %(first)s to %(last)s.") % {"first": BUDGET_FIRST_YEAR, "last": last},
            field="year",
        )
    if source not in FundingSource.values:
        raise DomainError(_("Choose a funding source."), field="source")
    if source == FundingSource.PARK_FUNDS and org_unit.kind != UnitKind.PARK:
        raise DomainError(_("Only a park has park funds."), field="source")
    return year, parse_money(amount, field="amount")


def _budget_year_open(year: int) -> None:
    if ClosedYear.objects.filter(year=year).exists():
        raise DomainError(
            _("The financial year %(year)s is closed: its budgets no longer change.") % {"year": year},
            field="year",
            code="closed_year",
        )


def _budget_unique(*, org_unit, year: int, source: str, exclude: int | None = None) -> None:
    taken = Budget.objects.filter(org_unit=org_unit, year=year, source=source).exclude(pk=exclude)
    if taken.exists():
        raise DomainError(
            _("%(unit)s already has a %(year)s budget from %(source)s.")
            % {"unit": org_unit, "year": year, "source": FundingSource(source).label},
            field="source",
            code="duplicate",
        )


def budget_create(*, actor: User, org_unit, year, source: str, amount) -> Budget:
    """The office sets a unit's budget of a year from one source (one per unit, year and source)."""
    if not is_office(actor):
        raise ActionNotAllowed(_("Only the district office sets budgets."))
    year, amount = _budget_check(org_unit=org_unit, year=year, source=source, amount=amount)
    with transaction.atomic():
        _budget_year_open(year)
        _budget_unique(org_unit=org_unit, year=year, source=source)
        budget = Budget(org_unit=org_unit, year=year, source=source, amount=amount)
        budget._history_user = actor
        try:
            with transaction.atomic():
                budget.save(force_insert=True)
        except IntegrityError:  # the same budget set at the same moment: the database's constraint
            _budget_unique(org_unit=org_unit, year=year, source=source)
            raise
    return budget


def budget_update(*, actor: User, budget_id: int, amount=None, org_unit=None, year=None, source=None) -> Budget:
    """The office changes a budget: never below what is committed against it; its unit, year and
    source only while nothing is charged to it. Kept in the budget's history."""
    if not is_office(actor):
        raise ActionNotAllowed(_("Only the district office sets budgets."))
    with transaction.atomic():
        budget = Budget.objects.select_for_update().select_related("org_unit").get(pk=budget_id)
        org_unit = budget.org_unit if org_unit is None else org_unit
        year, amount = _budget_check(
            org_unit=org_unit,
            year=budget.year if year is None else year,
            source=budget.source if source is None else source,
            amount=budget.amount if amount is None else amount,
        )
        source = budget.source if source is None else source
        _budget_year_open(budget.year)
        moved = (org_unit.pk, year, source) != (budget.org_unit_id, budget.year, budget.source)
        if moved:
            _budget_year_open(year)
            if budget_charged(budget):
                raise DomainError(
                    _("Agreements are charged to this budget: its unit, year and source stay."),
                    field="source" if source != budget.source else ("year" if year != budget.year else "org_unit"),
                    code="in_use",
                )
            _budget_unique(org_unit=org_unit, year=year, source=source, exclude=budget.pk)
        figures = budget_figures_of(budget)
        if amount < figures.committed:
            raise DomainError(
                _("The budget cannot be less than the %(committed)s already committed.")
                % {"committed": f"{figures.committed:,.2f}"},
                field="amount",
                code="below_committed",
            )
        if not moved and amount == budget.amount:
            return budget
        budget.org_unit, budget.year, budget.source, budget.amount = org_unit, year, source, amount
        budget._history_user = actor
        budget.save(update_fields=["org_unit", "year", "source", "amount"])
    return budget


# ---------------------------------------------------------------- delegated approval limits


def approval_limit_set(*, actor: User, org_unit, max_amount) -> ApprovalLimit:
    """The office sets a street's, park's or the innovation group's delegated approval limit
    (资金审批权): its officers approve payouts up to it, the district above it. Kept in the
    limit's history. The unit's payouts awaiting approval follow the new limit at once (who
    approves them, and the explanation's line that says so), not at the next recompute."""
    if not policies.can_set_budgets(actor):
        raise ActionNotAllowed(_("Only the district office sets budgets and approval limits."))
    if org_unit is None or not org_unit.is_field_unit:
        raise DomainError(
            _("A delegated approval limit belongs to a street, a park or the innovation group."), field="org_unit"
        )
    amount = parse_money(max_amount, field="max_amount")
    with transaction.atomic():
        ApprovalLimit.objects.bulk_create([ApprovalLimit(org_unit=org_unit, max_amount=amount)], ignore_conflicts=True)
        limit = ApprovalLimit.objects.select_for_update().get(org_unit=org_unit)
        created = not limit.history.exists()
        if created or limit.max_amount != amount:
            limit.max_amount = amount
            limit._history_user = actor
            limit.save()
        _relevel_waiting_payouts(org_unit.pk, amount)
    return limit


def _relevel_waiting_payouts(org_unit_id: int, limit: Decimal) -> None:
    waiting = list(
        Payout.objects.select_for_update().filter(org_unit_id=org_unit_id, state=PayoutState.PROPOSED).order_by("pk")
    )
    for payout in waiting:
        payout.approver_level = ApproverLevel.UNIT if payout.amount <= limit else ApproverLevel.DISTRICT
        payout.reasons = [
            {**r, "level": payout.approver_level, "limit": f"{limit:.2f}"} if r.get("code") == "approver" else r
            for r in payout.reasons
        ]
    Payout.objects.bulk_update(waiting, ["approver_level", "reasons"])
    # A payout that now waits for someone else: its new approver hears of it (the notice's key
    # tells each approver of a payout once).
    notices.payouts_waiting([p.pk for p in waiting])


# ---------------------------------------------------------------- agreements


def milestone_validate(*, kind: str, threshold=None, grade: str = "", target_date=None) -> Decimal | None:
    """Check a milestone's parameters; return its threshold as a Decimal (or None)."""
    if kind not in MilestoneKind.values:
        raise DomainError(_("Unknown milestone kind “%(kind)s”.") % {"kind": kind}, field="kind")
    value = None
    if threshold not in (None, ""):
        try:
            value = Decimal(str(threshold))
        except InvalidOperation:
            raise DomainError(_("Enter a number."), field="threshold") from None
        if value < 0:
            raise DomainError(_("A milestone threshold cannot be negative."), field="threshold")
    needs_threshold = kind in (
        MilestoneKind.PAID_IN_CAPITAL,
        MilestoneKind.FINANCING,
        MilestoneKind.REVENUE,
        MilestoneKind.EMPLOYEES,
    )
    if needs_threshold and value is None:
        raise DomainError(_("This milestone needs a threshold."), field="threshold")
    if kind == MilestoneKind.GRADE and grade not in ("A", "B", "C", "D"):
        raise DomainError(_("Choose the grade the evaluation must reach."), field="grade")
    if kind == MilestoneKind.DATE and target_date is None:
        raise DomainError(_("This milestone needs a date."), field="target_date")
    return value


def agreement_create(
    *,
    actor: User,
    application: Application,
    enterprise,
    budget: Budget,
    startup_grant,
    rent_subsidy=ZERO,
    equity_investment=ZERO,
    city_share=ZERO,
    starts_on: date,
    ends_on: date,
    template: PlanTemplate | None = None,
    number: str = "",
    confirm_double_funding: bool = False,
    reason: str = "",
) -> Agreement:
    """Draft an agreement (扶持协议) from an approved application and plan its tranches.

    The startup grant follows the plan template; a rent subsidy is paid yearly on the start's
    anniversaries; an equity investment is one tranche released on manual verification (the
    investment committee's minutes). The district pays what the city does not (at least 1:1).
    """
    if not policies.can_write(actor) or not can_manage_unit(actor, application.org_unit_id):
        raise ActionNotAllowed(_("You may not create agreements for this unit."))
    if application.state != ApplicationState.APPROVED:
        raise DomainError(_("An agreement needs an approved application."), field="application")
    if not enterprise.founders.filter(talent_id=application.talent_id).exists():
        raise DomainError(_("The talent of the application is not a founder of this enterprise."), field="enterprise")
    grant = parse_money(startup_grant, field="startup_grant")
    rent = parse_money(rent_subsidy, field="rent_subsidy")
    equity = parse_money(equity_investment, field="equity_investment")
    city = parse_money(city_share, field="city_share")
    total = grant + rent + equity
    if total <= 0:
        raise DomainError(_("An agreement needs at least one component with an amount."), field="startup_grant")
    if city > total:
        raise DomainError(_("The city share cannot exceed the agreement's total."), field="city_share")
    district = total - city
    if city and district < city:
        raise DomainError(_("The district must match the city's share at least 1:1."), field="city_share")
    if ends_on < starts_on:
        raise DomainError(_("The term must end after it starts."), field="ends_on")
    if budget.org_unit_id != application.org_unit_id and not is_office(actor):
        raise DomainError(_("Choose a budget of the application's hosting unit."), field="budget")
    if budget.source == FundingSource.CITY_SHARE:
        raise DomainError(
            _("Choose the district treasury's or the park's budget; the city's share is charged to its own."),
            field="budget",
            code="wrong_budget_source",
        )
    if grant and template is None:
        raise DomainError(_("Choose a plan template for the startup grant."), field="template")
    # 就高不重复: the person's and their enterprises' other awards (an override: the office, a reason).
    subject = talent_support.for_application(application)
    subject.amount = total
    talent_support.check(subject, actor=actor, override=confirm_double_funding, reason=reason)
    with transaction.atomic():
        # The application's row lock first: two offices drafting for one application queue here,
        # and the second sees the first's agreement (the database's partial unique index stands
        # behind it). Then the budget's.
        Application.objects.select_for_update().filter(pk=application.pk).first()
        if Agreement.objects.filter(application=application).exclude(state=AgreementState.TERMINATED).exists():
            raise DomainError(_("This application already has an agreement."), field="application", code="duplicate")
        budget, city_budget = _lock_budgets(budget, city)
        # Each component against the budget of its source and year (funding.charges).
        for charged, share in ((budget, district), (city_budget, city)):
            if charged is None:
                continue
            figures = budget_figures_of(charged)
            if share > figures.available:
                raise DomainError(
                    _("The agreement's %(total)s exceeds the %(available)s still available in the budget.")
                    % {"total": f"{share:,.2f}", "available": f"{figures.available:,.2f}"},
                    field="budget" if charged is budget else "city_share",
                    code="over_budget",
                )
        number = (number or "").strip()
        if number and Agreement.objects.filter(number=number).exists():
            raise DomainError(
                _("The agreement number %(number)s is taken.") % {"number": number}, field="number", code="number_taken"
            )
        agreement = Agreement.objects.create(
            number=number or _next_number(starts_on.year),
            enterprise=enterprise,
            talent_id=application.talent_id,
            program_id=application.call.program_id,
            application=application,
            org_unit_id=application.org_unit_id,
            budget=budget,
            city_budget=city_budget,
            startup_grant=grant,
            rent_subsidy=rent,
            equity_investment=equity,
            total=total,
            city_share=city,
            district_share=district,
            starts_on=starts_on,
            ends_on=ends_on,
            created_by=actor,
        )
        _plan_tranches(agreement, template)
    return agreement


def _lock_budgets(budget: Budget, city: Decimal) -> tuple[Budget, Budget | None]:
    """Lock the district component's budget and, with a city share, the unit's city-share budget
    of the same year (in id order, as every writer does); refuse when the city has none."""
    city_budget = None
    if city:
        city_budget = Budget.objects.filter(
            org_unit_id=budget.org_unit_id, year=budget.year, source=FundingSource.CITY_SHARE
        ).first()
        if city_budget is None:
            raise DomainError(
                _("%(unit)s has no city-share budget for %(year)s: the office sets it before a city share is charged.")
                % {"unit": budget.org_unit, "year": budget.year},
                field="city_share",
                code="no_budget",
            )
    ids = sorted({budget.pk, *([city_budget.pk] if city_budget else [])})
    locked = {b.pk: b for b in Budget.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    return locked[budget.pk], locked[city_budget.pk] if city_budget else None


def _next_number(year: int) -> str:
    """The year's next free number, QH-2017-0001 onwards, under the year's counter row lock (not a
    count of the agreements, which collides with a concurrent draft or a deleted number)."""
    prefix = f"QH-{year}-"
    AgreementNumberCounter.objects.bulk_create([AgreementNumberCounter(year=year)], ignore_conflicts=True)
    counter = AgreementNumberCounter.objects.select_for_update().get(year=year)
    last = counter.last
    taken = set(Agreement.objects.filter(number__startswith=prefix).values_list("number", flat=True))
    while f"{prefix}{last + 1:04d}" in taken:  # numbers given by hand, or before the counter
        last += 1
    counter.last = last + 1
    counter.save(update_fields=["last"])
    return f"{prefix}{counter.last:04d}"


def _plan_tranches(agreement: Agreement, template: PlanTemplate | None) -> None:
    seq = 0
    if agreement.startup_grant and template is not None:
        steps = template.steps
        shares = [Decimal(str(s["share"])) for s in steps]
        if sum(shares) != 100:
            raise DomainError(_("The template's shares must add up to 100."), field="template")
        remaining = agreement.startup_grant
        for i, step in enumerate(steps):
            amount = remaining if i == len(steps) - 1 else to_money(agreement.startup_grant * shares[i] / 100)
            remaining -= amount
            due = add_months(agreement.starts_on, int(step.get("months", 0)))
            seq += 1
            tranche = Tranche.objects.create(agreement=agreement, sequence=seq, planned_amount=amount, due_on=due)
            for m in step.get("milestones", []):
                threshold = milestone_validate(
                    kind=m["kind"],
                    threshold=m.get("threshold"),
                    grade=m.get("grade", ""),
                    target_date=due if m["kind"] == MilestoneKind.DATE else None,
                )
                Milestone.objects.create(
                    tranche=tranche,
                    kind=m["kind"],
                    threshold=threshold,
                    grade=m.get("grade", ""),
                    target_date=due if m["kind"] == MilestoneKind.DATE else None,
                    due_on=due,
                )
    if agreement.rent_subsidy:
        years = max(1, agreement.ends_on.year - agreement.starts_on.year)
        remaining = agreement.rent_subsidy
        for i in range(years):
            amount = remaining if i == years - 1 else to_money(agreement.rent_subsidy / years)
            remaining -= amount
            due = add_months(agreement.starts_on, 12 * i)
            seq += 1
            tranche = Tranche.objects.create(agreement=agreement, sequence=seq, planned_amount=amount, due_on=due)
            Milestone.objects.create(tranche=tranche, kind=MilestoneKind.MOVED_IN, due_on=due)
            Milestone.objects.create(tranche=tranche, kind=MilestoneKind.DATE, target_date=due, due_on=due)
    if agreement.equity_investment:
        seq += 1
        tranche = Tranche.objects.create(
            agreement=agreement, sequence=seq, planned_amount=agreement.equity_investment, due_on=agreement.starts_on
        )
        Milestone.objects.create(tranche=tranche, kind=MilestoneKind.MANUAL, due_on=add_months(agreement.starts_on, 6))


def agreement_transition(*, actor: User, agreement_id: int, action: str, reason: str = "") -> Agreement:
    """Take one of the agreement's transitions a person may take (``AGREEMENT_WORKFLOW``: activate,
    suspend, resume, or terminate a draft; an agreement in force ends only through an exit case)."""
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().get(pk=agreement_id)
        AGREEMENT_WORKFLOW.apply(agreement, action=action, actor=actor, reason=reason)
    return agreement


def milestone_add(
    *, actor: User, tranche: Tranche, kind: str, threshold=None, grade: str = "", target_date=None, due_on=None
) -> Milestone:
    if not policies.can_manage_agreement(actor, tranche.agreement):
        raise ActionNotAllowed(_("You may not change this agreement."))
    value = milestone_validate(kind=kind, threshold=threshold, grade=grade, target_date=target_date)
    with transaction.atomic():
        tranche = Tranche.objects.select_for_update().get(pk=tranche.pk)
        if tranche.state not in (TrancheState.WAITING, TrancheState.ELIGIBLE):
            raise DomainError(_("Milestones can be added only to a tranche not yet paid or held."))
        return Milestone.objects.create(
            tranche=tranche, kind=kind, threshold=value, grade=grade, target_date=target_date, due_on=due_on
        )


def milestone_verify(*, actor: User, milestone_id: int, evidence: str) -> Milestone:
    """An officer vouches for a manual milestone; they become the preparer of its payout."""
    evidence = (evidence or "").strip()
    if not evidence:
        raise DomainError(_("Describe the evidence you checked."), field="evidence")
    with transaction.atomic():
        milestone = Milestone.objects.select_for_update().select_related("tranche__agreement").get(pk=milestone_id)
        if not policies.can_manage_agreement(actor, milestone.tranche.agreement):
            raise ActionNotAllowed(_("You may not verify milestones of this agreement."))
        if milestone.kind != MilestoneKind.MANUAL:
            raise DomainError(_("Only a manual milestone is verified by hand; the others follow the data."))
        if milestone.tranche.state not in UNPAID_TRANCHE_STATES:
            raise DomainError(_("The tranche is already settled."))
        milestone.met, milestone.met_on = True, clock.today()
        milestone.evidence, milestone.verified_by = evidence, actor
        milestone.save(update_fields=["met", "met_on", "evidence", "verified_by"])
        notices.milestones_met([milestone.pk])
    return milestone


def use_of_funds_submit(*, actor: User, tranche_id: int, summary: str, submitted_on: date) -> UseOfFundsReport:
    summary = (summary or "").strip()
    if not summary:
        raise DomainError(_("Describe how the funds were used."), field="summary")
    with transaction.atomic():
        tranche = Tranche.objects.select_for_update().select_related("agreement").get(pk=tranche_id)
        if not policies.can_manage_agreement(actor, tranche.agreement):
            raise ActionNotAllowed(_("You may not report for this agreement."))
        if tranche.state != TrancheState.PAID:
            raise DomainError(_("A use-of-funds report follows a paid tranche."))
        report, created = UseOfFundsReport.objects.get_or_create(
            tranche=tranche,
            defaults={"org_unit_id": tranche.agreement.org_unit_id, "summary": summary, "submitted_on": submitted_on},
        )
        if not created:
            if report.accepted:
                raise DomainError(_("The report has already been accepted."))
            report.summary, report.submitted_on = summary, submitted_on
            report.save(update_fields=["summary", "submitted_on"])
    return report


def use_of_funds_report(
    *,
    actor: User,
    tranche_id: int,
    period_start: date,
    period_end: date,
    amount_used: Decimal,
    summary: str,
    upload: UploadedFile | None,
) -> UseOfFundsReport:
    """The enterprise's own use-of-funds report on a paid tranche (资金使用情况报告): the period,
    the amount used (at most what was paid), how, and a statement of expenditure (PDF, PNG or
    JPEG, checked as an application's documents are and stored privately). One report per
    tranche; the officers of the agreement's unit hear of it and accept it, and the next
    tranche's ``use_of_funds`` milestone reads the acceptance at the next recompute."""
    summary = (summary or "").strip()
    if not summary:
        raise DomainError(_("Describe how the funds were used."), field="summary", code="summary_missing")
    if period_start is None or period_end is None or period_end < period_start:
        raise DomainError(_("The period must end on or after its first day."), field="period_end", code="period_order")
    if period_end > clock.today():
        raise DomainError(_("The period cannot end in the future."), field="period_end", code="period_future")
    if amount_used is None or amount_used < 0:
        raise DomainError(_("Enter the amount used, zero or more."), field="amount_used", code="amount_negative")
    if upload is None:
        raise DomainError(_("Attach the statement of expenditure."), field="file", code="file_missing")
    content_type = upload_check(upload)
    with transaction.atomic():
        tranche = (
            Tranche.objects.select_for_update()
            .select_related("agreement__enterprise", "agreement__org_unit")
            .get(pk=tranche_id)
        )
        if not policies.can_report_use_of_funds(actor, tranche):
            raise ActionNotAllowed(_("Only the enterprise's own account reports the use of its funds."))
        if tranche.state != TrancheState.PAID:
            raise DomainError(
                _("Tranche %(sequence)s has not been paid yet; its use-of-funds report follows the payment.")
                % {"sequence": tranche.sequence},
                code="tranche_not_paid",
            )
        existing = UseOfFundsReport.objects.filter(tranche=tranche).first()
        if existing is not None:
            raise DomainError(
                _("The use-of-funds report of tranche %(sequence)s was already submitted on %(date)s.")
                % {"sequence": tranche.sequence, "date": existing.submitted_on.isoformat()},
                code="report_exists",
            )
        paid = Payout.objects.filter(tranche=tranche, state=PayoutState.PAID).values_list("amount", flat=True).first()
        if paid is not None and amount_used > paid:
            raise DomainError(
                _("The amount used (%(used)s yuan) is more than the %(paid)s yuan paid for this tranche.")
                % {"used": f"{to_money(amount_used):,.2f}", "paid": f"{to_money(paid):,.2f}"},
                field="amount_used",
                code="amount_above_paid",
            )
        report = UseOfFundsReport(
            tranche=tranche,
            org_unit_id=tranche.agreement.org_unit_id,
            summary=summary,
            submitted_on=clock.today(),
            period_start=period_start,
            period_end=period_end,
            amount_used=to_money(amount_used),
            original_name=PurePath(upload.name).name[:200],
            content_type=content_type,
            size=upload.size,
            submitted_by=actor,
        )
        report.file.save(upload.name, upload, save=False)
        # A row that cannot be written leaves no file behind.
        try:
            report.save()
            notices.use_of_funds_submitted(report)
        except Exception:
            report.file.delete(save=False)
            raise
    return report


def use_of_funds_accept(*, actor: User, report_id: int) -> UseOfFundsReport:
    with transaction.atomic():
        report = UseOfFundsReport.objects.select_for_update().get(pk=report_id)
        if not policies.can_write(actor) or not can_manage_unit(actor, report.org_unit_id):
            raise ActionNotAllowed(_("You may not accept this report."))
        if not report.accepted:
            report.accepted, report.accepted_by, report.accepted_on = True, actor, clock.today()
            report.save(update_fields=["accepted", "accepted_by", "accepted_on"])
            notices.use_of_funds_accepted(report)
    return report


# ---------------------------------------------------------------- approval and payment


def _lock_payout(payout_id: int) -> tuple[Agreement, Payout]:
    """Lock the agreement, then the payout: the same order as the recompute, so no deadlock."""
    agreement_id = Payout.objects.filter(pk=payout_id).values_list("agreement_id", flat=True).first()
    if agreement_id is None:
        raise Payout.DoesNotExist
    agreement = Agreement.objects.select_for_update().get(pk=agreement_id)
    payout = Payout.objects.select_for_update().select_related("tranche").get(pk=payout_id)
    payout.agreement = agreement
    return agreement, payout


def payout_approve(*, actor: User, payout_id: int) -> Payout:
    """Who approves, from which state and under which condition (the delegated limit, four eyes,
    no open exit flag, the agreement in force, something payable): ``PAYOUT_WORKFLOW``'s ``approve``."""
    with transaction.atomic():
        _agreement, payout = _lock_payout(payout_id)
        entry = PAYOUT_WORKFLOW.apply(payout, action="approve", actor=actor)
        notices.payout_moved(payout, event="payout_approved", key=f"payout:{payout.pk}:approve:{entry.pk}")
    return payout


def payout_return(*, actor: User, payout_id: int, reason: str) -> Payout:
    """The approver returns a proposed payout with the reason (退回); its preparer hears of it
    and the unit resubmits it once put right. Whoever may approve it may return it."""
    with transaction.atomic():
        agreement, payout = _lock_payout(payout_id)
        entry = PAYOUT_WORKFLOW.apply(payout, action="return", actor=actor, reason=reason)
        payout.agreement = agreement
        notices.payout_returned(payout, reason=entry.reason, key=f"payout:{payout.pk}:returned:{entry.pk}")
    return payout


def payout_resubmit(*, actor: User, payout_id: int, reason: str = "") -> Payout:
    """The unit puts a returned payout to its approver again; the nightly recompute keeps its
    figures current meanwhile but never resubmits it by itself."""
    with transaction.atomic():
        agreement, payout = _lock_payout(payout_id)
        PAYOUT_WORKFLOW.apply(payout, action="resubmit", actor=actor, reason=reason)
        payout.agreement = agreement
    return payout


def _ledger_lock() -> None:
    """Serialise appends so each entry chains to exactly one predecessor."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LEDGER_LOCK_KEY])


def ledger_payload(entry: LedgerEntry) -> str:
    return json.dumps(
        [
            entry.agreement_id,
            entry.payout_id,
            entry.org_unit_id,
            entry.kind,
            f"{Decimal(entry.amount):.2f}",
            entry.voucher,
            entry.entry_date.isoformat(),
            entry.recorded_by_id,
            entry.recorded_at.isoformat(),
            entry.note,
            entry.prev_hash,
            # The payment a reversal points at; absent from the entries before reversals did.
            *([entry.reverses_id] if entry.reverses_id else []),
        ],
        ensure_ascii=False,
    )


def ledger_hash(entry: LedgerEntry) -> str:
    return hashlib.sha256(ledger_payload(entry).encode()).hexdigest()


def _ledger_append(*, date_field: str = "entry_date", **fields) -> LedgerEntry:
    """Append one entry to the chain. Its date must lie in a year the office has not closed; the
    check runs under the ledger's lock, which closing a year takes too, so no entry slips into a
    year being closed."""
    _ledger_lock()
    _refuse_closed_year(fields["entry_date"], date_field)
    prev = LedgerEntry.objects.order_by("-id").values_list("hash", flat=True).first()
    entry = LedgerEntry(recorded_at=clock.now(), prev_hash=prev or "", **fields)
    entry.hash = ledger_hash(entry)
    entry.save(force_insert=True)
    chain_head_advance(LEDGER_CHAIN, last_id=entry.pk, last_hash=entry.hash, length=LedgerEntry.objects.count)
    return entry


def _refuse_closed_year(day: date, field: str) -> None:
    if ClosedYear.objects.filter(year=day.year).exists():
        raise DomainError(
            _("The financial year %(year)s is closed: no entry may be dated %(date)s.")
            % {"year": day.year, "date": day.isoformat()},
            field=field,
            code="closed_year",
        )


def _check_entry_date(value: date | None, field: str, *, not_before: date | None = None, after_what=None) -> date:
    """The date of a ledger entry: today when not given; never in the future, never before the
    event that allows it (``not_before``: the approval of a payment, the decision of a recovery)."""
    today = clock.today()
    if value is None:
        value = today
    if value > today:
        raise DomainError(_("The date cannot be in the future."), field=field, code="future_date")
    if not_before is not None and value < not_before:
        raise DomainError(
            _("The date %(date)s is before %(event)s on %(allowed)s.")
            % {"date": value.isoformat(), "event": after_what, "allowed": not_before.isoformat()},
            field=field,
            code="before_approval",
        )
    return value


def financial_year_close(*, actor: User, year, reason: str) -> ClosedYear:
    """The office closes a financial year that has ended; from then on no ledger entry (payment,
    reversal, recovery) may be dated in it. Serialised with the ledger's appends."""
    if not is_office(actor):
        raise ActionNotAllowed(_("Only the district office closes a financial year."))
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise DomainError(_("Enter a year, such as 2017."), field="year") from None
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Please give a reason."), field="reason")
    if not 1900 <= year < clock.today().year:
        raise DomainError(
            _("Only a financial year that has ended can be closed (before %(year)s).") % {"year": clock.today().year},
            field="year",
        )
    with transaction.atomic():
        _ledger_lock()
        if ClosedYear.objects.filter(year=year).exists():
            raise DomainError(
                _("The financial year %(year)s is already closed.") % {"year": year}, field="year", code="closed_year"
            )
        return ClosedYear.objects.create(year=year, reason=reason, closed_by=actor, closed_at=clock.now())


def payout_pay(*, actor: User, payout_id: int, voucher: str, paid_on: date | None = None) -> tuple[LedgerEntry, bool]:
    """Record the payment of an approved payout. Returns ``(payment, created)``: paying a payout
    that is already paid returns its payment and writes nothing, however often or at once it is
    called. Who pays, from which state and under which condition (finance, four eyes, no open
    exit flag, something payable within the agreement's total): ``PAYOUT_WORKFLOW``'s ``pay``."""
    PAYOUT_WORKFLOW.check_actor("pay", actor)
    voucher = (voucher or "").strip()
    if not voucher:
        raise DomainError(_("Enter the payment voucher number."), field="voucher", code="required")
    if len(voucher) > 40:
        raise DomainError(_("A voucher number has at most 40 characters."), field="voucher", code="too_long")
    try:
        with transaction.atomic():
            agreement, payout = _lock_payout(payout_id)
            existing = LedgerEntry.objects.filter(payout=payout, kind=LedgerKind.PAYMENT).first()
            if existing is not None:
                return existing, False
            approved_on = timezone.localdate(payout.approved_at) if payout.approved_at else None
            paid_on = _check_entry_date(
                paid_on, "paid_on", not_before=approved_on, after_what=_("the payout's approval")
            )
            refusal = PAYOUT_WORKFLOW.refusal(payout, actor, "pay")
            if refusal is not None:
                raise refusal
            entry = _ledger_append(
                agreement=agreement,
                payout=payout,
                org_unit_id=payout.org_unit_id,
                kind=LedgerKind.PAYMENT,
                amount=payout.amount,
                voucher=voucher,
                entry_date=paid_on,
                date_field="paid_on",
                recorded_by=actor,
            )
            Agreement.objects.filter(pk=agreement.pk).update(paid_total=F("paid_total") + payout.amount)
            PAYOUT_WORKFLOW.apply(payout, action="pay", actor=actor, params={"voucher": voucher})
            TRANCHE_WORKFLOW.apply_many(
                Tranche.objects.filter(pk=payout.tranche_id), action="pay", actor=actor, via="payout.pay"
            )
            notices.payout_moved(
                payout, event="payout_paid", key=f"payout:{payout.pk}:paid:{entry.pk}", voucher=voucher
            )
            agreement.refresh_from_db()
            settled = not agreement.tranches.filter(state__in=UNPAID_TRANCHE_STATES).exists()
            if settled and agreement.state == AgreementState.ACTIVE:
                AGREEMENT_WORKFLOW.apply(
                    agreement,
                    action="complete",
                    actor=actor,
                    reason=gettext_noop("All tranches settled."),
                    via="payout.pay",
                )
            return entry, True
    except IntegrityError:
        # A concurrent call won the unique index first (possible only without the row lock,
        # e.g. a replica lag); its payment is the one.
        existing = LedgerEntry.objects.filter(payout_id=payout_id, kind=LedgerKind.PAYMENT).first()
        if existing is None:
            raise
        return existing, False


# ---------------------------------------------------------------- reversals


def _lock_reversal(reversal_id: int) -> tuple[Agreement, Payout, Reversal]:
    """The agreement, the payout, then the reversal: every writer of a payout locks in this order."""
    payout_id = Reversal.objects.filter(pk=reversal_id).values_list("payout_id", flat=True).first()
    if payout_id is None:
        raise Reversal.DoesNotExist
    agreement, payout = _lock_payout(payout_id)
    return agreement, payout, Reversal.objects.select_for_update().get(pk=reversal_id)


def _live_reversal_refusal() -> DomainError:
    return DomainError(_("A reversal of this payment is already proposed or made."), code="duplicate")


def reversal_propose(*, actor: User, payout_id: int, voucher: str, reason: str) -> Reversal:
    """Finance proposes to reverse a payment made in error (冲正), with the reason and the
    reversal voucher; the office decides. At most one reversal is proposed or made per payment
    (the payout's lock, and a partial unique index behind it)."""
    if not policies.can_propose_reversal(actor):
        raise ActionNotAllowed(_("Only finance proposes a payment's reversal."))
    reason, voucher = (reason or "").strip(), (voucher or "").strip()
    if not reason:
        raise DomainError(_("Please give a reason."), field="reason")
    if not voucher:
        raise DomainError(_("Enter the reversal voucher number."), field="voucher")
    if len(voucher) > 40:
        raise DomainError(_("A voucher number has at most 40 characters."), field="voucher")
    try:
        with transaction.atomic():
            agreement, payout = _lock_payout(payout_id)
            if payout.state != PayoutState.PAID:
                raise DomainError(_("Only a paid payout can be reversed."), code="invalid_state")
            if payout.reversals.filter(state__in=LIVE_REVERSAL_STATES).exists():
                raise _live_reversal_refusal()
            payment = LedgerEntry.objects.get(payout=payout, kind=LedgerKind.PAYMENT)
            with transaction.atomic():
                reversal = Reversal.objects.create(
                    payout=payout,
                    payment=payment,
                    org_unit_id=payout.org_unit_id,
                    amount=payment.amount,
                    voucher=voucher,
                    reason=reason,
                    proposed_by=actor,
                    proposed_at=clock.now(),
                )
            REVERSAL_WORKFLOW.create(reversal, actor=actor, action="propose", reason=reason)
            return reversal
    except IntegrityError:
        raise _live_reversal_refusal() from None


def _decide_reversal(*, actor: User, reversal_id: int, action: str, reason: str = "") -> Reversal:
    """Approve, reject or withdraw, under the agreement's, the payout's and the reversal's locks;
    four eyes, the decision's stamps and the ledger entry are the transitions' own steps."""
    with transaction.atomic():
        agreement, payout, reversal = _lock_reversal(reversal_id)
        REVERSAL_WORKFLOW.apply(
            reversal, action=action, actor=actor, reason=reason, params={"agreement": agreement, "payout": payout}
        )
    return reversal


def reversal_ledger_entry(reversal: Reversal, *, agreement: Agreement, payout: Payout, actor: User) -> LedgerEntry:
    """The approved reversal's negative ledger entry, pointing at the payment, dated the day of the approval."""
    return _ledger_append(
        agreement=agreement,
        payout=payout,
        org_unit_id=payout.org_unit_id,
        kind=LedgerKind.REVERSAL,
        amount=-reversal.amount,
        voucher=reversal.voucher,
        entry_date=clock.today(),
        recorded_by=actor,
        note=reversal.reason,
        reverses_id=reversal.payment_id,
    )


def reversal_approve(*, actor: User, reversal_id: int, reason: str = "") -> Reversal:
    """The office approves a proposed reversal (never its proposer, whatever roles they hold):
    the ledger gets a negative entry that points at the payment, dated the day of the approval."""
    return _decide_reversal(actor=actor, reversal_id=reversal_id, action="approve", reason=reason)


def reversal_reject(*, actor: User, reversal_id: int, reason: str) -> Reversal:
    """The office rejects a proposed reversal, with the reason; the payment stands."""
    return _decide_reversal(actor=actor, reversal_id=reversal_id, action="reject", reason=reason)


def reversal_withdraw(*, actor: User, reversal_id: int, reason: str = "") -> Reversal:
    """Its proposer withdraws a reversal not yet decided."""
    return _decide_reversal(actor=actor, reversal_id=reversal_id, action="withdraw", reason=reason)


def reversal_effect(reversal: Reversal, *, actor: User) -> None:
    """The approved reversal's effect (``REVERSAL_WORKFLOW``), under the agreement's and the
    payout's locks, once its ledger entry is written: the paid total (and with it the budget's
    paid figure) lowered, the payout reversed and its tranche cancelled (paying it again takes a
    new tranche)."""
    Agreement.objects.filter(pk=reversal.payout.agreement_id).update(paid_total=F("paid_total") - reversal.amount)
    PAYOUT_WORKFLOW.apply(
        reversal.payout, action="reverse", actor=actor, reason=reversal.reason, via="reversal.approve"
    )
    TRANCHE_WORKFLOW.apply_many(
        Tranche.objects.filter(pk=reversal.payout.tranche_id),
        action="cancel",
        actor=actor,
        reason=reversal.reason,
        via="reversal.approve",
    )


# ---------------------------------------------------------------- exits


def exit_flag_dismiss(*, actor: User, flag_id: int, reason: str) -> ExitFlag:
    from .engine import release_holds

    with transaction.atomic():
        flag = ExitFlag.objects.select_for_update().get(pk=flag_id)
        flag.closed_at, flag.closed_by, flag.reason = clock.now(), actor, (reason or "").strip()
        FLAG_WORKFLOW.apply(
            flag, action="dismiss", actor=actor, reason=reason or "", extra_fields=("closed_at", "closed_by", "reason")
        )
        release_holds(agreement_ids=[flag.agreement_id])
    return flag


def exit_case_open(*, actor: User, agreement_id: int, flag_ids: list[int] | None = None, note: str = "") -> ExitCase:
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().get(pk=agreement_id)
        if not policies.can_open_case(actor, agreement):
            raise ActionNotAllowed(_("You may not open an exit case for this agreement."))
        if agreement.state not in (AgreementState.ACTIVE, AgreementState.SUSPENDED):
            raise DomainError(_("Only an agreement in force can have an exit case."), code="invalid_state")
        if agreement.exit_cases.filter(state__in=OPEN_CASE_STATES).exists():
            raise DomainError(_("This agreement already has an open exit case."))
        case = ExitCase.objects.create(agreement=agreement, org_unit_id=agreement.org_unit_id, opened_by=actor)
        flags = ExitFlag.objects.filter(agreement=agreement, pk__in=flag_ids or [])
        if not flag_ids:
            flags = ExitFlag.objects.filter(agreement=agreement, state=FlagState.OPEN)
        case.flags.set(flags)
        CASE_WORKFLOW.create(case, actor=actor, action="open", reason=note or gettext_noop("Case opened"))
        notices.case_opened(case)
    return case


def exit_case_rectify(*, actor: User, case_id: int, due: date, reason: str) -> ExitCase:
    if due is None or due <= clock.today():
        raise DomainError(_("The rectification deadline must be a future date."), field="rectification_due")
    with transaction.atomic():
        case = ExitCase.objects.select_for_update().get(pk=case_id)
        case.rectification_due = due
        CASE_WORKFLOW.apply(case, action="rectify", actor=actor, reason=reason, extra_fields=("rectification_due",))
    return case


def exit_case_continue(*, actor: User, case_id: int, reason: str) -> ExitCase:
    with transaction.atomic():
        case = ExitCase.objects.select_for_update().get(pk=case_id)
        case.decision, case.decided_at = (reason or "").strip(), clock.now()
        CASE_WORKFLOW.apply(
            case, action="continue", actor=actor, reason=reason, extra_fields=("decision", "decided_at")
        )
    return case


def exit_case_exit(*, actor: User, case_id: int, reason: str, recovery_due) -> ExitCase:
    """Exit the venture: terminate the agreement, cancel the remaining tranches, set what to recover."""
    amount = parse_money(recovery_due, field="recovery_due")
    with transaction.atomic():
        agreement_id = ExitCase.objects.filter(pk=case_id).values_list("agreement_id", flat=True).get()
        agreement = Agreement.objects.select_for_update().get(pk=agreement_id)
        case = ExitCase.objects.select_for_update().get(pk=case_id)
        if amount > agreement.paid_total:
            raise DomainError(
                _("No more than the %(paid)s paid can be recovered.") % {"paid": f"{agreement.paid_total:,.2f}"},
                field="recovery_due",
            )
        case.decision, case.decided_at, case.recovery_due = (reason or "").strip(), clock.now(), amount
        # Its effect ends the agreement (``exit``), which cancels the unpaid tranches and payouts.
        CASE_WORKFLOW.apply(
            case, action="exit", actor=actor, reason=reason, extra_fields=("decision", "decided_at", "recovery_due")
        )
    return case


def exit_case_record_recovery(
    *, actor: User, case_id: int, amount, voucher: str, received_on: date | None = None
) -> LedgerEntry:
    if not policies.can_record_recovery(actor):
        raise ActionNotAllowed(_("Only finance records recoveries."))
    amount = parse_money(amount, field="amount", allow_zero=False)
    voucher = (voucher or "").strip()
    if not voucher:
        raise DomainError(_("Enter the receipt voucher number."), field="voucher")
    with transaction.atomic():
        agreement_id = ExitCase.objects.filter(pk=case_id).values_list("agreement_id", flat=True).get()
        agreement = Agreement.objects.select_for_update().get(pk=agreement_id)
        case = ExitCase.objects.select_for_update().get(pk=case_id)
        if case.state != CaseState.EXITED:
            raise DomainError(_("Recoveries follow an exit decision."), code="invalid_state")
        decided_on = timezone.localdate(case.decided_at) if case.decided_at else None
        received_on = _check_entry_date(
            received_on, "received_on", not_before=decided_on, after_what=_("the exit decision")
        )
        if case.recovered + amount > case.recovery_due:
            raise DomainError(
                _("Only %(left)s remains to be recovered.") % {"left": f"{case.recovery_due - case.recovered:,.2f}"},
                field="amount",
            )
        entry = _ledger_append(
            agreement=agreement,
            payout=None,
            org_unit_id=agreement.org_unit_id,
            kind=LedgerKind.RECOVERY,
            amount=-amount,
            voucher=voucher,
            entry_date=received_on,
            date_field="received_on",
            recorded_by=actor,
            note=str(_("Recovery for exit case %(id)s") % {"id": case.pk}),
        )
        ExitCase.objects.filter(pk=case.pk).update(recovered=F("recovered") + amount)
    return entry


def verify_ledger(progress=None) -> list[str]:
    """Walk the ledger's hash chain in order; name each edited entry and each gap."""
    problems: list[str] = []
    total = LedgerEntry.objects.count()
    previous = ""
    last = None
    for done, entry in enumerate(LedgerEntry.objects.order_by("id").iterator(chunk_size=2000), start=1):
        if ledger_hash(entry) != entry.hash:
            problems.append(f"ledger entry {entry.pk} was edited")
        elif entry.prev_hash != previous:
            problems.append(f"a ledger entry before {entry.pk} is missing")
        previous, last = entry.hash, (entry.pk, entry.hash)
        if progress is not None:
            progress(done, total)
    # The newest entries deleted, or entries appended outside the portal: the head says so.
    head = ChainHead.objects.filter(chain=LEDGER_CHAIN).first()
    problems += head_problems(head, row="ledger entry", last=last, length=total)
    # The balances the ledger backs must agree with it: every agreement's paid total equals its
    # payments less its reversals.
    booked = (
        LedgerEntry.objects.filter(kind__in=[LedgerKind.PAYMENT, LedgerKind.REVERSAL])
        .values("agreement_id")
        .annotate(s=Sum("amount"))
    )
    sums = {row["agreement_id"]: row["s"] for row in booked}
    for agreement_id, number, paid in Agreement.objects.values_list("pk", "number", "paid_total").iterator():
        if sums.get(agreement_id, ZERO) != paid:
            problems.append(
                f"agreement {number}: paid total {paid} but the ledger books {sums.get(agreement_id, ZERO)}"
            )
    return problems
