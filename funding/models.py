"""Staged, milestone-linked support funds: budgets, agreements, tranches, payouts, the ledger, exits."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from enterprises.models import Enterprise, Grade
from qinhuai_talent.core import clock
from qinhuai_talent.core.i18n import in_reader_language
from qinhuai_talent.core.models import OrgUnit
from qinhuai_talent.core.money import ZERO, format_yuan, money  # noqa: F401  (ZERO: the app's zero, imported from here)
from talents.models import Application, Program, Talent, private_storage


class FundingSource(models.TextChoices):
    DISTRICT_TREASURY = "district_treasury", _("District treasury")
    PARK_FUNDS = "park_funds", _("Park funds")
    CITY_SHARE = "city_share", _("City share")


class Budget(models.Model):
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="budgets", verbose_name=_("unit"))
    year = models.PositiveSmallIntegerField(_("year"))
    source = models.CharField(_("source"), max_length=20, choices=FundingSource.choices)
    amount = money(_("amount (yuan)"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "org_unit__code", "source"]
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "year", "source"], name="one_budget_per_unit_year_source"),
            models.CheckConstraint(name="budget_not_negative", condition=Q(amount__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.org_unit} {self.year} {self.get_source_display()}"


class ApprovalLimit(models.Model):
    """A street's or park's delegated payout approval limit (资金审批权); above it the district approves."""

    org_unit = models.OneToOneField(OrgUnit, on_delete=models.PROTECT, related_name="approval_limit")
    max_amount = money(_("maximum amount (yuan)"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("approval limit")
        verbose_name_plural = _("approval limits")
        constraints = [models.CheckConstraint(name="limit_not_negative", condition=Q(max_amount__gte=0))]

    def __str__(self) -> str:
        return f"{self.org_unit}: {format_yuan(self.max_amount)}"


class AgreementState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    COMPLETED = "completed", _("Completed")
    TERMINATED = "terminated", _("Terminated")


class Agreement(models.Model):
    """A support agreement (扶持协议)."""

    number = models.CharField(_("number"), max_length=40, unique=True)
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="agreements")
    talent = models.ForeignKey(Talent, on_delete=models.PROTECT, related_name="agreements")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="agreements")
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, null=True, blank=True, related_name="agreements"
    )
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="agreements", verbose_name=_("unit"))
    # The district's share is charged to ``budget`` (district treasury or park funds), the city's
    # share to ``city_budget`` (the unit's city-share budget of the same year): funding.charges.
    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="agreements", null=True, blank=True)
    city_budget = models.ForeignKey(
        Budget,
        on_delete=models.PROTECT,
        related_name="city_agreements",
        null=True,
        blank=True,
        verbose_name=_("city-share budget"),
    )
    startup_grant = money(_("startup grant"))
    rent_subsidy = money(_("rent subsidy"))
    equity_investment = money(_("equity investment"))
    total = money(_("total"))
    city_share = money(_("city share"))
    district_share = money(_("district share"))
    paid_total = money(_("paid"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    state = models.CharField(_("state"), max_length=12, choices=AgreementState.choices, default=AgreementState.DRAFT)
    created_at = models.DateTimeField(default=clock.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_on", "number"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        constraints = [
            models.CheckConstraint(
                name="agreement_total_is_its_components",
                condition=Q(total=F("startup_grant") + F("rent_subsidy") + F("equity_investment")),
            ),
            models.CheckConstraint(
                name="agreement_paid_within_total", condition=Q(paid_total__gte=0) & Q(paid_total__lte=F("total"))
            ),
            models.CheckConstraint(
                name="agreement_amounts_not_negative",
                condition=Q(startup_grant__gte=0) & Q(rent_subsidy__gte=0) & Q(equity_investment__gte=0),
            ),
            models.CheckConstraint(name="agreement_ends_after_start", condition=Q(ends_on__gte=F("starts_on"))),
            # One live agreement per application: a terminated one may be replaced, nothing else.
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(application__isnull=False) & ~Q(state="terminated"),
                name="one_live_agreement_per_application",
                violation_error_message=_("This application already has an agreement."),
            ),
        ]
        indexes = [models.Index(fields=["org_unit", "state"])]

    def __str__(self) -> str:
        return self.number


class AgreementNumberCounter(models.Model):
    """The last agreement number given in a year (QH-2017-0001, …): allocated under this row's
    lock, so two agreements drafted at once never get the same number."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class TrancheState(models.TextChoices):
    WAITING = "waiting", _("Waiting for milestones")
    ELIGIBLE = "eligible", _("Eligible")
    HELD = "held", _("Held by an exit flag")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


