"""Issue 14 item 13: one live agreement per application, held by the database and checked under
the application's row lock; agreement numbers allocated without collisions. The concurrent
requests run on PostgreSQL (SQLite serialises every write and cannot show a race)."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client

from enterprises.models import Founder
from funding import services
from funding.models import Agreement, AgreementState, PlanTemplate
from tests.domain import raises_domain

from .factories import EnterpriseFactory, TalentFactory, approved_application, budget, unit


def _approved(unit_code="gaoxin_park"):
    org_unit = unit(unit_code)
    talent = TalentFactory(org_unit=org_unit)
    enterprise = EnterpriseFactory(org_unit=org_unit)
    Founder.objects.create(enterprise=enterprise, talent=talent, equity_share=Decimal("60"))
    return approved_application(talent, org_unit), enterprise


def _draft(actor, application, enterprise, number=""):
    return services.agreement_create(
        actor=actor,
        application=application,
        enterprise=enterprise,
        budget=budget(application.org_unit),
        startup_grant="300000.00",
        starts_on=date(2017, 3, 1),
        ends_on=date(2020, 3, 1),
        template=PlanTemplate.objects.get(code="startup_30_40_30"),
        number=number,
    )


@pytest.mark.django_db
def test_a_second_live_agreement_for_one_application_is_refused_and_a_terminated_one_is_replaced(office):
    application, enterprise = _approved()
    first = _draft(office, application, enterprise)
    with raises_domain("duplicate") as refused:
        _draft(office, application, enterprise)
    assert (refused.value.code, refused.value.field) == ("duplicate", "application")
    services.agreement_transition(actor=office, agreement_id=first.pk, action="terminate", reason="改签")
    second = _draft(office, application, enterprise)
    assert second.number != first.number
    assert list(Agreement.objects.filter(application=application).values_list("state", flat=True).order_by("pk")) == [
        AgreementState.TERMINATED,
        AgreementState.DRAFT,
    ]


@pytest.mark.django_db
def test_the_database_refuses_a_second_live_agreement_written_past_the_service(office):
    application, enterprise = _approved()
    first = _draft(office, application, enterprise)
    for state in (AgreementState.DRAFT, AgreementState.ACTIVE, AgreementState.SUSPENDED, AgreementState.COMPLETED):
        with pytest.raises(IntegrityError), transaction.atomic():
            Agreement.objects.create(
                **{
                    f.attname: getattr(first, f.attname)
                    for f in Agreement._meta.concrete_fields
                    if f.attname not in ("id", "number", "state")
                },
                number=f"X-{state}",
                state=state,
            )


@pytest.mark.django_db
def test_numbers_skip_those_given_by_hand_instead_of_counting_the_agreements(office):
    """With QH-2017-0001 and QH-2017-0003 taken, counting gave QH-2017-0003 again (a 500)."""
    a1, e1 = _approved()
    a2, e2 = _approved()
    a3, e3 = _approved()
    a4, e4 = _approved()
    _draft(office, a1, e1, number="QH-2017-0001")
    _draft(office, a2, e2, number="QH-2017-0003")
    assert _draft(office, a3, e3).number == "QH-2017-0002"
    assert _draft(office, a4, e4).number == "QH-2017-0004"
    a5, e5 = _approved()
    with raises_domain("number_taken") as taken:
        _draft(office, a5, e5, number="QH-2017-0004")
    assert taken.value.field == "number"


def _race(n: int, work) -> tuple[list, list]:
    barrier = threading.Barrier(n)
    results, errors = [], []

    def run(i):
        try:
            barrier.wait()
            results.append(work(i))
        except Exception as exc:  # collected and asserted by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results, errors


def _post_draft(office, application, enterprise) -> tuple[int, str]:
    client = Client()
    client.force_login(office)
    response = client.post(
        "/funding/agreements/new/",
        {
            "application": application.pk,
            "enterprise": enterprise.pk,
            "budget": budget(application.org_unit).pk,
            "template": PlanTemplate.objects.get(code="startup_30_40_30").pk,
            "startup_grant": "300000.00",
            "rent_subsidy": "0",
            "equity_investment": "0",
            "city_share": "0",
            "starts_on": "2017-03-01",
            "ends_on": "2020-03-01",
        },
    )
    return response.status_code, response.content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_offices_drafting_for_one_application_at_once_make_one_agreement(transactional_db, office):
    application, enterprise = _approved()
    results, errors = _race(8, lambda _i: _post_draft(office, application, enterprise))
    assert errors == []
    statuses = sorted(status for status, _body in results)
    assert statuses == [200] * 7 + [302], statuses  # one drafted (redirect), seven shown the form again
    assert all("该申报已签订扶持协议" in body for status, body in results if status == 200)
    assert Agreement.objects.filter(application=application).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_agreements_drafted_at_once_in_one_year_get_eight_numbers(transactional_db, office):
    pairs = [_approved() for _ in range(8)]
    results, errors = _race(8, lambda i: _post_draft(office, *pairs[i]))
    assert errors == []
    assert [status for status, _body in results] == [302] * 8
    numbers = sorted(Agreement.objects.values_list("number", flat=True))
    assert numbers == [f"QH-2017-{n:04d}" for n in range(1, 9)]
