"""就高不重复 by identity (issue 14, item 8): a person is funded once for the same venture across
programs. Found by the person's ID number and their enterprises' credit codes across titles,
applications and agreements, never by the venture's name; the higher award stands and the refusal
says which; overriding takes the district talent office and a reason."""

from datetime import date
from decimal import Decimal

import pytest

from enterprises.models import Founder
from funding import services as funding
from funding.models import PlanTemplate
from qinhuai_talent.core.errors import DomainError
from qinhuai_talent.core.workflow import transitions_of
from talents import services, support
from talents.models import Application, Program, Title
from tests.domain import raises_domain
from tests.funding import factories as ff

from .factories import ApplicationFactory, CallFactory, TalentFactory

pytestmark = pytest.mark.django_db


def _recommended(advance, talent, venture="全新项目有限公司") -> Application:
    call = CallFactory(
        program=Program.objects.get(code="municipal_high_level_entrepreneur"), required_documents=[], eligibility={}
    )
    return advance(ApplicationFactory(call=call, talent=talent, venture_name=venture), "recommended")


def _refused(code: str, **kw) -> DomainError:
    with raises_domain(code) as caught:
        services.application_transition(**kw)
    return caught.value


def test_a_title_without_an_application_counts_and_the_higher_award_stands(units, advance, office):
    """A national title held (no application in the portal) and a municipal application under
    another venture name: the same person, found by identity; the national title stands."""
    talent = TalentFactory()
    Title.objects.create(
        talent=talent,
        program=Program.objects.get(code="national_thousand_talents"),
        year=2015,
        origin="introduced",
        org_unit=talent.org_unit,
    )
    app = _recommended(advance, talent, venture="名字完全不同的公司")
    finding = support.find(support.for_application(app))
    assert [a.kind for a in finding.others] == ["title"]
    assert finding.stands.program_id == Program.objects.get(code="national_thousand_talents").pk
    refusal = _refused(
        "double_funding", application_id=app.pk, action="record_approved", actor=office, origin="introduced"
    )
    assert refusal.code == "double_funding"
    assert Application.objects.get(pk=app.pk).state == "recommended"


def test_the_same_venture_name_of_another_person_is_not_double_funding(units, advance, office):
    first = ApplicationFactory(call=CallFactory(required_documents=[]), venture_name="秦淮云科技")
    advance(first, "approved")
    other = _recommended(advance, TalentFactory(), venture="秦淮云科技")
    assert support.find(support.for_application(other)) is None
    approved = services.application_transition(
        application_id=other.pk, action="record_approved", actor=office, origin="introduced"
    )
    assert approved.state == "approved"


def test_a_lower_earlier_award_leaves_this_one_standing(units, advance, office):
    first = advance(ApplicationFactory(call=CallFactory(required_documents=[])), "approved")
    app = _recommended(advance, first.talent)
    finding = support.find(support.for_application(app))
    assert finding.stands is None  # municipal above district: this award is the higher one
    assert [a.kind for a in finding.others] == ["title"]  # the district approval and its title are one award


def test_overriding_takes_the_office_and_a_reason_which_the_log_keeps(units, advance, office):
    first = advance(ApplicationFactory(call=CallFactory(required_documents=[])), "approved")
    app = _recommended(advance, first.talent)
    missing = _refused(
        "override_reason_missing",
        application_id=app.pk,
        action="record_approved",
        actor=office,
        origin="introduced",
        confirm_double_funding=True,
    )
    assert missing.code == "override_reason_missing"
    services.application_transition(
        application_id=app.pk,
        action="record_approved",
        actor=office,
        origin="introduced",
        confirm_double_funding=True,
        reason="市级资助与区级资助分属不同项目阶段，经区委人才工作领导小组研究同意",
    )
    assert list(transitions_of(app))[-1].reason.startswith("市级资助")


def _agreement_for(talent, enterprise, actor, program_code="district_high_level_entrepreneur", **kw):
    application = Application.objects.filter(talent=talent, state="approved").first() or ff.approved_application(
        talent, talent.org_unit
    )
    if program_code != "district_high_level_entrepreneur" and application.call.program.code != program_code:
        call = CallFactory(program=Program.objects.get(code=program_code), year=2016)
        Application.objects.filter(pk=application.pk).update(call=call)
        application.refresh_from_db()
    return funding.agreement_create(
        actor=actor,
        application=application,
        enterprise=enterprise,
        budget=ff.budget(talent.org_unit),
        startup_grant=Decimal("500000.00"),
        starts_on=date(2017, 1, 1),
        ends_on=date(2020, 1, 1),
        template=PlanTemplate.objects.get(code="startup_30_40_30"),
        **kw,
    )


def test_an_agreement_is_refused_where_the_enterprise_is_already_funded_by_its_credit_code(units, office, park_officer):
    """Two founders of one enterprise: the second one's agreement meets the first one's by the
    enterprise's credit code; the park officer cannot override, the office can with a reason."""
    enterprise = ff.EnterpriseFactory()
    first, second = ff.TalentFactory(), ff.TalentFactory()
    for talent in (first, second):
        Founder.objects.create(enterprise=enterprise, talent=talent, equity_share=Decimal("40"))
    _agreement_for(first, enterprise, office, program_code="municipal_high_level_entrepreneur")
    with raises_domain("double_funding") as caught:
        _agreement_for(second, enterprise, park_officer)
    assert caught.value.code == "double_funding"
    with raises_domain("permission_denied") as caught:
        _agreement_for(second, enterprise, park_officer, confirm_double_funding=True, reason="x")
    assert caught.value.code == "permission_denied"
    with raises_domain("override_reason_missing") as caught:
        _agreement_for(second, enterprise, office, confirm_double_funding=True)
    assert caught.value.code == "override_reason_missing"
    signed = _agreement_for(second, enterprise, office, confirm_double_funding=True, reason="区级配套")
    assert signed.pk


def test_an_application_is_refused_where_the_person_already_has_an_agreement(units, advance, office):
    enterprise = ff.EnterpriseFactory()
    talent = TalentFactory(org_unit=ff.unit("gaoxin_park"))
    Founder.objects.create(enterprise=enterprise, talent=talent, equity_share=Decimal("60"))
    _agreement_for(talent, enterprise, office)
    Title.objects.filter(talent=talent).delete()  # only the agreement is left to find
    app = _recommended(advance, talent)
    kinds = {a.kind for a in support.find(support.for_application(app)).others}
    assert "agreement" in kinds
    refusal = _refused(
        "double_funding", application_id=app.pk, action="record_approved", actor=office, origin="introduced"
    )
    assert refusal.code == "double_funding"
