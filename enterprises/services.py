"""Every write to the enterprise database, and the set-based recompute of the derived figures."""

import datetime
from collections.abc import Callable
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest, Least
from django.db.models.lookups import GreaterThan
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError

from qinhuai_talent.core import clock
from qinhuai_talent.core.errors import ActionNotAllowed, DomainError
from qinhuai_talent.core.jobs import job_enqueue
from qinhuai_talent.core.models import Job, OrgUnit, Role, User
from qinhuai_talent.core.money import to_money
from qinhuai_talent.core.system import system_actor

from . import policies
from .models import (
    TIER_10M,
    TIER_50M,
    ZERO,
    ClassChange,
    ClassRule,
    Enterprise,
    EnterpriseClass,
    EnterpriseStatus,
    Evaluation,
    FilingWindow,
    FinancingRound,
    Founder,
    Grade,
    Listing,
    MakerSpace,
    Mentor,
    OperatingReport,
    PeriodKind,
    RevenueTier,
    SupportPlanItem,
    Visit,
)
from .workflows import ENTERPRISE_WORKFLOW, SUPPORT_WORKFLOW

RECOMPUTE_JOB = "recompute_enterprise_figures"
MONEY = DecimalField(max_digits=16, decimal_places=2)
REPORT_AMOUNTS = ("sales", "main_revenue", "net_profit", "tax_paid", "rnd_spend")
REPORT_COUNTS = ("employees", "insured_employees", "patents_filed", "patents_granted")
# Operating data older than this is not the district's business (the database began in 2010).
FIRST_REPORT_YEAR = 2000


# --- Validation shared by forms, the API and the import ---------------------------------------


def credit_code_clean(value: str) -> str:
    """The unified social credit code in its compact form, or a DomainError naming what is wrong."""
    code = uscc.compact(value or "")
    try:
        return uscc.validate(code)
    except StdnumError:
        if len(code) != 18:
            message = _("A unified social credit code has 18 characters; “%(code)s” has %(n)s.") % {
                "code": code,
                "n": len(code),
            }
        else:
            message = _("“%(code)s” is not a valid unified social credit code (wrong check digit or characters).") % {
                "code": code
            }
        raise DomainError(message, field="credit_code") from None


