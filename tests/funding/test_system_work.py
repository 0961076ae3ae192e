"""Issue 14, items 4, 5 and 10: system work is done by the system actor, not in a person's name;
a flag clears only when its condition is gone; an agreement in force ends only through an exit case.
"""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import translation

from enterprises import services as enterprise_services
from enterprises.models import EnterpriseStatus
from funding import services
from funding.engine import recompute_exit_flags
from funding.models import AgreementState, ExitFlag, ExitRule, FlagState, TrancheState
from funding.workflows import AGREEMENT_WORKFLOW
from qinhuai_talent.core.audit import history_rows
from qinhuai_talent.core.errors import ActionNotAllowed
from qinhuai_talent.core.jobs import JobContext
from qinhuai_talent.core.models import Job, Role, TransitionLog
from qinhuai_talent.core.system import is_system, system_actor
from qinhuai_talent.core.tasks import run_scheduled_job
from qinhuai_talent.core.workflow import transitions_of
from tests.domain import raises_domain
from tests.enterprises.factories import EnterpriseFactory, ReportFactory

from .factories import agreement as make_agreement

pytestmark = pytest.mark.django_db


def _ctx(**params):
    job = Job.objects.create(kind="test", params=params)
    return JobContext(job_id=job.pk, params=params)


def test_the_system_actor_is_not_a_login_and_reads_as_system_in_each_language(units, client, api):
    user = system_actor()
    assert system_actor().pk == user.pk  # one system actor
    assert user.role == Role.SYSTEM and not user.is_active and not user.has_usable_password()
    for password in ("", "qinhuai2017"):
        client.post("/accounts/login/", {"username": user.username, "password": password})
        assert "_auth_user_id" not in client.session
    response = api().post("/api/v1/auth/token/", {"username": user.username, "password": ""}, format="json")
    assert response.status_code in (400, 401)
    with translation.override("zh-hans"):
        assert (str(user), user.get_full_name()) == ("系统", "系统")
    with translation.override("en"):
        assert (str(user), user.get_full_name()) == ("System", "System")


def test_a_scheduled_job_is_started_by_the_system_actor_not_the_first_office_account(office, eager_jobs):
    with eager_jobs():
        run_scheduled_job("recompute_payouts")
    job = Job.objects.get(kind="recompute_payouts")
    assert is_system(job.requested_by) and job.state == "succeeded"


def test_recomputed_transitions_are_logged_under_the_system_actor(park_officer):
    agreement = make_agreement(park_officer)
    enterprise = agreement.enterprise
    enterprise.status, enterprise.status_changed_on = EnterpriseStatus.DEREGISTERED, enterprise.registered_on
    enterprise.save()
    counts = recompute_exit_flags(_ctx(as_of="2018-01-15"))
    assert counts["held"] > 0
    flag = ExitFlag.objects.get(agreement=agreement, rule=ExitRule.MOVED_OUT)
    held = agreement.tranches.filter(state=TrancheState.HELD)
    assert held.exists()
    for tranche in held:
        log = transitions_of(tranche).last()
        assert (log.action, log.to_state, is_system(log.actor)) == ("hold", "held", True)
    assert flag.state == FlagState.OPEN


def test_recomputed_enterprise_figures_are_the_system_actors_in_the_history(park_officer):
    """The issue: after an import and a status edit the history showed "park changed 累计主营业务收入"."""
    park_enterprise = EnterpriseFactory(org_unit=park_officer.org_unit)
    ReportFactory(enterprise=park_enterprise, year=2017, quarter=1, main_revenue=Decimal(3_300_000))
    enterprise_services.figures_recompute()
    enterprise_services.enterprise_save(
        actor=park_officer, enterprise=park_enterprise, status=EnterpriseStatus.MOVED_OUT
    )
    with translation.override("zh-hans"):
        rows = history_rows(park_enterprise)
    by_park = [row for row in rows if row.user == park_officer]
    by_system = [row for row in rows if is_system(row.user)]
    assert by_park and by_system
    assert not any("主营业务收入" in line for row in by_park for line in row.changes), by_park
    (by_system,) = by_system
    assert any("3300000" in line for line in by_system.changes), by_system.changes
    assert by_system.reason.startswith("根据")  # the system's reason, in the reader's language


@pytest.fixture
def demo(db, django_capture_on_commit_callbacks):
    with open("/dev/null", "w") as devnull, django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=devnull)


def test_after_seed_demo_a_recompute_keeps_the_flag_whose_condition_still_holds(demo):
    """Item 10: the enterprise gone from the district (moved out or deregistered) whose agreement
    an exit case terminated keeps its flags;
    a flag that does clear says why in the reader's language, and the system cleared it."""
    kept = ExitFlag.objects.filter(
        state=FlagState.OPEN,
        agreement__state=AgreementState.TERMINATED,
        agreement__enterprise__status__in=(EnterpriseStatus.DEREGISTERED, EnterpriseStatus.MOVED_OUT),
    )
    before = set(kept.values_list("pk", flat=True))
    assert before
    recompute_exit_flags(_ctx())
    assert set(kept.values_list("pk", flat=True)) == before
    # A flag whose condition is gone clears, under the system actor, with no English text stored.
    flag = ExitFlag.objects.filter(state=FlagState.OPEN, rule=ExitRule.MOVED_OUT).first()
    enterprise = flag.agreement.enterprise
    enterprise.status = EnterpriseStatus.ACTIVE
    enterprise.save()
    recompute_exit_flags(_ctx())
    flag.refresh_from_db()
    assert flag.state == FlagState.CLEARED and flag.reason == "" and is_system(flag.closed_by)
    log = transitions_of(flag).last()
    assert (log.action, is_system(log.actor)) == ("clear", True)
    with translation.override("zh-hans"):
        zh = flag.closing_reason
    with translation.override("en"):
        en = flag.closing_reason
    assert en == "The condition no longer holds" and zh != en


def test_an_agreement_in_force_ends_only_through_an_exit_case(office, park_officer, web):
    """Item 4: the table, the service and the page agree."""
    agreement = make_agreement(park_officer)
    assert "terminate" not in {t.action for t in AGREEMENT_WORKFLOW.available(agreement, office)}
    with raises_domain("invalid_state") as exc:
        services.agreement_transition(actor=office, agreement_id=agreement.pk, action="terminate", reason="x")
    assert exc.value.code == "invalid_state"
    with pytest.raises(ActionNotAllowed):  # the exit transition is only an exit case's effect
        services.agreement_transition(actor=office, agreement_id=agreement.pk, action="exit", reason="x")
    page = web(office).get(f"/funding/agreements/{agreement.pk}/").content.decode()
    assert f"/funding/agreements/{agreement.pk}/terminate/" not in page
    response = web(office).post(f"/funding/agreements/{agreement.pk}/terminate/", {"reason": "x"})
    agreement.refresh_from_db()
    assert agreement.state == AgreementState.ACTIVE and response.status_code in (302, 400, 404)
    case = services.exit_case_open(actor=office, agreement_id=agreement.pk)
    services.exit_case_exit(actor=office, case_id=case.pk, reason="企业注销", recovery_due=0)
    agreement.refresh_from_db()
    assert agreement.state == AgreementState.TERMINATED
    assert transitions_of(agreement).last().action == "exit"
    assert not agreement.tranches.filter(state__in=services.UNPAID_TRANCHE_STATES).exists()
    cancelled = TransitionLog.objects.filter(action="cancel", actor=office, to_state=TrancheState.CANCELLED)
    assert cancelled.count() == agreement.tranches.filter(state=TrancheState.CANCELLED).count() > 0
