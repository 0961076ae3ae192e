"""Demo funding for the demo district: budgets, approval limits, agreements at every stage.

Built on the enterprises demo (its enterprises, founders, reports and grades, including its
exit-rule scenarios) and the talents demo (the 2017 district call's approved applications).
The figures that follow from the data (eligibility, amounts, flags, holds) are not written here:
the seed runs the recompute jobs, as the nightly beat does, evaluated as of 15 January 2018 (the
demo district's books close with 2017 Q4). Idempotent: natural keys, and every step skips what
is already done.
"""

from datetime import date
from decimal import Decimal

from django.db import transaction

from enterprises.demo import ACCOUNT
from enterprises.models import Enterprise, Founder
from enterprises.services import filings_remind
from qinhuai_talent.core import clock
from qinhuai_talent.core.errors import DomainError
from qinhuai_talent.core.jobs import JobContext
from qinhuai_talent.core.models import OrgUnit, Role, User
from talents.models import Application, ApplicationState, Program, Title

from . import engine, services
from .models import (
    Agreement,
    AgreementState,
    ApprovalLimit,
    ApproverLevel,
    Budget,
    ExitCase,
    FundingSource,
    Payout,
    PayoutState,
    PlanTemplate,
    Tranche,
    TrancheState,
    UseOfFundsReport,
)

AS_OF = clock.DEMO_DAY.isoformat()
M = Decimal("1000000")
LIMITS = {"gaoxin_park": "500000", "guochuang_park": "400000", "creative_1865": "200000"}
STREET_LIMIT = "200000"
# Enterprise positions of the enterprises demo that get an agreement (spread over the units).
FUNDED = [*range(0, 13), *range(16, 22), *range(28, 34), *range(38, 42), 46, 47, 67]
BIG = {0, 16}  # key projects: 2,000,000 yuan, above the park's limit at the first tranche
# Left waiting in a queue (not approved): the office's, the park officers', the street officer's.
LEAVE_PROPOSED = {0, 1, 16, 28}
LEAVE_APPROVED = {2, 17}  # approved, waiting for finance
USE_OF_FUNDS = {3, 4}  # use-of-funds reports accepted, so their third tranche can follow
# The demo enterprise account's agreement (enterprises.demo.ACCOUNT): its first tranche paid on
# registration, the rest waiting for revenue it has not reached and for its own use-of-funds report
# on the tranche before: one milestone met of five, none overdue (due mid-2018 and mid-2019).
ACCOUNT_PLAN = [
    {"share": "30", "months": 0, "milestones": [{"kind": "registered"}]},
    {
        "share": "40",
        "months": 24,
        "milestones": [{"kind": "revenue", "threshold": "3000000.00"}, {"kind": "use_of_funds"}],
    },
    {
        "share": "30",
        "months": 36,
        "milestones": [{"kind": "revenue", "threshold": "5000000.00"}, {"kind": "use_of_funds"}],
    },
]
EXIT_CASE = 5  # moved out in September 2017: exited, recovery in progress
RECTIFY_CASE = 9  # no reports for 2017 Q3 and Q4: a case in its rectification period


def _credit_code(i: int) -> str:
    from enterprises.demo import _credit_code as code

    return code(i)


def _ctx() -> JobContext:
    # job_id 0 matches no Job row: the seed reports no progress and leaves no job records behind.
    return JobContext(job_id=0, params={"as_of": AS_OF})


def _budgets(units: list[OrgUnit]) -> None:
    for unit in units:
        for year in (2016, 2017):
            Budget.objects.get_or_create(
                org_unit=unit, year=year, source=FundingSource.DISTRICT_TREASURY, defaults={"amount": 12 * M}
            )
            if unit.kind == "park":
                Budget.objects.get_or_create(
                    org_unit=unit, year=year, source=FundingSource.PARK_FUNDS, defaults={"amount": 3 * M}
                )
            # The city's shares of the key projects are charged to the unit's city-share budget.
            Budget.objects.get_or_create(
                org_unit=unit, year=year, source=FundingSource.CITY_SHARE, defaults={"amount": 2 * M}
            )
    for unit in units:
        amount = LIMITS.get(unit.code, STREET_LIMIT if unit.kind == "street" else None)
        if amount is not None:
            ApprovalLimit.objects.get_or_create(org_unit=unit, defaults={"max_amount": Decimal(amount)})