def period_bounds(period_kind: str, year: int, quarter: int | None) -> tuple[datetime.date, datetime.date]:
    if period_kind == PeriodKind.YEAR:
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    first_month = 3 * (quarter - 1) + 1
    start = datetime.date(year, first_month, 1)
    end_month = first_month + 2
    next_month = datetime.date(year + (end_month // 12), end_month % 12 + 1, 1)
    return start, next_month - datetime.timedelta(days=1)


def period_check(
    *,
    period_kind: str,
    year: int,
    quarter: int | None,
    registered_on: datetime.date,
    today: datetime.date | None = None,
) -> None:
    """Refuse a period that does not exist, has not ended yet, or ended before registration."""
    today = today or clock.today()
    if period_kind not in PeriodKind.values:
        raise DomainError(_("The period must be a quarter or a year."), field="period_kind")
    if period_kind == PeriodKind.QUARTER and quarter not in (1, 2, 3, 4):
        raise DomainError(_("The quarter must be 1, 2, 3 or 4."), field="quarter")
    if period_kind == PeriodKind.YEAR and quarter is not None:
        raise DomainError(_("A yearly report has no quarter."), field="quarter")
    if not FIRST_REPORT_YEAR <= year <= today.year:
        raise DomainError(
            _("The year must be between %(first)s and %(last)s.") % {"first": FIRST_REPORT_YEAR, "last": today.year},
            field="year",
        )
    start, end = period_bounds(period_kind, year, quarter)
    if end >= today:
        raise DomainError(
            _("The period has not ended yet; operating data can be reported after it ends."), field="year"
        )
    if end < registered_on:
        raise DomainError(
            _("The period ended before the enterprise was registered on %(date)s.")
            % {"date": registered_on.isoformat()},
            field="year",
        )


def report_figures_check(figures: dict) -> dict:
    """A report's figures, checked: the amounts and counts (``amounts_check``) and the headcounts
    against each other. The one rule for the Excel import, the officers' form and the
    enterprise's own filing (page and API)."""
    clean = amounts_check(figures)
    if clean["insured_employees"] > clean["employees"]:
        raise DomainError(
            _("The social-insurance headcount cannot exceed the number of employees."), field="insured_employees"
        )
    return clean


def amounts_check(figures: dict) -> dict:
    """Money as Decimal yuan with two places, counts as integers; negative values refused.

    Net profit may be negative (a loss); every other amount may not.
    """
    clean = {}
    for name in REPORT_AMOUNTS:
        value = figures.get(name, ZERO)
        try:
            amount = to_money(value if value not in (None, "") else ZERO)
        except ArithmeticError:
            raise DomainError(_("“%(value)s” is not an amount.") % {"value": value}, field=name) from None
        if not amount.is_finite() or abs(amount) >= Decimal("1e14"):
            raise DomainError(_("“%(value)s” is not an amount.") % {"value": value}, field=name)
        if amount < 0 and name != "net_profit":
            raise DomainError(_("The amount may not be negative."), field=name)
        clean[name] = amount
    for name in REPORT_COUNTS:
        value = figures.get(name, 0)
        try:
            number = int(value if value not in (None, "") else 0)
        except (TypeError, ValueError):
            raise DomainError(_("“%(value)s” is not a whole number.") % {"value": value}, field=name) from None
        if number < 0 or number > 10_000_000:
            raise DomainError(_("The number may not be negative."), field=name)
        clean[name] = number
    return clean


# --- Enterprises and founders ------------------------------------------------------------------


def _check_manage(actor: User, unit_id: int | None) -> None:
    if not policies.can_edit_unit(actor, unit_id):
        raise ActionNotAllowed(_("You may only change the enterprises of your own unit."))


def _check_file(actor: User, enterprise: Enterprise) -> None:
    """The enterprise's own account files for it; anyone else as for any change (``_check_manage``)."""
    if policies.is_own_enterprise(actor, enterprise):
        return
    if actor.role == Role.ENTERPRISE:
        raise ActionNotAllowed(_("Your account files only for its own enterprise."), code="not_own_enterprise")
    _check_manage(actor, enterprise.org_unit_id)


@transaction.atomic
def enterprise_save(*, actor: User, enterprise: Enterprise | None = None, **data) -> Enterprise:
    """Create (``enterprise`` None) or change an enterprise; derived figures are the job's."""
    unit = data.get("org_unit") or (enterprise.org_unit if enterprise else None)
    _check_manage(actor, getattr(unit, "pk", None))
    if enterprise is not None:
        enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
        _check_manage(actor, enterprise.org_unit_id)
    data["credit_code"] = credit_code_clean(data.get("credit_code", enterprise.credit_code if enterprise else ""))
    name = (data.get("name") or (enterprise.name if enterprise else "")).strip()
    if not name:
        raise DomainError(_("Please give the enterprise's name."), field="name")
    data["name"] = name
    others = Enterprise.objects.exclude(pk=getattr(enterprise, "pk", None))
    if others.filter(credit_code=data["credit_code"]).exists():
        raise DomainError(_("An enterprise with this credit code is already registered."), field="credit_code")
    if others.filter(name=name).exists():
        raise DomainError(_("An enterprise with this name is already registered."), field="name")
    for field in ("registered_capital", "paid_in_capital"):
        if field in data:
            data[field] = to_money(data[field] or 0)
            if data[field] < 0:
                raise DomainError(_("The amount may not be negative."), field=field)
    if data.get("paid_in_capital", ZERO) > data.get("registered_capital", ZERO) > 0:
        raise DomainError(_("Paid-in capital cannot exceed registered capital."), field="paid_in_capital")
    registered_on = data.get("registered_on") or (enterprise.registered_on if enterprise else None)
    if registered_on and registered_on > clock.today():
        raise DomainError(_("The registration date lies in the future."), field="registered_on")
    listing = data.get("listing", enterprise.listing if enterprise else Listing.NONE)
    if listing == Listing.NONE:
        data["listed_on"] = None
    elif not data.get("listed_on", enterprise.listed_on if enterprise else None):
        raise DomainError(_("Please give the listing date."), field="listed_on")
    # The status moves only along ENTERPRISE_WORKFLOW (logged); a new enterprise starts active.
    old_status = enterprise.status if enterprise else EnterpriseStatus.ACTIVE
    status = data.pop("status", None) or old_status
    move = None
    if status != old_status:
        move = ENTERPRISE_WORKFLOW.action_between(old_status, status)
        if move is None:
            raise DomainError(
                _("An enterprise cannot go from “%(old)s” to “%(new)s”.")
                % {"old": EnterpriseStatus(old_status).label, "new": EnterpriseStatus(status).label},
                field="status",
            )
        if not data.get("status_changed_on"):
            data["status_changed_on"] = clock.today()
    target = enterprise or Enterprise()
    for key, value in data.items():
        setattr(target, key, value)
    target._history_user = actor
    try:
        with transaction.atomic():
            target.save()
            if move is not None:
                ENTERPRISE_WORKFLOW.apply(target, action=move.action, actor=actor)
    except IntegrityError:
        raise DomainError(_("An enterprise with this name or credit code is already registered.")) from None
    return target


@transaction.atomic
def founder_save(
    *,
    actor: User,
    enterprise: Enterprise,
    talent,
    equity_share: Decimal,
    full_time: bool = True,
    not_full_time_since: datetime.date | None = None,
    is_legal_representative: bool = False,
) -> Founder:
    """Add or change a founder; the founders' shares together may not exceed 100 %."""
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    _check_manage(actor, enterprise.org_unit_id)
    share = Decimal(str(equity_share)).quantize(Decimal("0.01"))
    if share < 0 or share > 100:
        raise DomainError(_("An equity share lies between 0 and 100 %."), field="equity_share")
    others = enterprise.founders.exclude(talent=talent).aggregate(s=Coalesce(Sum("equity_share"), Value(ZERO)))["s"]
    if others + share > 100:
        raise DomainError(
            _("The founders' equity shares would add up to %(total)s %%, more than 100 %%.")
            % {"total": others + share},
            field="equity_share",
        )
    if full_time:
        not_full_time_since = None
    elif not_full_time_since is None:
        not_full_time_since = clock.today()
    founder, _created = Founder.objects.update_or_create(
        enterprise=enterprise,
        talent=talent,
        defaults={
            "equity_share": share,
            "full_time": full_time,
            "not_full_time_since": not_full_time_since,
            "is_legal_representative": is_legal_representative,
        },
    )
    return founder


# --- Operating reports and financing -----------------------------------------------------------


@transaction.atomic
def report_submit(
    *,
    actor: User | None,
    enterprise: Enterprise,
    period_kind: str,
    year: int,
    quarter: int | None,
    figures: dict,
    today: datetime.date | None = None,
) -> OperatingReport:
    """Record a period's operating data, by the enterprise's unit officer, the office or the
    enterprise's own account. A second report for the same period is a correction: it becomes the
    current version and the earlier one is kept. A filing after the quarter's window is accepted
    (it is counted late, ``selectors.quarter_filings``)."""
    if actor is not None:
        _check_file(actor, enterprise)
    if period_kind == PeriodKind.YEAR:
        quarter = None
    period_check(
        period_kind=period_kind, year=year, quarter=quarter, registered_on=enterprise.registered_on, today=today
    )
    clean = report_figures_check(figures)
    previous = (
        OperatingReport.objects.select_for_update()
        .filter(enterprise=enterprise, period_kind=period_kind, year=year, quarter=quarter)
        .order_by("-version")
        .first()
    )
    version = 1
    if previous is not None:
        version = previous.version + 1
        OperatingReport.objects.filter(
            enterprise=enterprise, period_kind=period_kind, year=year, quarter=quarter, is_current=True
        ).update(is_current=False)
    return OperatingReport.objects.create(
        enterprise=enterprise,
        period_kind=period_kind,
        year=year,
        quarter=quarter,
        version=version,
        is_current=True,
        submitted_by=actor,
        **clean,
    )


@transaction.atomic
def financing_round_add(
    *, actor: User, enterprise: Enterprise, investor: str, round: str, amount, closed_on: datetime.date
) -> FinancingRound:
    """Record a financing round (风投), by the enterprise's unit officer, the office or its own account."""
    _check_file(actor, enterprise)
    amount = to_money(amount)
    if amount <= 0:
        raise DomainError(_("The amount must be more than zero."), field="amount")
    if closed_on > clock.today():
        raise DomainError(_("The closing date lies in the future."), field="closed_on")
    if closed_on < enterprise.registered_on:
        raise DomainError(_("The round closed before the enterprise was registered."), field="closed_on")
    if not investor.strip():
        raise DomainError(_("Please name the investor."), field="investor")
    return FinancingRound.objects.create(
        enterprise=enterprise, investor=investor.strip(), round=round.strip(), amount=amount, closed_on=closed_on
    )


@transaction.atomic
def filing_window_set(
    *, actor: User, year: int, quarter: int, opens_on: datetime.date, closes_on: datetime.date
) -> FilingWindow:
    """The office sets a quarter's filing window (a quarter without one has the default)."""
    if not policies.can_set_filing_windows(actor):
        raise ActionNotAllowed(_("Only the district office sets filing windows."))
    if quarter not in (1, 2, 3, 4):
        raise DomainError(_("The quarter must be 1, 2, 3 or 4."), field="quarter", code="quarter_invalid")
    _start, end = period_bounds(PeriodKind.QUARTER, year, quarter)
    if opens_on <= end:
        raise DomainError(
            _("A filing window opens after the quarter has ended."), field="opens_on", code="window_before_quarter_end"
        )
    if closes_on < opens_on:
        raise DomainError(
            _("A filing window closes on or after the day it opens."), field="closes_on", code="window_closes_first"
        )
    window, _created = FilingWindow.objects.update_or_create(
        year=year, quarter=quarter, defaults={"opens_on": opens_on, "closes_on": closes_on, "set_by": actor}
    )
    return window


@transaction.atomic
def evaluation_add(
    *,
    actor: User,
    enterprise: Enterprise,
    year: int,
    half: int | None,
    evaluator: str,
    grade: str,
    score=None,
    comments: str = "",
    evaluated_on: datetime.date,
) -> Evaluation:
    """Record a third party's grade (A–D); the latest grade reaches the enterprise on the next recompute."""
    _check_manage(actor, enterprise.org_unit_id)
    if grade not in Grade.values:
        raise DomainError(_("The grade must be A, B, C or D."), field="grade")
    if half not in (None, 1, 2):
        raise DomainError(_("The half-year must be 1 or 2."), field="half")
    if score is not None and not Decimal(0) <= Decimal(str(score)) <= 100:
        raise DomainError(_("The score lies between 0 and 100."), field="score")
    if evaluated_on > clock.today():
        raise DomainError(_("The evaluation date lies in the future."), field="evaluated_on")
    return Evaluation.objects.create(
        enterprise=enterprise,
        year=year,
        half=half,
        evaluator=evaluator.strip(),
        grade=grade,
        score=score,
        comments=comments,
        evaluated_on=evaluated_on,
    )


# --- Support plan (一企一策) and visits -----------------------------------------------------------


@transaction.atomic
def support_item_create(
    *, actor: User, enterprise: Enterprise, kind: str, title: str, due_on: datetime.date, owner: User | None = None
) -> SupportPlanItem:
    _check_manage(actor, enterprise.org_unit_id)
    if owner is not None and not policies.can_edit_unit(owner, enterprise.org_unit_id):
        raise DomainError(_("The owner must work for the enterprise's unit or the district office."), field="owner")
    if SupportPlanItem.objects.filter(enterprise=enterprise, kind=kind, title=title.strip()).exists():
        raise DomainError(_("This service is already in the enterprise's plan."), field="title")
    return SupportPlanItem.objects.create(
        enterprise=enterprise, kind=kind, title=title.strip(), due_on=due_on, owner=owner or actor
    )


@transaction.atomic
def support_item_transition(
    *, actor: User, item: SupportPlanItem, action: str, outcome: str = "", reason: str = ""
) -> SupportPlanItem:
    """Start, complete (with its outcome), cancel or reopen a plan item; the log keeps who and why."""
    item = SupportPlanItem.objects.select_for_update().select_related("enterprise").get(pk=item.pk)
    SUPPORT_WORKFLOW.apply(item, action=action, actor=actor, reason=reason or outcome, params={"outcome": outcome})
    return item


@transaction.atomic
def visit_log(
    *, actor: User, enterprise: Enterprise, visited_on: datetime.date, topic: str, notes: str = "", follow_up: str = ""
) -> Visit:
    _check_manage(actor, enterprise.org_unit_id)
    if visited_on > clock.today():
        raise DomainError(_("The visit date lies in the future."), field="visited_on")
    if Visit.objects.filter(enterprise=enterprise, visited_on=visited_on, topic=topic.strip()).exists():
        raise DomainError(_("This visit is already in the log."), field="topic")
    return Visit.objects.create(
        enterprise=enterprise,
        officer=actor,
        visited_on=visited_on,
        topic=topic.strip(),
        notes=notes,
        follow_up=follow_up,
    )


# --- Registries: maker spaces and mentors ----------------------------------------------------------


@transaction.atomic
def maker_space_save(*, actor: User, space: MakerSpace | None = None, **data) -> MakerSpace:
    if not policies.can_edit_registries(actor):
        raise ActionNotAllowed(_("Only the district talent office keeps the maker-space registry."))
    target = space or MakerSpace()
    for key, value in data.items():
        setattr(target, key, value)
    if MakerSpace.objects.exclude(pk=target.pk).filter(name=target.name).exists():
        raise DomainError(_("A maker space with this name is already registered."), field="name")
    target.save()
    return target


@transaction.atomic
def mentor_save(*, actor: User, mentor: Mentor | None = None, enterprises=None, **data) -> Mentor:
    if not policies.can_edit_registries(actor):
        raise ActionNotAllowed(_("Only the district talent office keeps the mentor registry."))
    target = mentor or Mentor()
    for key, value in data.items():
        setattr(target, key, value)
    if Mentor.objects.exclude(pk=target.pk).filter(name=target.name).exists():
        raise DomainError(_("A mentor with this name is already registered."), field="name")
    target.save()
    if enterprises is not None:
        target.enterprises.set(enterprises)
    return target


# --- Class rules ---------------------------------------------------------------------------------


@transaction.atomic
def class_rule_update(*, actor: User, rule: ClassRule, **thresholds) -> ClassRule:
    """Only district office staff change the rules; the next recompute applies them."""
    if not policies.can_edit_class_rules(actor):
        raise ActionNotAllowed(_("Only the district talent office changes the class rules."))
    rule = ClassRule.objects.select_for_update().get(pk=rule.pk)
    for key, value in thresholds.items():
        if key.startswith("min_") and value is not None and value < 0:
            raise DomainError(_("A threshold may not be negative."), field=key)
        setattr(rule, key, value)
    rule.updated_by = actor
    rule.save()
    return rule


# --- Derived figures ---------------------------------------------------------------------------


def counted_reports():
    """Current reports that count toward the figures: every quarterly one, and a yearly one only
    for a year without quarterly reports, so that no year is counted twice."""
    quarterly_same_year = OperatingReport.objects.filter(
        enterprise=OuterRef("enterprise"), year=OuterRef("year"), is_current=True, period_kind=PeriodKind.QUARTER
    )
    return (
        OperatingReport.objects.filter(is_current=True)
        .filter(Q(period_kind=PeriodKind.QUARTER) | ~Exists(quarterly_same_year))
        # A yearly report stands for the year up to its fourth quarter.
        .annotate(eff_quarter=Coalesce("quarter", Value(4)), rank=F("year") * 10 + Coalesce("quarter", Value(4)))
    )


def _sum(field: str, qs) -> Coalesce:
    total = qs.order_by().values("enterprise").annotate(t=Sum(field)).values("t")[:1]
    return Coalesce(Subquery(total, output_field=MONEY), Value(ZERO), output_field=MONEY)


def _latest(field: str, output_field):
    latest = counted_reports().filter(enterprise=OuterRef("pk")).order_by("-rank").values(field)[:1]
    return Subquery(latest, output_field=output_field)


def class_expression() -> Case:
    """The class each enterprise gets from the active rules (highest priority first), as SQL."""
    whens = []
    for rule in ClassRule.objects.filter(active=True).order_by("-priority", "enterprise_class"):
        condition = Q()
        if rule.min_cumulative_revenue is not None:
            condition &= Q(cumulative_revenue__gte=rule.min_cumulative_revenue)
        if rule.min_revenue_growth is not None:
            condition &= Q(revenue_growth__gte=rule.min_revenue_growth)
        if rule.min_cumulative_financing is not None:
            condition &= Q(cumulative_financing__gte=rule.min_cumulative_financing)
        if rule.min_employees is not None:
            condition &= Q(latest_employees__gte=rule.min_employees)
        whens.append(When(condition, then=Value(rule.enterprise_class)))
    return Case(*whens, default=Value(EnterpriseClass.SEED))


DERIVED_FIELDS = (
    "cumulative_sales",
    "cumulative_revenue",
    "cumulative_financing",
    "latest_grade",
    "latest_report_year",
    "latest_report_quarter",
    "latest_employees",
    "revenue_growth",
    "revenue_tier",
    "enterprise_class",
)
# Stored as written here; the history shows it in the reader's language.
RECOMPUTE_REASON = gettext_noop("Recomputed from the operating reports, financing rounds and evaluations")


def _derived(target):
    return ((pk, tuple(rest)) for pk, *rest in target.order_by().values_list("pk", *DERIVED_FIELDS).iterator(2000))


def figures_recompute(
    *, org_unit_id: int | None = None, job_id: int | None = None, progress: Callable[[int, int], None] | None = None
) -> dict:
    """Recompute every derived figure with a handful of UPDATE statements (no per-row saves).

    Idempotent: a second run changes nothing and records no class change.
    """
    steps = 4
    step = progress or (lambda done, total: None)
    actor = system_actor()
    with transaction.atomic():
        # Two recomputes at once would both record the same class change: the rule rows are
        # the mutex (PostgreSQL; SQLite serialises writers anyway).
        rules_locked = list(ClassRule.objects.select_for_update().values_list("pk", flat=True))
        target = Enterprise.objects.all()
        if org_unit_id is not None:
            target = target.filter(org_unit_id=org_unit_id)
        mine = counted_reports().filter(enterprise=OuterRef("pk"))
        financing = (
            FinancingRound.objects.filter(enterprise=OuterRef("pk"))
            .order_by()
            .values("enterprise")
            .annotate(t=Sum("amount"))
            .values("t")[:1]
        )
        grade = (
            Evaluation.objects.filter(enterprise=OuterRef("pk")).order_by("-evaluated_on", "-id").values("grade")[:1]
        )
        before = dict(_derived(target))
        target.update(
            cumulative_sales=_sum("sales", mine),
            cumulative_revenue=_sum("main_revenue", mine),
            cumulative_financing=Coalesce(Subquery(financing, output_field=MONEY), Value(ZERO), output_field=MONEY),
            latest_grade=Coalesce(Subquery(grade), Value("")),
            latest_report_year=_latest("year", IntegerField()),
            latest_report_quarter=_latest("quarter", IntegerField()),
            latest_employees=_latest("employees", IntegerField()),
        )
        step(1, steps)
        # Year-to-date growth (累计同比): this year up to the latest quarter against the same
        # quarters of the year before.
        this_ytd = _sum(
            "main_revenue",
            mine.filter(
                year=OuterRef("latest_report_year"),
                eff_quarter__lte=Coalesce(OuterRef("latest_report_quarter"), Value(4)),
            ),
        )
        last_ytd = _sum(
            "main_revenue",
            mine.filter(
                year=OuterRef("latest_report_year") - 1,
                eff_quarter__lte=Coalesce(OuterRef("latest_report_quarter"), Value(4)),
            ),
        )
        ratio = Cast(this_ytd, FloatField()) / Cast(last_ytd, FloatField()) - Value(1.0)
        target.update(
            revenue_growth=Case(
                When(GreaterThan(last_ytd, Value(ZERO)), then=Least(Greatest(ratio, Value(-1.0)), Value(9999.0))),
                default=Value(None),
                output_field=FloatField(),
            ),
            revenue_tier=Case(
                When(cumulative_revenue__gte=TIER_50M, then=Value(RevenueTier.FIFTY_M)),
                When(cumulative_revenue__gte=TIER_10M, then=Value(RevenueTier.TEN_M)),
                default=Value(RevenueTier.NONE),
            ),
        )
        step(2, steps)
        new_class = class_expression()
        changes = list(
            target.annotate(new_class=new_class)
            .exclude(enterprise_class=F("new_class"))
            .values(
                "pk",
                "enterprise_class",
                "new_class",
                "cumulative_revenue",
                "cumulative_financing",
                "revenue_growth",
                "latest_employees",
            )
        )
        now = clock.now()
        ClassChange.objects.bulk_create(
            ClassChange(
                enterprise_id=c["pk"],
                from_class=c["enterprise_class"],
                to_class=c["new_class"],
                cumulative_revenue=c["cumulative_revenue"],
                cumulative_financing=c["cumulative_financing"],
                revenue_growth=c["revenue_growth"],
                employees=c["latest_employees"],
                changed_at=now,
                job_id=job_id,
            )
            for c in changes
        )
        step(3, steps)
        target.filter(pk__in=[c["pk"] for c in changes]).update(enterprise_class=new_class)
        target.update(figures_updated_at=now)
        # The history names the system actor as the author of recomputed figures, so the next
        # person to save the enterprise is not shown as having changed them.
        changed = [pk for pk, figures in _derived(target) if before.get(pk) != figures]
        for start in range(0, len(changed), 2000):
            Enterprise.history.bulk_history_create(
                list(Enterprise.objects.filter(pk__in=changed[start : start + 2000])),
                update=True,
                default_user=actor,
                default_change_reason=RECOMPUTE_REASON,
                default_date=now,
            )
        tiers = target.aggregate(
            count=Count("pk"),
            tier_10m=Count("pk", filter=Q(revenue_tier=RevenueTier.TEN_M)),
            tier_50m=Count("pk", filter=Q(revenue_tier=RevenueTier.FIFTY_M)),
        )
    step(4, steps)
    return {"enterprises": tiers.pop("count"), "class_changes": len(changes), "rules": len(rules_locked), **tiers}


def recompute_after_change(*, org_unit: OrgUnit | None, requested_by: User) -> Job:
    """Record the recompute job now and enqueue it when the surrounding transaction commits.

    Unlike a job a person starts, this one never refuses: the data has already changed, and a
    lost message is re-enqueued by the sweep.
    """
    params = {"org_unit": org_unit.pk} if org_unit is not None else {}
    job = Job.objects.create(
        kind=RECOMPUTE_JOB, params=params, requested_by=requested_by, org_unit=requested_by.org_unit
    )
    transaction.on_commit(lambda: job_enqueue(job.pk))
    return job


# --- Filing reminders (beat, daily) ------------------------------------------------------------

# Days before a window closes on which enterprises that have not filed are reminded.
CLOSING_REMINDER_DAYS = 5


def filings_remind(*, today: datetime.date | None = None) -> int:
    """Tell every enterprise account that owes a quarter: its window is open, 5 days are left, it
    is late. Reads the last two ended quarters (a window the office lengthened may still be open
    for the older one); each occurrence is keyed, so a rerun, or a day missed and caught up, tells
    nobody twice. Returns the number of outbox rows written."""
    from django.urls import reverse

    from qinhuai_talent.notifications.services import Message, notify_many

    from . import selectors

    today = today or clock.today()
    latest = selectors.last_ended_quarter(today)
    written = 0
    url = reverse("enterprises:mine")
    for year, quarter in (latest, selectors.previous_quarter(*latest)):
        opens_on, closes_on = selectors.filing_window(year, quarter)
        if today < opens_on:
            continue
        if today > closes_on:
            event, key = "filing_late", "late"
        elif (closes_on - today).days <= CLOSING_REMINDER_DAYS:
            event, key = "filing_window_closing", "closing"
        else:
            event, key = "filing_window_open", "open"
        owing = selectors.with_first_filing(
            selectors.filing_obliged(Enterprise.objects.filter(account__isnull=False), year, quarter), year, quarter
        ).filter(first_filed_at__isnull=True)
        period = f"{year}Q{quarter}"
        messages = [
            Message(
                recipients=[e["account_id"]],
                key=f"filing:{e['pk']}:{period}:{key}",
                params={
                    "period": period,
                    "enterprise": e["name"],
                    "closes": closes_on.isoformat(),
                    "days": (closes_on - today).days,
                },
                url=url,
            )
            for e in owing.order_by("pk").values("pk", "name", "account_id")
        ]
        written += notify_many(event=event, messages=messages)
    return written
