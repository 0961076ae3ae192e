"""The service platform's report page (issue 18 item 7, /reports/services/): requests by category,
unit, provider and state, financing obtained through the platform by instrument, first purchases;
every count equals the list its link opens; scoped by unit; CSV and XLSX through the one writer;
and the summary's ``services`` section."""

import datetime
import io
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from openpyxl import load_workbook

from qinhuai_talent.core import clock
from serviceplatform import services

pytestmark = pytest.mark.django_db

DAY = datetime.date(2017, 6, 5)
URL = "/reports/services/"


@pytest.fixture
def platform(
    office,
    street_officer,
    park_officer,
    street_enterprise,
    park_enterprise,
    ip,
    ip_staff,
    guarantor,
    guarantor_staff,
    fund,
    fund_staff,
):
    """夫子庙: an IP request closed (rated 4), one waiting to be routed, a guarantee granted (2 million)
    and a first purchase; 高新园区: an equity outcome of the fund (1 million), a loan refused and a
    first purchase; a 2016 request nobody counts in 2017."""
    with clock.running_on(DAY):
        closed = services.request_file(
            actor=street_officer, enterprise=street_enterprise, category="ip", need="专利", service=ip[1]
        )
        services.request_transition(actor=ip_staff, request=closed, action="accept")
        services.request_transition(actor=ip_staff, request=closed, action="deliver", note="完成")
        services.request_transition(actor=street_officer, request=closed, action="close", rating=4)
        services.request_file(actor=street_officer, enterprise=street_enterprise, category="legal_tax", need="财税")

        def financed(officer, enterprise, provider, staff, instrument, **outcome):
            req = services.request_file(
                actor=officer,
                enterprise=enterprise,
                category="tech_finance",
                need="融资",
                service=provider[1],
                amount_wanted="2000000",
                use="生产",
                instrument=instrument,
            )
            req = services.request_transition(actor=staff, request=req, action="accept")
            return services.financing_outcome_record(actor=staff, request=req, **outcome)

        financed(
            street_officer,
            street_enterprise,
            guarantor,
            guarantor_staff,
            "guarantee",
            outcome="granted",
            amount="2000000",
        )
        financed(park_officer, park_enterprise, fund, fund_staff, "equity", outcome="granted", amount="1000000")
        financed(park_officer, park_enterprise, guarantor, guarantor_staff, "loan", outcome="refused", reason="风险")
        for actor, enterprise, number, amount in (
            (street_officer, street_enterprise, "FP-1", "500000"),
            (park_officer, park_enterprise, "FP-2", "800000"),
        ):
            services.first_purchase_add(
                actor=actor,
                enterprise=enterprise,
                buyer="区政府采购中心",
                product="新产品",
                amount=amount,
                purchased_on=DAY,
                contract_number=number,
            )
    with clock.running_on(datetime.date(2016, 5, 1)):
        services.request_file(actor=street_officer, enterprise=street_enterprise, category="hr", need="招聘")


def figures(response) -> dict:
    return {str(f.label): f.value for f in response.context["figures"]}


def table(response, key):
    return next(t for t in response.context["tables"] if t.key == key)


def listed(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["page"].paginator.count


def test_the_page_counts_the_years_requests_financing_and_purchases(web, office, platform):
    with clock.running_on(DAY):
        response = web(office).get(URL, {"year": 2017, "lang": "en"})
    assert response.status_code == 200
    counted = figures(response)
    values = list(counted.values())
    # filed 5 (the 2016 one not), closed 1 rated 4, financing 3 million, purchases 2 of 1.3 million
    assert values[:2] == [5, 1] and values[2] == Decimal("4.00")
    assert values[3] == Decimal("3000000.00") and values[4:] == [2, Decimal("1300000.00")]
    financing = {str(r[0].value): [c.value for c in r[1:]] for r in table(response, "financing").rows}
    assert [v for v in financing.values()] == [
        [1, Decimal("1000000.00")],
        [0, Decimal("0.00")],
        [1, Decimal("2000000.00")],
    ]
    units = {r[0].value: r[1].value for r in table(response, "by_unit").rows}
    assert sorted(units.values()) == [2, 3]


def test_every_count_equals_the_records_its_link_opens(web, office, platform):
    client = web(office)
    with clock.running_on(DAY):
        response = client.get(URL, {"year": 2017})
        checked = 0
        for t in response.context["tables"]:
            for row in [*t.rows, t.total]:
                for cell in row[1:]:
                    if cell.url and isinstance(cell.value, int):
                        url = urlsplit(cell.url)
                        assert listed(client, f"{url.path}?{url.query}") == cell.value, (t.key, cell.url)
                        checked += 1
        for fig in response.context["figures"]:
            if fig.url and isinstance(fig.value, int):
                assert listed(client, fig.url) == fig.value, fig.url
    assert checked > 30


def test_a_street_officer_sees_only_its_units_requests_financing_and_purchases(web, street_officer, platform):
    client = web(street_officer)
    with clock.running_on(DAY):
        response = client.get(URL, {"year": 2017})
        values = list(figures(response).values())
        assert values[0] == 3 and values[3] == Decimal("2000000.00") and values[4] == 1
        assert client.get(URL, {"year": 2017, "org_unit": "gaoxin_park"}).status_code == 400


def test_providers_experts_and_enterprises_have_no_report_page(web, ip_staff, expert, platform):
    for user in (ip_staff, expert):
        assert web(user).get(URL).status_code == 404


def test_the_exports_write_the_pages_tables_and_records(web, office, platform):
    client = web(office)
    with clock.running_on(DAY):
        xlsx = client.get(URL, {"year": 2017, "export": "xlsx", "records": "financing"})
        csv_response = client.get(URL, {"year": 2017, "export": "csv", "records": "purchases"})
    assert xlsx.status_code == 200 and csv_response.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    cells = [c for sheet in book for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert 2000000 in cells and 1000000 in cells
    text = csv_response.content.decode("utf-8-sig")
    assert "FP-1" in text and "FP-2" in text


def test_the_summary_has_a_services_section_for_the_callers_scope(api, office, street_officer, platform):
    with clock.running_on(DAY):
        district = api(office).get("/api/v1/reports/summary/", {"year": 2017}).json()["services"]
        street = api(street_officer).get("/api/v1/reports/summary/", {"year": 2017}).json()["services"]
    assert district["requests"] == 5 and district["by_state"]["closed"] == 1
    assert district["average_rating"] == "4.00"
    assert district["financing"]["granted"] == 2 and district["financing"]["refused"] == 1
    assert district["financing"]["by_instrument"]["equity"] == {"count": 1, "amount": "1000000.00"}
    assert district["financing"]["amount_granted"] == "3000000.00"
    assert district["first_purchases"] == {"count": 2, "amount": "1300000.00"}
    assert street["requests"] == 3 and street["financing"]["amount_granted"] == "2000000.00"
    assert street["first_purchases"]["count"] == 1
