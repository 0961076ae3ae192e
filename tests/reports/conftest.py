from datetime import date
from decimal import Decimal

import pytest
from knox.models import AuthToken

from qinhuai_talent.core.models import Role, User
from talents.models import Level

from . import factories as f


@pytest.fixture
def district(units):
    """A small district: records in 夫子庙 (street), 双塘 (street2) and 高新园区 (park)."""
    fzm, st, gx = units["fuzimiao"], units["shuangtang"], units["gaoxin_park"]
    thousand = f.ProgramFactory(code="national_thousand_talents", level=Level.NATIONAL, name="国家千人计划")
    leading = f.ProgramFactory(
        code="municipal_leading_entrepreneur", level=Level.MUNICIPAL, name="市领军型科技创业人才"
    )
    district_prog = f.ProgramFactory(
        code="district_high_level_entrepreneur", level=Level.DISTRICT, name="区高层次创业人才"
    )

    # Titles: 3 national introduced (2 fzm, 1 gx), 1 national self-cultivated (st), 2 municipal (fzm),
    # and one awarded in 2018 that a 2017 report must not count.
    f.TitleFactory.create_batch(2, program=thousand, org_unit=fzm, year=2012)
    f.TitleFactory(program=thousand, org_unit=gx, year=2015)
    f.TitleFactory(program=thousand, org_unit=st, origin="self_cultivated", year=2017)
    f.TitleFactory.create_batch(2, program=leading, org_unit=fzm, year=2016)
    f.TitleFactory(program=district_prog, org_unit=fzm, year=2018)

    # Pipeline 2017: the national call has 2 in defense (fzm, gx) and 1 rejected (fzm);
    # the municipal call 3 submitted (2 fzm, 1 st) and a draft nobody counts; 2016 is another year.
    national = f.CallFactory(program=thousand, year=2017, quota=5)
    municipal = f.CallFactory(program=leading, year=2017, quota=20)
    f.CallFactory(program=district_prog, year=2017, quota=40)
    f.ApplicationFactory(call=national, org_unit=fzm, state="defense")
    f.ApplicationFactory(call=national, org_unit=gx, state="defense")
    f.ApplicationFactory(call=national, org_unit=fzm, state="rejected")
    f.ApplicationFactory.create_batch(2, call=municipal, org_unit=fzm, state="submitted")
    f.ApplicationFactory(call=municipal, org_unit=st, state="submitted")
    f.ApplicationFactory(call=municipal, org_unit=fzm, state="draft")
    f.ApplicationFactory(call=f.CallFactory(program=leading, year=2016), org_unit=fzm, state="approved")

    # Enterprises: fzm has a 50m-tier NEEQ company and a seed; gx a 10m-tier company; st one that
    # moved out (no longer the district's: not counted).
    e_fzm = f.EnterpriseFactory(
        org_unit=fzm,
        cumulative_sales=Decimal("80000000.00"),
        cumulative_revenue=Decimal("60000000.00"),
        cumulative_financing=Decimal("20000000.00"),
        revenue_tier="50m",
        enterprise_class="little_giant",
        listing="neeq",
    )
    f.EnterpriseFactory(org_unit=fzm, cumulative_sales=Decimal("500000.50"))
    e_gx = f.EnterpriseFactory(
        org_unit=gx,
        cumulative_sales=Decimal("15000000.00"),
        cumulative_revenue=Decimal("12000000.00"),
        cumulative_financing=Decimal("5000000.00"),
        revenue_tier="10m",
        enterprise_class="high_growth",
    )
    e_st = f.EnterpriseFactory(org_unit=st, status="moved_out", cumulative_sales=Decimal("9.00"))
    f.MakerSpaceFactory.create_batch(2, org_unit=fzm)
    f.MakerSpaceFactory(org_unit=gx)
    f.MakerSpaceFactory(org_unit=gx, level=Level.DISTRICT)

    # Funding: fzm agreement 1,000,000 on the 2017 budget (paid 300,000 in Q2 2017, tranche 2's
    # payout of 400,000 approved, tranche 3 of 300,000 held); gx agreement 500,000 starting 2017
    # without a budget (paid 150,000 then 50,000 reversed, later 100,000 recovered); st a draft
    # agreement of 1,000,000 (committed, as the funding app counts a draft).
    from funding.models import Budget, Payout

    budget = Budget.objects.create(org_unit=fzm, year=2017, source="district_treasury", amount=Decimal("5000000"))
    a1 = f.AgreementFactory(
        org_unit=fzm, enterprise=e_fzm, program=leading, budget=budget, paid_total=Decimal("300000.00")
    )
    f.TrancheFactory(
        agreement=a1, sequence=1, planned_amount=Decimal("300000.00"), state="paid", due_on=date(2017, 4, 1)
    )
    t2 = f.TrancheFactory(
        agreement=a1, sequence=2, planned_amount=Decimal("400000.00"), state="eligible", due_on=date(2017, 9, 30)
    )
    Payout.objects.create(
        tranche=t2, agreement=a1, org_unit=fzm, amount=Decimal("400000.00"), approver_level="unit", state="approved"
    )
    f.TrancheFactory(
        agreement=a1, sequence=3, planned_amount=Decimal("300000.00"), state="held", due_on=date(2018, 3, 31)
    )
    f.LedgerEntryFactory(agreement=a1, amount=Decimal("300000.00"), entry_date=date(2017, 4, 10))
    a2 = f.AgreementFactory(
        org_unit=gx,
        enterprise=e_gx,
        program=district_prog,
        startup_grant=Decimal("500000.00"),
        paid_total=Decimal("100000.00"),
    )
    f.LedgerEntryFactory(agreement=a2, amount=Decimal("150000.00"), entry_date=date(2017, 7, 1))
    f.LedgerEntryFactory(agreement=a2, kind="reversal", amount=Decimal("-50000.00"), entry_date=date(2017, 7, 2))
    f.AgreementFactory(org_unit=st, enterprise=e_st, state="draft")

    # Exits: two open flags in fzm (different rules), one dismissed; an exited case in gx that
    # recovered 100,000 of 150,000.
    f.ExitFlagFactory(agreement=a1, rule="missing_reports")
    f.ExitFlagFactory(agreement=a1, rule="poor_evaluation")
    f.ExitFlagFactory(agreement=a1, rule="moved_out", state="dismissed")
    f.ExitCaseFactory(agreement=a2, state="exited", recovery_due=Decimal("150000.00"), recovered=Decimal("100000.00"))
    f.LedgerEntryFactory(agreement=a2, kind="recovery", amount=Decimal("-100000.00"), entry_date=date(2017, 11, 1))

    # Assessment 2017: st first, fzm second, gx (park scheme) third.
    f.AssessmentFactory(org_unit=st, total=Decimal("92.50"), rank=1, grade_band="优秀")
    f.AssessmentFactory(org_unit=fzm, total=Decimal("88.00"), rank=2, grade_band="良好")
    f.AssessmentFactory(
        org_unit=gx, scheme=f.SchemeFactory(unit_kind="park"), total=Decimal("80.00"), rank=3, grade_band="合格"
    )
    return units


@pytest.fixture
def report_client(units):
    """``report_client(*unit_codes, all_units=False)`` → (client, token)."""

    def make(*codes, all_units=False):
        client = User.objects.create(username=f"client-{'-'.join(codes) or 'all'}", role=Role.API_CLIENT)
        client.grants_all_units = all_units
        client.save()
        client.granted_units.set([units[c] for c in codes])
        _instance, token = AuthToken.objects.create(client)
        return client, token

    return make


@pytest.fixture
def token_api(api):
    def make(token):
        client = api()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client

    return make