def _legacy_agreement(
    i: int, enterprise: Enterprise, office: User, templates: dict, plan: PlanTemplate | None = None
) -> Agreement | None:
    """Agreements of the 2016–2017 rounds, awarded before the portal kept applications (``plan``:
    a plan of its own instead of the policy's templates)."""
    founder = Founder.objects.filter(enterprise=enterprise).order_by("-is_legal_representative", "pk").first()
    if founder is None:
        return None
    number = f"QH-DEMO-{i:03d}"
    existing = Agreement.objects.filter(number=number).first()
    if existing is not None:
        return existing
    title = Title.objects.filter(talent=founder.talent).select_related("program").order_by("year").first()
    program = title.program if title else Program.objects.get(code="district_high_level_entrepreneur")
    grant = 2 * M if i in BIG else M
    rent = Decimal("60000") if i % 3 == 0 else Decimal("0")
    starts_on = date(2016, 7, 1) if i % 2 == 0 else date(2017, 3, 1)
    budget = Budget.objects.get(
        org_unit_id=enterprise.org_unit_id, year=starts_on.year, source=FundingSource.DISTRICT_TREASURY
    )
    template = plan or templates["three_years_4_3_3" if i % 7 == 6 else "startup_30_40_30"]
    city = grant / 2 if i in BIG else Decimal("0")
    city_budget = (
        Budget.objects.get(org_unit_id=enterprise.org_unit_id, year=starts_on.year, source=FundingSource.CITY_SHARE)
        if city
        else None
    )
    with transaction.atomic():
        agreement = Agreement.objects.create(
            number=number,
            enterprise=enterprise,
            talent=founder.talent,
            program=program,
            org_unit_id=enterprise.org_unit_id,
            budget=budget,
            city_budget=city_budget,
            startup_grant=grant,
            rent_subsidy=rent,
            total=grant + rent,
            city_share=city,
            district_share=grant + rent - city,
            starts_on=starts_on,
            ends_on=date(starts_on.year + 3, starts_on.month, 1),
            created_by=office,
        )
        services._plan_tranches(agreement, template)
        services.AGREEMENT_WORKFLOW.apply(
            agreement, action="activate", actor=office, reason="2016–2017年度扶持协议录入"
        )
    return agreement


def _application_agreements(office: User, templates: dict) -> int:
    """The 2017 district call's approved applications: drafted by the service, one left in draft."""
    made = 0
    apps = Application.objects.filter(state=ApplicationState.APPROVED, call__year=2017).select_related("call")
    for n, application in enumerate(apps.order_by("pk")):
        if Agreement.objects.filter(application=application).exists():
            continue
        enterprise = (
            Enterprise.objects.filter(founders__talent=application.talent).first()
            or Enterprise.objects.filter(org_unit=application.org_unit, agreements__isnull=True).order_by("pk").first()
        )
        if enterprise is None:
            continue
        # The venture the application names is this enterprise; its founder joins the register.
        Founder.objects.get_or_create(
            enterprise=enterprise, talent=application.talent, defaults={"equity_share": Decimal("20")}
        )
        budget = Budget.objects.get(org_unit=application.org_unit, year=2017, source=FundingSource.DISTRICT_TREASURY)
        agreement = services.agreement_create(
            actor=office,
            application=application,
            enterprise=enterprise,
            budget=budget,
            startup_grant=Decimal("800000"),
            rent_subsidy=Decimal("30000"),
            starts_on=date(2017, 10, 1),
            ends_on=date(2020, 9, 30),
            template=templates["startup_30_40_30"],
        )
        if n:
            services.agreement_transition(actor=office, agreement_id=agreement.pk, action="activate")
        made += 1
    return made


def _approver(payout: Payout, office: User, officers: dict[int, User]) -> User:
    if payout.approver_level == ApproverLevel.UNIT and payout.org_unit_id in officers:
        return officers[payout.org_unit_id]
    return office


def _settle(positions: dict[int, Agreement], office: User, finance: User, officers: dict[int, User]) -> int:
    """Approve and pay the eligible tranches, except those left in the queues on purpose."""
    paid = 0
    for i, agreement in positions.items():
        for payout in (
            Payout.objects.filter(agreement=agreement).select_related("tranche").order_by("tranche__sequence")
        ):
            # Approved and paid on the story's day: a payment is never dated before its approval.
            paid_on = date(2017, min(12, 6 + payout.tranche.sequence * 2), 10)
            if payout.state == PayoutState.PROPOSED and i not in LEAVE_PROPOSED:
                try:
                    with clock.running_on(paid_on):
                        services.payout_approve(actor=_approver(payout, office, officers), payout_id=payout.pk)
                except DomainError:
                    continue
                payout.refresh_from_db()
            if payout.state == PayoutState.APPROVED and i not in LEAVE_APPROVED:
                try:
                    with clock.running_on(paid_on):
                        services.payout_pay(
                            actor=finance,
                            payout_id=payout.pk,
                            voucher=f"CZ-2017-{agreement.pk:03d}-{payout.tranche.sequence}",
                            paid_on=paid_on,
                        )
                except DomainError:
                    continue
                paid += 1
    return paid


def _use_of_funds(positions: dict[int, Agreement], officers: dict[int, User], office: User) -> None:
    for i in USE_OF_FUNDS:
        agreement = positions.get(i)
        if agreement is None:
            continue
        actor = officers.get(agreement.org_unit_id, office)
        for tranche in Tranche.objects.filter(agreement=agreement, state=TrancheState.PAID):
            if UseOfFundsReport.objects.filter(tranche=tranche).exists():
                continue
            report = services.use_of_funds_submit(
                actor=actor,
                tranche_id=tranche.pk,
                summary="用于研发人员薪酬、样机试制及市场推广，附支出明细与发票复印件。",
                submitted_on=date(2017, 11, 20),
            )
            services.use_of_funds_accept(actor=actor, report_id=report.pk)