class Tranche(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="tranches")
    sequence = models.PositiveSmallIntegerField(_("sequence"))
    planned_amount = money(_("planned amount"))
    due_on = models.DateField(_("due on"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=TrancheState.choices, default=TrancheState.WAITING)

    class Meta:
        ordering = ["agreement_id", "sequence"]
        verbose_name = _("tranche")
        verbose_name_plural = _("tranches")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "sequence"], name="tranche_sequence_unique"),
            models.CheckConstraint(name="tranche_amount_positive", condition=Q(planned_amount__gt=0)),
        ]
        indexes = [
            models.Index(fields=["state", "agreement"]),
            # The summary's planned amounts by quarter, read from the index alone. Cancelled
            # tranches are never planned, so the index leaves them out and holds only what the sum
            # reads: with the state in its key instead, the planner passed it over for a scan of
            # the whole table.
            models.Index(
                fields=["due_on"],
                include=["planned_amount"],
                condition=~Q(state="cancelled"),
                name="tranche_planned_by_due_date",
            ),
            # The summary's held amounts by agreement (tens of thousands after an exit recompute),
            # read from the index alone.
            models.Index(
                fields=["agreement"], include=["planned_amount"], condition=Q(state="held"), name="tranche_held_amounts"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement} #{self.sequence}"


class MilestoneKind(models.TextChoices):
    REGISTERED = "registered", _("Registered in the district")
    MOVED_IN = "moved_in", _("Moved in")
    PAID_IN_CAPITAL = "paid_in_capital", _("Paid-in capital ≥ X")
    FINANCING = "financing", _("Cumulative financing ≥ X")
    REVENUE = "revenue", _("Cumulative revenue ≥ X")
    EMPLOYEES = "employees", _("Employees ≥ N")
    GRADE = "grade", _("Evaluation grade ≥ G")
    DATE = "date", _("Date reached")
    USE_OF_FUNDS = "use_of_funds", _("Previous tranche's use-of-funds report accepted")
    MANUAL = "manual", _("Manual verification with evidence")


class Milestone(models.Model):
    tranche = models.ForeignKey(Tranche, on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField(_("kind"), max_length=16, choices=MilestoneKind.choices)
    threshold = models.DecimalField(_("threshold"), max_digits=16, decimal_places=2, null=True, blank=True)
    grade = models.CharField(_("grade at least"), max_length=1, choices=Grade.choices, blank=True)
    target_date = models.DateField(_("date"), null=True, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    met = models.BooleanField(_("met"), default=False)
    met_on = models.DateField(_("met on"), null=True, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["tranche_id", "id"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        constraints = [
            models.CheckConstraint(
                name="milestone_threshold_not_negative", condition=Q(threshold__isnull=True) | Q(threshold__gte=0)
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def requirement(self) -> str:
        """What the milestone asks for, figure included (“Cumulative revenue ≥ 1,000,000.00 yuan”)."""
        amount = format_yuan(self.threshold) if self.threshold is not None else "—"
        if self.kind == MilestoneKind.PAID_IN_CAPITAL:
            return _("Paid-in capital ≥ %(amount)s") % {"amount": amount}
        if self.kind == MilestoneKind.FINANCING:
            return _("Cumulative financing ≥ %(amount)s") % {"amount": amount}
        if self.kind == MilestoneKind.REVENUE:
            return _("Cumulative revenue ≥ %(amount)s") % {"amount": amount}
        if self.kind == MilestoneKind.EMPLOYEES:
            return _("Employees ≥ %(count)s") % {"count": int(self.threshold or 0)}
        if self.kind == MilestoneKind.GRADE:
            return _("Evaluation grade %(grade)s or better") % {"grade": self.grade or "—"}
        if self.kind == MilestoneKind.DATE:
            return _("Date %(date)s reached") % {"date": self.target_date.isoformat() if self.target_date else "—"}
        return self.get_kind_display()


class PayoutState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed, awaiting approval")
    APPROVED = "approved", _("Approved, awaiting payment")
    PAID = "paid", _("Paid")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")
    REVERSED = "reversed", _("Payment reversed")
    # The approver sent it back with a reason; its preparer (or the unit) resubmits it.
    RETURNED = "returned", _("Returned by the approver")


class ApproverLevel(models.TextChoices):
    UNIT = "unit", _("Hosting unit")
    DISTRICT = "district", _("District office")


class Payout(models.Model):
    """The payout proposal of a tranche, computed by recompute_payouts; approved, then paid once."""

    tranche = models.OneToOneField(Tranche, on_delete=models.PROTECT, related_name="payout")
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="payouts")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="payouts", verbose_name=_("unit"))
    amount = money(_("amount"))
    factor = models.DecimalField(_("performance factor"), max_digits=5, decimal_places=4, default=Decimal("1"))
    explanation = models.TextField(_("explanation"), blank=True)
    approver_level = models.CharField(_("approver"), max_length=10, choices=ApproverLevel.choices)
    state = models.CharField(_("state"), max_length=10, choices=PayoutState.choices, default=PayoutState.PROPOSED)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    voucher = models.CharField(_("voucher"), max_length=40, blank=True)
    computed_at = models.DateTimeField(default=clock.now)
    # The explanation as codes and figures, rendered in the reader's language (explain.py).
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-computed_at", "-id"]
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        constraints = [
            models.CheckConstraint(name="payout_amount_not_negative", condition=Q(amount__gte=0)),
            models.CheckConstraint(name="paid_payout_has_voucher", condition=~Q(state="paid") | ~Q(voucher="")),
        ]
        indexes = [
            models.Index(fields=["org_unit", "state"]),
            models.Index(fields=["state", "approver_level"]),
            # The payout queue (a state, newest first), for the district and for one unit.
            models.Index(fields=["state", "-computed_at", "-id"], name="payout_queue_order"),
            models.Index(fields=["org_unit", "state", "-computed_at", "-id"], name="payout_unit_queue_order"),
        ]

    def __str__(self) -> str:
        return f"{self.tranche}: {format_yuan(self.amount)}"


class LedgerKind(models.TextChoices):
    PAYMENT = "payment", _("Payment")
    REVERSAL = "reversal", _("Reversal")
    RECOVERY = "recovery", _("Recovery")


class LedgerEntry(models.Model):
    """Append-only money ledger. Payments are positive; reversals and recoveries are negative.
    Nothing is edited in place; entries are chained by hash."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="ledger")
    payout = models.ForeignKey(Payout, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    kind = models.CharField(_("kind"), max_length=10, choices=LedgerKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    voucher = models.CharField(_("voucher"), max_length=40)
    entry_date = models.DateField(_("date"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    recorded_at = models.DateTimeField(default=clock.now)
    note = models.TextField(_("note"), blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, unique=True)
    # A reversal points at the payment it reverses (which is never edited); one reversal each.
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by", verbose_name=_("reverses")
    )

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [
            models.UniqueConstraint(fields=["payout"], condition=Q(kind="payment"), name="one_payment_per_payout"),
            models.CheckConstraint(
                name="only_a_reversal_reverses", condition=Q(reverses__isnull=True) | Q(kind="reversal")
            ),
            models.CheckConstraint(
                name="ledger_sign_matches_kind",
                condition=(Q(kind="payment") & Q(amount__gt=0)) | (~Q(kind="payment") & Q(amount__lt=0)),
            ),
        ]
        indexes = [
            models.Index(fields=["agreement", "recorded_at"]),
            models.Index(fields=["org_unit", "entry_date"]),
            # The summary's net payments by quarter, read from the index alone.
            models.Index(fields=["entry_date", "kind", "amount"], name="ledger_date_amounts"),
            # The summary's recovered amount of a year's agreements, read from the recoveries
            # (a few in a hundred entries) rather than from every entry.
            models.Index(
                fields=["agreement"], include=["amount"], condition=Q(kind="recovery"), name="ledger_recoveries"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {format_yuan(self.amount)}"


class ReversalState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed, awaiting the office's approval")
    APPROVED = "approved", _("Approved: reversed in the ledger")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Reversal(models.Model):
    """A payment's reversal (冲正): proposed by finance with a reason and the reversal voucher,
    approved by the district office (never by its proposer); the approval appends a negative
    ledger entry that points at the payment, which stays as it was."""

    payout = models.ForeignKey(Payout, on_delete=models.PROTECT, related_name="reversals")
    payment = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="reversal_requests")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    amount = money(_("amount"))
    voucher = models.CharField(_("reversal voucher"), max_length=40)
    reason = models.TextField(_("reason"))
    state = models.CharField(_("state"), max_length=10, choices=ReversalState.choices, default=ReversalState.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by")
    )
    proposed_at = models.DateTimeField(_("proposed at"), default=clock.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    entry = models.OneToOneField(
        LedgerEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="reversal_request"
    )

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = _("payment reversal")
        verbose_name_plural = _("payment reversals")
        constraints = [
            # A payment is reversed once: one reversal proposed or approved per payout at a time.
            models.UniqueConstraint(
                fields=["payout"],
                condition=Q(state__in=["proposed", "approved"]),
                name="one_live_reversal_per_payout",
                violation_error_message=_("A reversal of this payment is already proposed or made."),
            ),
            models.CheckConstraint(name="reversal_has_reason", condition=~Q(reason="")),
            models.CheckConstraint(name="reversal_amount_positive", condition=Q(amount__gt=0)),
            # Four eyes, held by the database too: whoever proposed it does not decide it.
            models.CheckConstraint(
                name="reversal_four_eyes", condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("proposed_by"))
            ),
            models.CheckConstraint(
                name="approved_reversal_has_entry", condition=~Q(state="approved") | Q(entry__isnull=False)
            ),
        ]
        indexes = [models.Index(fields=["state", "-proposed_at"], name="reversal_queue_order")]

    def __str__(self) -> str:
        return f"{self.payout}: −{format_yuan(self.amount)}"


class ExitRule(models.TextChoices):
    MISSING_REPORTS = "missing_reports", _("No operating report for consecutive quarters")
    MOVED_OUT = "moved_out", _("Moved out or deregistered")
    FOUNDER_NOT_FULL_TIME = "founder_not_full_time", _("Founder not full-time")
    MILESTONE_OVERDUE = "milestone_overdue", _("Milestone overdue")
    POOR_EVALUATION = "poor_evaluation", _("Grade D, or C twice running")
    NO_REVENUE = "no_revenue", _("No revenue long after registration")


class FlagState(models.TextChoices):
    OPEN = "open", pgettext_lazy("exit flag", "Open")
    CLEARED = "cleared", _("Cleared")
    DISMISSED = "dismissed", pgettext_lazy("exit flag", "Dismissed")


class ExitFlag(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="exit_flags")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    rule = models.CharField(_("rule"), max_length=24, choices=ExitRule.choices)
    evidence = models.TextField(_("evidence"))
    state = models.CharField(_("state"), max_length=10, choices=FlagState.choices, default=FlagState.OPEN)
    raised_at = models.DateTimeField(default=clock.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True)
    # What the evidence rests on (a report period, an evaluation, a milestone); a dismissed flag
    # is not raised again while the same key holds, so a dismissal is not undone overnight.
    evidence_key = models.CharField(max_length=80, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        verbose_name = _("exit flag")
        verbose_name_plural = _("exit flags")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "rule"], condition=Q(state="open"), name="one_open_flag_per_rule"
            ),
        ]
        indexes = [
            models.Index(fields=["org_unit", "state", "rule"]),
            # The exit board (open flags, newest first), for the district and for one unit.
            models.Index(fields=["state", "-raised_at", "-id"], name="exitflag_board_order"),
            models.Index(fields=["org_unit", "state", "-raised_at", "-id"], name="exitflag_unit_board_order"),
        ]

    def __str__(self) -> str:
        return f"{self.agreement}: {self.get_rule_display()}"

    @property
    def closing_reason(self) -> str:
        """Why the flag closed, in the reader's language: the person's reason for a dismissal,
        the system's (its condition is gone) for a clearing."""
        if self.state == FlagState.CLEARED and not self.reason:
            return str(_("The condition no longer holds"))
        return self.reason


class CaseState(models.TextChoices):
    INVESTIGATION = "investigation", _("Investigation")
    RECTIFICATION = "rectification", _("Rectification period")
    CONTINUED = "continued", _("Decided: continue")
    EXITED = "exited", _("Decided: exit")


class ExitCase(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="exit_cases")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    flags = models.ManyToManyField(ExitFlag, related_name="cases", blank=True)
    state = models.CharField(_("state"), max_length=14, choices=CaseState.choices, default=CaseState.INVESTIGATION)
    opened_at = models.DateTimeField(default=clock.now)
    rectification_due = models.DateField(_("rectification due"), null=True, blank=True)
    decision = models.TextField(_("decision"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    recovery_due = money(_("amount to recover"))
    recovered = money(_("recovered"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("exit case")
        verbose_name_plural = _("exit cases")
        constraints = [
            models.CheckConstraint(
                name="recovered_within_due", condition=Q(recovered__gte=0) & Q(recovered__lte=F("recovery_due"))
            ),
            models.UniqueConstraint(
                fields=["agreement"],
                condition=Q(state__in=["investigation", "rectification"]),
                name="one_open_case_per_agreement",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement} ({self.get_state_display()})"


class PerformanceFactor(models.Model):
    """The policy table (财政投入力度和项目绩效挂钩): share of a tranche paid at each evaluation grade."""

    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, unique=True)
    factor = models.DecimalField(_("share paid"), max_digits=5, decimal_places=4)
    history = HistoricalRecords()

    class Meta:
        ordering = ["grade"]
        verbose_name = _("performance factor")
        verbose_name_plural = _("performance factors")
        constraints = [
            models.CheckConstraint(name="factor_0_1", condition=Q(factor__gte=0) & Q(factor__lte=1)),
        ]

    def __str__(self) -> str:
        return f"{self.grade}: {self.factor:.0%}"


class ExitRuleSetting(models.Model):
    """One exit rule's switch and its parameter (quarters, months or days), editable by the office."""

    rule = models.CharField(_("rule"), max_length=24, choices=ExitRule.choices, unique=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    parameter = models.PositiveIntegerField(_("parameter"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["rule"]
        verbose_name = _("exit rule setting")
        verbose_name_plural = _("exit rule settings")

    def __str__(self) -> str:
        return f"{self.get_rule_display()}: {self.parameter}"


class PlanTemplate(models.Model):
    """A usual tranche plan (30/40/30, 4:3:3): shares, the months after the start each is due, and
    the milestones of each step, so an officer does not type them for every agreement.

    ``steps`` is a list of ``{"share": "30", "months": 0, "milestones": [{"kind": ..., "threshold": ...,
    "grade": ...}]}``; the shares add up to 100."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=120)
    steps = models.JSONField(_("steps"), default=list)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("plan template")
        verbose_name_plural = _("plan templates")

    def __str__(self) -> str:
        return in_reader_language(self.name, self.name_en)


def use_of_funds_path(instance, filename: str) -> str:
    # A random stored name, as for an application's documents: an upload cannot choose another's path.
    import uuid
    from pathlib import PurePath

    return f"funding/{instance.tranche_id}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}"


class UseOfFundsReport(models.Model):
    """The use-of-funds report (资金使用情况报告) due after a tranche is paid; the next tranche's
    ``use_of_funds`` milestone waits for its acceptance."""

    tranche = models.OneToOneField(Tranche, on_delete=models.PROTECT, related_name="use_of_funds")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    summary = models.TextField(_("how the funds were used"))
    submitted_on = models.DateField(_("submitted on"))
    # What the enterprise reports itself (issue 16): the period, the amount used and a statement of
    # expenditure, stored privately like an application's documents. Blank on an officer's record.
    period_start = models.DateField(_("period from"), null=True, blank=True)
    period_end = models.DateField(_("period to"), null=True, blank=True)
    amount_used = money(_("amount used (yuan)"), null=True, blank=True, default=None)
    file = models.FileField(
        _("statement of expenditure"), upload_to=use_of_funds_path, storage=private_storage, max_length=200, blank=True
    )
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(_("type"), max_length=80, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    accepted = models.BooleanField(_("accepted"), default=False)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-submitted_on", "-id"]
        verbose_name = _("use-of-funds report")
        verbose_name_plural = _("use-of-funds reports")
        constraints = [
            models.CheckConstraint(
                name="use_of_funds_amount_not_negative", condition=Q(amount_used__isnull=True) | Q(amount_used__gte=0)
            ),
            models.CheckConstraint(
                name="use_of_funds_period_in_order",
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_end__gte=F("period_start")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tranche}"


class ClosedYear(models.Model):
    """A financial year the office has closed (结账): no ledger entry may be dated in it any more.
    A row is the record of the closing (who, when, why); a closed year is not reopened."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    reason = models.TextField(_("reason"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("closed by")
    )
    closed_at = models.DateTimeField(_("closed at"), default=clock.now)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("closed financial year")
        verbose_name_plural = _("closed financial years")
        constraints = [models.CheckConstraint(name="closed_year_has_reason", condition=~Q(reason=""))]

    def __str__(self) -> str:
        return str(self.year)
