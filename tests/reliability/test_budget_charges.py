"""Money charged to the right budget (issue 14, item 7): each component of an agreement (the
district's share, the city's share) is committed against the budget of its own source and year,
the city's budgets show what they carry, and the reports' figures by level and by source agree
with the budgets.

Generated over every budget of the demo district. The expected figures are read here from the
agreements, independently of the portal's queries: an agreement in force commits each share in
full; a terminated one what it paid, counted against the district's share first.
(Before: the district treasury carried each agreement's whole total and the city budgets 0.)"""

from collections import defaultdict
from decimal import Decimal

import pytest

from funding import selectors, services
from funding.models import Agreement, AgreementState, Budget, FundingSource
from qinhuai_talent.core.models import User

pytestmark = pytest.mark.django_db

ZERO = Decimal("0.00")
IN_FORCE = {AgreementState.DRAFT, AgreementState.ACTIVE, AgreementState.SUSPENDED, AgreementState.COMPLETED}


def _expected() -> tuple[dict[int, Decimal], dict[int, Decimal]]:
    """Committed and paid per budget id, from the agreements' own fields."""
    committed: dict[int, Decimal] = defaultdict(lambda: ZERO)
    paid: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for a in Agreement.objects.all():
        assert a.district_share == a.total - a.city_share, a.number
        district_paid = min(a.paid_total, a.district_share)
        city_paid = a.paid_total - district_paid
        if a.state in IN_FORCE:
            district, city = a.district_share, a.city_share
        elif a.state == AgreementState.TERMINATED:
            district, city = district_paid, city_paid
        else:
            district = city = ZERO
        if a.city_share:
            assert a.city_budget_id is not None, f"{a.number}: a city share charged to no budget"
            assert a.city_budget.source == FundingSource.CITY_SHARE and a.city_budget.year == a.budget.year
            committed[a.city_budget_id] += city
            paid[a.city_budget_id] += city_paid
        if a.budget_id is not None:
            assert a.budget.source != FundingSource.CITY_SHARE, f"{a.number}: the district's share on a city budget"
            committed[a.budget_id] += district
            paid[a.budget_id] += district_paid
    return committed, paid


def test_after_seed_demo_every_budget_commits_exactly_the_components_of_its_source_and_year(demo_district):
    office = User.objects.get(username="office")
    committed, paid = _expected()
    shown = {b.pk: b for b in selectors.budgets_for(office)}
    assert len(shown) == Budget.objects.count() > 40
    wrong = []
    for budget in Budget.objects.select_related("org_unit"):
        figures = services.budget_figures_of(budget)
        row = shown[budget.pk]
        got = (figures.committed, figures.paid, row.committed, row.paid)
        want = (committed[budget.pk], paid[budget.pk]) * 2
        if got != want:
            wrong.append(f"{budget}: committed/paid {got}, expected {want}")
        if figures.committed > budget.amount:
            wrong.append(f"{budget}: committed {figures.committed} above its amount {budget.amount}")
    assert not wrong, "\n".join(wrong)
    # Not vacuous: the demo's key projects put city shares on city budgets.
    city = [b for b in Budget.objects.filter(source=FundingSource.CITY_SHARE) if committed[b.pk]]
    assert city, "no city budget carries a city share in the demo"


def test_the_reports_by_level_and_by_source_agree_with_the_budgets(demo_district, api):
    office = User.objects.get(username="office")
    budgets = list(selectors.budgets_for(office))
    for year in sorted({b.year for b in budgets}):
        figures = selectors.funding_figures(year=year)
        of_year = [b for b in budgets if b.year == year]
        city = sum((b.committed for b in of_year if b.source == FundingSource.CITY_SHARE), ZERO)
        district = sum((b.committed for b in of_year if b.source != FundingSource.CITY_SHARE), ZERO)
        assert figures["by_level"] == {"city": city, "district": district}, year
        assert figures["committed"] == city + district, year
        for row in figures["by_source"]:
            assert row["committed"] == sum((b.committed for b in of_year if b.source == row["source"]), ZERO)
            assert row["paid"] == sum((b.paid for b in of_year if b.source == row["source"]), ZERO)
        # The summary API and the report page say the same.
        summary = api(office).get("/api/v1/reports/summary/", {"year": year}).json()["funding"]
        assert Decimal(str(summary["by_level"]["city"])) == city, year


def test_the_funding_report_page_splits_by_level_and_source_as_the_budgets_do(demo_district, client):
    office = User.objects.get(username="office")
    client.force_login(office)
    budgets = [b for b in selectors.budgets_for(office) if b.year == 2016]
    page = client.get("/reports/funding/", {"year": 2016})
    assert page.status_code == 200
    tables = {t.key: t for t in page.context["tables"]}
    # by_level: the city's row, then the district's; by_source: a row per source, committed 4th.
    city_row, district_row = (row[1].value for row in tables["by_level"].rows)
    city = sum((b.committed for b in budgets if b.source == FundingSource.CITY_SHARE), ZERO)
    district = sum((b.committed for b in budgets if b.source != FundingSource.CITY_SHARE), ZERO)
    assert (city_row, district_row) == (city, district) and city > 0
    # by_source: a row per source in FundingSource's order (label, budget, agreements, committed, …).
    by_source = dict(zip(FundingSource.values, (row[3].value for row in tables["by_source"].rows), strict=False))
    assert by_source[FundingSource.CITY_SHARE] == city


def test_an_agreement_shows_the_budgets_its_components_are_charged_to(demo_district, client, api):
    office = User.objects.get(username="office")
    a = Agreement.objects.filter(city_share__gt=0, city_budget__isnull=False).select_related("city_budget").first()
    assert api(office).get(f"/api/v1/agreements/{a.pk}/").json()["city_budget_id"] == a.city_budget_id
    client.force_login(office)
    page = client.get(f"/funding/agreements/{a.pk}/").content.decode()
    assert str(a.budget) in page and str(a.city_budget) in page