def _exit_cases(positions: dict[int, Agreement], office: User, finance: User, officers: dict[int, User]) -> None:
    exited = positions.get(EXIT_CASE)
    if exited is not None and not ExitCase.objects.filter(agreement=exited).exists() and exited.paid_total:
        # Decided after the year's last payments, before the recovery received in January 2018.
        with clock.running_on(date(2017, 12, 20)):
            case = services.exit_case_open(actor=office, agreement_id=exited.pk, note="企业已注销，启动退出程序")
            services.exit_case_exit(
                actor=office,
                case_id=case.pk,
                reason="企业于2017年8月注销，创业项目终止；依协议追回已拨付资金。",
                recovery_due=exited.paid_total,
            )
        services.exit_case_record_recovery(
            actor=finance,
            case_id=case.pk,
            amount=(exited.paid_total / 2).quantize(Decimal("0.01")),
            voucher="HS-2018-001",
            received_on=date(2018, 1, 10),
        )
    watched = positions.get(RECTIFY_CASE)
    if watched is not None and not ExitCase.objects.filter(agreement=watched).exists():
        if watched.state in (AgreementState.ACTIVE, AgreementState.SUSPENDED):
            actor = officers.get(watched.org_unit_id, office)
            case = services.exit_case_open(actor=actor, agreement_id=watched.pk, note="连续两个季度未报送经营数据")
            services.exit_case_rectify(
                actor=actor, case_id=case.pk, due=date(2018, 3, 31), reason="限期补报2017年第三、四季度经营数据"
            )


def seed(stdout) -> None:
    if not Enterprise.objects.exists():
        stdout.write("funding: no enterprises yet; run the enterprises demo first")
        return
    office = User.objects.filter(username="office").first()
    finance = User.objects.filter(username="finance").first()
    if office is None or finance is None:
        stdout.write("funding: the demo accounts are missing")
        return
    officers = {}
    for user in User.objects.filter(role__in=[Role.STREET, Role.PARK], is_active=True).order_by("pk"):
        officers.setdefault(user.org_unit_id, user)
    templates = {t.code: t for t in PlanTemplate.objects.all()}
    units = list(OrgUnit.objects.filter(kind__in=["street", "park", "innovation_group"]).order_by("code"))
    _budgets(units)

    positions: dict[int, Agreement] = {}
    by_code = {e.credit_code: e for e in Enterprise.objects.filter(credit_code__in=[_credit_code(i) for i in FUNDED])}
    for i in FUNDED:
        enterprise = by_code.get(_credit_code(i))
        if enterprise is not None:
            agreement = _legacy_agreement(i, enterprise, office, templates)
            if agreement is not None:
                positions[i] = agreement
    drafted = _application_agreements(office, templates)
    # After the applications' agreements, which take the first unit enterprises without one.
    account_enterprise = Enterprise.objects.filter(credit_code=_credit_code(ACCOUNT)).first()
    if account_enterprise is not None:
        plan = PlanTemplate(code="demo_account", name="企业账号演示分期", steps=ACCOUNT_PLAN)
        agreement = _legacy_agreement(ACCOUNT, account_enterprise, office, templates, plan=plan)
        if agreement is not None:
            positions[ACCOUNT] = agreement

    engine.recompute_payouts(_ctx())
    paid = _settle(positions, office, finance, officers)
    _use_of_funds(positions, officers, office)
    engine.recompute_payouts(_ctx())
    paid += _settle({i: a for i, a in positions.items() if i in USE_OF_FUNDS}, office, finance, officers)
    for agreement in positions.values():
        agreement.refresh_from_db()
    flags = engine.recompute_exit_flags(_ctx())
    _exit_cases(positions, office, finance, officers)
    engine.recompute_payouts(_ctx())
    _link_enterprise_account()
    stdout.write(
        f"funding: {Agreement.objects.count()} agreements ({drafted} new from applications), "
        f"{paid} payments this run, {flags['open']} open exit flags, "
        f"{Payout.objects.filter(state=PayoutState.PROPOSED).count()} payouts awaiting approval"
    )


def _link_enterprise_account() -> None:
    """The demo account ``enterprise`` holds a 高新园区 enterprise with an active agreement."""
    account = User.objects.filter(username="enterprise").first()
    if account is None or Enterprise.objects.filter(account=account).exists():
        return
    enterprise = Enterprise.objects.filter(
        credit_code=_credit_code(ACCOUNT), agreements__state=AgreementState.ACTIVE, account__isnull=True
    ).first()
    if enterprise is not None:
        Enterprise.objects.filter(pk=enterprise.pk).update(account=account)
        # What the daily reminder tells it on the demo's day: the quarter it has not filed is late.
        filings_remind()
