"""First purchase (产品首购订购, issue 18 item 5): the office and the enterprise's unit officer
enter a government department's purchase of an enterprise's new product; the contract number is
entered once; the register is scoped by unit on the pages and the API; the enterprise's page shows
its purchases."""

import datetime

import pytest

from qinhuai_talent.core import clock
from qinhuai_talent.core.errors import ActionNotAllowed
from serviceplatform import services
from serviceplatform.models import FirstPurchase
from tests.domain import raises_domain

pytestmark = pytest.mark.django_db

DAY = datetime.date(2017, 9, 1)


def enter(actor, enterprise, number="QH-2017-001", **changes):
    data = {
        "buyer": "秦淮区城市管理局",
        "product": "智慧交通信号控制系统",
        "amount": "1200000",
        "purchased_on": datetime.date(2017, 8, 15),
        "contract_number": number,
    } | changes
    with clock.running_on(DAY):
        return services.first_purchase_add(actor=actor, enterprise=enterprise, **data)


def test_the_unit_officer_enters_a_first_purchase_shown_on_the_enterprises_page(web, street_officer, street_enterprise):
    response = web(street_officer).post(
        "/services/first-purchases/new/",
        {
            "enterprise": street_enterprise.pk,
            "buyer": "秦淮区城市管理局",
            "product": "智慧交通信号控制系统",
            "amount": "1200000",
            "purchased_on": "2017-08-15",
            "contract_number": "QH-2017-001",
        },
    )
    assert response.status_code == 302, response.content.decode()
    purchase = FirstPurchase.objects.get()
    assert (purchase.org_unit_id, purchase.entered_by) == (street_enterprise.org_unit_id, street_officer)
    page = web(street_officer).get(f"/enterprises/{street_enterprise.pk}/").content.decode()
    assert "智慧交通信号控制系统" in page and "QH-2017-001" in page


def test_a_contract_number_is_entered_once_and_bad_input_is_refused_with_its_code(
    office, street_officer, street_enterprise, park_enterprise
):
    enter(street_officer, street_enterprise)
    cases = [
        ({"number": "QH-2017-001"}, "number_taken"),
        ({"number": "X2", "amount": "-5"}, "not_positive"),
        ({"number": "X3", "amount": "a lot"}, "not_money"),
        ({"number": "X4", "buyer": " "}, "buyer_missing"),
        ({"number": "X5", "product": ""}, "product_missing"),
        ({"number": " "}, "number_missing"),
        ({"number": "X6", "purchased_on": datetime.date(2017, 12, 1)}, "date_in_future"),
        ({"number": "X7", "purchased_on": datetime.date(2010, 1, 1)}, "date_before_registration"),
    ]
    for changes, code in cases:
        with raises_domain(code):
            enter(office, street_enterprise, **changes)
    # A unit officer enters only for its own unit's enterprises.
    with pytest.raises(ActionNotAllowed):
        enter(street_officer, park_enterprise, number="X8")
    assert FirstPurchase.objects.count() == 1


def test_the_register_is_scoped_by_unit_on_the_api_and_the_pages(
    api, web, office, street_officer, park_officer, leader, expert, street_enterprise, park_enterprise, ip_staff
):
    mine = enter(office, street_enterprise, number="A-1")
    theirs = enter(office, park_enterprise, number="B-1")
    assert {p["id"] for p in api(office).get("/api/v1/first-purchases/").json()["results"]} == {mine.pk, theirs.pk}
    assert {p["id"] for p in api(leader).get("/api/v1/first-purchases/").json()["results"]} == {mine.pk, theirs.pk}
    street = api(street_officer)
    listed = street.get("/api/v1/first-purchases/").json()["results"]
    assert [(p["id"], p["org_unit"], p["amount"]) for p in listed] == [(mine.pk, "fuzimiao", "1200000.00")]
    assert street.get(f"/api/v1/first-purchases/{theirs.pk}/").status_code == 404
    for outsider in (ip_staff, expert):
        assert api(outsider).get("/api/v1/first-purchases/").json()["count"] == 0
        assert web(outsider).get("/services/first-purchases/").status_code == 404
    page = web(street_officer).get("/services/first-purchases/").content.decode()
    assert "A-1" in page and "B-1" not in page
    # Through the API, an enterprise of another unit reads as not existing.
    response = street.post(
        "/api/v1/first-purchases/",
        {
            "enterprise": park_enterprise.pk,
            "buyer": "区教育局",
            "product": "教学平台",
            "amount": "300000",
            "purchased_on": "2017-05-01",
            "contract_number": "C-1",
        },
        format="json",
    )
    assert response.status_code == 400 and "enterprise" in response.json()
    assert web(leader).get("/services/first-purchases/new/").status_code == 403


def test_the_api_refuses_a_contract_number_taken_with_a_400_naming_the_field(api, office, street_enterprise):
    enter(office, street_enterprise, number="A-1")
    body = {
        "enterprise": street_enterprise.pk,
        "buyer": "区教育局",
        "product": "教学平台",
        "amount": "300000",
        "purchased_on": "2017-05-01",
        "contract_number": "A-1",
    }
    response = api(office).post("/api/v1/first-purchases/", body, format="json")
    assert response.status_code == 400 and "contract_number" in response.json()
    assert FirstPurchase.objects.count() == 1


def test_an_enterprise_account_reads_no_register_and_no_fund_budgets(api, web, office, units, street_enterprise, fund):
    from qinhuai_talent.core.models import Role, User

    account = User.objects.create_user("e-fp", password="x-Long-pass-1", role=Role.ENTERPRISE)
    street_enterprise.account = account
    street_enterprise.save(update_fields=["account"])
    enter(office, street_enterprise, number="A-1")
    client = api(account)
    assert client.get("/api/v1/first-purchases/").json()["count"] == 0
    assert client.get("/api/v1/fund-budgets/").json()["count"] == 0
    assert web(account).get("/services/first-purchases/").status_code == 404
    assert web(account).get("/services/fund-budgets/").status_code == 404
    assert client.post("/api/v1/fund-budgets/", {"provider": fund[0].pk, "year": 2017, "amount": "1"}).status_code in (
        403,
        404,
    )
