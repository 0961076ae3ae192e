"""Self-service accounts (issue 16, item 1): a talent and an enterprise see their own records and
nothing else. The back office's routes are covered by the generated access matrix (both roles are
in tests/reliability/test_access_matrix.py); here, the pages made for them."""

import pytest
from django.db import IntegrityError

from qinhuai_talent.core.models import OrgUnit, Role, User
from tests.funding.factories import agreement
from tests.talents.factories import ApplicationFactory, CallFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def talent_account(units):
    return User.objects.create_user("t1", password="x-Long-pass-1", role=Role.TALENT)


@pytest.fixture
def enterprise_account(units):
    return User.objects.create_user("e1", password="x-Long-pass-1", role=Role.ENTERPRISE)


def test_a_talent_sees_their_own_applications_in_words_that_do_not_reveal_the_review(talent_account, web):
    call = CallFactory()
    mine = ApplicationFactory(call=call, venture_name="我的项目")
    other = ApplicationFactory(call=call, venture_name="别人的项目")
    mine.talent.account = talent_account
    mine.talent.save()
    type(mine).objects.filter(pk=mine.pk).update(state="expert_review", score=88)
    html = web(talent_account).get("/talents/mine/").content.decode()
    # The page's own words only: a CSRF token is random letters and digits and may hold "88".
    page = html.split('<main id="main">', 1)[1].split("</main>", 1)[0]
    assert "我的项目" in page and "别人的项目" not in page
    assert "专家评审" in page and "88" not in page
    # The back office's page of the same application (reviews, notes) is not theirs.
    assert web(talent_account).get(f"/talents/applications/{mine.pk}/").status_code == 404
    assert web(talent_account).get(f"/talents/applications/{other.pk}/").status_code == 404


def test_an_enterprise_sees_its_own_enterprise_and_agreements_only(enterprise_account, office, web, api):
    own = agreement(office)
    others = agreement(office)
    own.enterprise.account = enterprise_account
    own.enterprise.save()
    client = web(enterprise_account)
    page = client.get("/enterprises/mine/").content.decode()
    assert own.enterprise.credit_code in page and others.enterprise.credit_code not in page
    agreements = client.get("/funding/mine/").content.decode()
    assert own.number in agreements and others.number not in agreements
    me = api(enterprise_account).get("/api/v1/me/").json()
    assert me["role"] == "enterprise" and me["enterprise"] == own.enterprise_id and me["org_unit"] is None
    assert client.get(f"/enterprises/{own.enterprise_id}/").status_code == 404


@pytest.mark.parametrize("path", ["/talents/mine/", "/enterprises/mine/", "/funding/mine/"])
def test_the_self_service_pages_are_not_there_for_the_back_office(path, street_officer, office, web):
    for user in (street_officer, office):
        assert web(user).get(path).status_code == 404


def test_a_self_service_account_belongs_to_no_unit(units):
    with pytest.raises(IntegrityError):
        User.objects.create_user("t2", password="x", role=Role.TALENT, org_unit=OrgUnit.objects.get(code="fuzimiao"))
