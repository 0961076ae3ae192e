"""State-machine properties of the application pipeline: any sequence of actions by any roles on
applications (every transition of talents.workflows, expert assignment, scoring and conflict
declarations, the panel vote, objections during the public notice, the notice period ending)
matches a reference model of the workflow written here, independently of the app's policies:

* an action succeeds exactly when the model says it may, by whom it may; a refused action
  changes nothing and logs nothing;
* no application in a state outside the machine; a decided one (approved, rejected, withdrawn)
  never moves again;
* every state is the last logged transition's, the log is continuous and its hash chain verifies;
* a title exists exactly for each approved application, once;
* the score is the mean of the submitted reviews of experts without a conflict;
* an approval had its reviews, its defense vote and no open or upheld objection; support for
  the same venture is approved twice only when confirmed (就高不重复).

Fixed seed; PROPERTY_EXAMPLES / PROPERTY_STEPS / PROPERTY_SEED raise or vary the run.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from qinhuai_talent.core.audit import AUDIT_CHECKS
from qinhuai_talent.core.errors import ActionNotAllowed, DomainError
from qinhuai_talent.core.models import Role, User
from qinhuai_talent.core.workflow import transitions_of
from talents import services
from talents.models import (
    Application,
    ApplicationState,
    Objection,
    ObjectionState,
    Program,
    ReviewAssignment,
    Title,
)
from tests.talents.factories import ApplicationFactory, CallFactory, TalentFactory, unit

from . import machines

pytestmark = pytest.mark.django_db

EXAMPLES = machines.examples(20)
STEPS = machines.steps(30)
USERNAMES = ["office", "street", "street2", "park", "park2", "expert", "expert2", "finance", "leader"]
# The roles who usually take a step appear more often, so short runs reach the later states.
ACTORS = [*USERNAMES, "office", "office", "office", "street", "park"]
S = ApplicationState

# The reference model: action → (from states, to state, who may, needs a reason).
UNIT_SIDE, SELECTOR, OFFICE = "unit_side", "selector", "office"
OPEN = {S.DRAFT, S.SUBMITTED, S.RETURNED, S.EXPERT_REVIEW, S.DEFENSE, S.PUBLIC_NOTICE, S.RECOMMENDED}
FINAL = {S.APPROVED, S.REJECTED, S.WITHDRAWN}
MODEL = {
    "submit": ({S.DRAFT, S.RETURNED}, S.SUBMITTED, UNIT_SIDE, False),
    "return": ({S.SUBMITTED}, S.RETURNED, UNIT_SIDE, True),
    "accept": ({S.SUBMITTED}, S.EXPERT_REVIEW, UNIT_SIDE, False),
    "preliminary_reject": ({S.SUBMITTED}, S.REJECTED, UNIT_SIDE, True),
    "to_defense": ({S.EXPERT_REVIEW}, S.DEFENSE, SELECTOR, False),
    "select": ({S.EXPERT_REVIEW, S.DEFENSE}, S.PUBLIC_NOTICE, SELECTOR, False),
    "reject": ({S.EXPERT_REVIEW, S.DEFENSE}, S.REJECTED, SELECTOR, True),
    "recommend": ({S.EXPERT_REVIEW, S.DEFENSE}, S.RECOMMENDED, OFFICE, False),
    "approve": ({S.PUBLIC_NOTICE}, S.APPROVED, OFFICE, False),
    "reject_after_notice": ({S.PUBLIC_NOTICE}, S.REJECTED, OFFICE, True),
    "record_approved": ({S.RECOMMENDED}, S.APPROVED, OFFICE, False),
    "record_rejected": ({S.RECOMMENDED}, S.REJECTED, OFFICE, True),
    "withdraw": (OPEN, S.WITHDRAWN, UNIT_SIDE, True),
}
# The model's favourite steps are listed twice: a pipeline needs several forward steps in a row.
ACTIONS = [*MODEL, "submit", "accept", "select", "recommend", "to_defense", "approve", "record_approved"]

# Where the directed walks head for; a rejection can come at three points of the pipeline.
REJECTED_EARLY, REJECTED_AFTER_NOTICE = "rejected_at_preliminary_review", "rejected_after_notice"
WALK_TARGETS = [*S.values, S.APPROVED, REJECTED_EARLY, REJECTED_AFTER_NOTICE]

TALLY: Counter = Counter()


def _outcome(call, action: str) -> str:
    try:
        call()
    except ActionNotAllowed:
        result = "forbidden"
    except DomainError:
        result = "refused"
    else:
        result = "ok"
    TALLY[f"{action}:{result}"] += 1
    return result


@dataclass
class Review:
    submitted: bool = False
    conflict: bool = False
    total: Decimal | None = None


@dataclass
class Model:
    """What the reference model knows of one application."""

    pk: int
    unit_id: int
    talent_id: int
    host_selects: bool  # a district-level program, selected by the hosting unit
    has_defense: bool
    min_reviews: int
    state: str = S.DRAFT
    reviews: dict[str, Review] = field(default_factory=dict)
    votes: tuple[int, int] | None = None
    notice_over: bool = False
    objections: dict[int, str] = field(default_factory=dict)
    origin: str = ""
    transitions: int = 0

    def counted(self) -> list[Review]:
        return [r for r in self.reviews.values() if r.submitted and not r.conflict]


class ApplicationMachine(RuleBasedStateMachine):
    users: dict[str, User] = {}

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        district = CallFactory(required_documents=[], eligibility={}, min_reviews=2)
        municipal = CallFactory(
            program=Program.objects.get(code="municipal_high_level_entrepreneur"),
            required_documents=[],
            eligibility={},
            min_reviews=1,
        )
        founder = TalentFactory(org_unit=unit("fuzimiao"))
        # The same founder and venture apply to a district and a municipal program: 就高不重复.
        specs = [
            (district, founder, "秦淮云图科技有限公司"),
            (district, TalentFactory(org_unit=unit("gaoxin_park")), "高新智行科技有限公司"),
            (municipal, founder, "秦淮云图科技有限公司"),
            (municipal, TalentFactory(org_unit=unit("shuangtang")), "双塘电商有限公司"),
        ]
        self.apps: list[Model] = []
        for call, talent, venture in specs:
            app = ApplicationFactory(call=call, talent=talent, venture_name=venture)
            self.apps.append(
                Model(
                    pk=app.pk,
                    unit_id=app.org_unit_id,
                    talent_id=app.talent_id,
                    host_selects=call.program.selection_authority == "host_unit",
                    has_defense=call.program.has_defense,
                    min_reviews=call.min_reviews,
                )
            )
        self.same_venture = (0, 2)
        self.double_confirmed = False

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # ------------------------------------------------------------ the model's rules

    def _unit_side(self, user: User, m: Model) -> bool:
        return user.role == Role.OFFICE or (user.role in (Role.STREET, Role.PARK) and user.org_unit_id == m.unit_id)

    def _may(self, who: str, user: User, m: Model) -> bool:
        if who == UNIT_SIDE or (who == SELECTOR and m.host_selects):
            return self._unit_side(user, m)
        return user.role == Role.OFFICE

    def _defense_passed(self, m: Model) -> bool:
        if not m.has_defense:
            return True
        return m.state == S.DEFENSE and m.votes is not None and m.votes[0] > m.votes[1]

    def _data_allows(self, action: str, m: Model, origin: str, confirm: bool, with_reason: bool) -> bool:
        enough = len(m.counted()) >= m.min_reviews
        if action == "to_defense":
            return m.has_defense and enough
        if action == "select":
            return m.host_selects and enough and self._defense_passed(m)
        if action == "recommend":
            return not m.host_selects and enough and self._defense_passed(m)
        if action in ("approve", "record_approved"):
            if action == "approve":
                if not m.notice_over or set(m.objections.values()) & {ObjectionState.OPEN, ObjectionState.UPHELD}:
                    return False
            # 就高不重复 overridden only with a reason.
            if self._double_funded(m) and not (confirm and with_reason):
                return False
            return origin in ("introduced", "self_cultivated")
        return True

    def _double_funded(self, m: Model) -> bool:
        first, second = (self.apps[i] for i in self.same_venture)
        other = second if m is first else first if m is second else None
        return other is not None and other.state == S.APPROVED

    def _pick(self, index: int) -> Model:
        return self.apps[index % len(self.apps)]

    def _db_state(self, m: Model) -> str:
        return Application.objects.values_list("state", flat=True).get(pk=m.pk)

    # ------------------------------------------------------------ rules

    @rule(
        index=st.integers(0, 3),
        action=st.sampled_from(ACTIONS),
        who=st.sampled_from(ACTORS),
        with_reason=st.booleans(),
        origin=st.sampled_from(["introduced", "self_cultivated", "introduced", ""]),
        confirm=st.booleans(),
    )
    def transition(self, index, action, who, with_reason, origin, confirm):
        m, user = self._pick(index), self.users[who]
        sources, target, may, needs_reason = MODEL[action]
        reason = "材料需补充说明" if with_reason else ""
        logged = transitions_of(Application(pk=m.pk)).count()
        outcome = _outcome(
            lambda: services.application_transition(
                application_id=m.pk,
                action=action,
                actor=user,
                reason=reason,
                origin=origin,
                confirm_double_funding=confirm,
            ),
            action,
        )
        expected = (
            m.state in sources
            and self._may(may, user, m)
            and (with_reason or not needs_reason)
            and self._data_allows(action, m, origin, confirm, with_reason)
        )
        assert (outcome == "ok") == expected, (
            f"{who} {action} on application {m.pk} ({m.state}): {outcome}, the model expected {expected}"
        )
        if expected:
            if action in ("approve", "record_approved"):
                m.origin = origin
                if self._double_funded(m):
                    self.double_confirmed = True
            m.state = target
            m.transitions += 1
        else:
            assert transitions_of(Application(pk=m.pk)).count() == logged, "a refused action logged a transition"
        assert self._db_state(m) == m.state

    @rule(index=st.integers(0, 3), who=st.sampled_from(ACTORS), expert=st.sampled_from(["expert", "expert2", "street"]))
    def assign(self, index, who, expert):
        m, user, reviewer = self._pick(index), self.users[who], self.users[expert]
        outcome = _outcome(lambda: services.review_assign(application_id=m.pk, expert=reviewer, actor=user), "assign")
        may = user.role == Role.OFFICE or (m.host_selects and self._unit_side(user, m))
        # An expert who declared a conflict with the same applicant before is refused (review_conflicts).
        declared_before = any(
            o.talent_id == m.talent_id and expert in o.reviews and o.reviews[expert].conflict for o in self.apps
        )
        expected = (
            may
            and reviewer.role == Role.EXPERT
            and m.state == S.EXPERT_REVIEW
            and expert not in m.reviews
            and not declared_before
        )
        assert (outcome == "ok") == expected, f"{who} assigning {expert} to {m.pk} ({m.state}): {outcome}"
        if expected:
            m.reviews[expert] = Review()

    @rule(
        index=st.integers(0, 3),
        who=st.sampled_from(["expert", "expert2", "expert", "expert2", "office"]),
        expert=st.sampled_from(["expert", "expert2"]),
        innovation=st.sampled_from([0, 55, 80, 100, 150]),
        market=st.sampled_from([0, 70, 95, 100]),
    )
    def score(self, index, who, expert, innovation, market):
        m = self._pick(index)
        assignment = ReviewAssignment.objects.filter(application_id=m.pk, expert__username=expert).first()
        if assignment is None:
            return
        review = m.reviews[expert]
        outcome = _outcome(
            lambda: services.review_submit(
                assignment_id=assignment.pk,
                actor=self.users[who],
                scores={"innovation": innovation, "market": market},
            ),
            "score",
        )
        expected = (
            who == expert
            and m.state == S.EXPERT_REVIEW
            and not review.conflict
            and not review.submitted
            and innovation <= 100
        )
        assert (outcome == "ok") == expected, f"{who} scoring {m.pk} as {expert}: {outcome}"
        if expected:
            review.submitted = True
            review.total = (Decimal(innovation) * Decimal("0.6") + Decimal(market) * Decimal("0.4")).quantize(
                Decimal("0.01")
            )

    @rule(index=st.integers(0, 3), who=st.sampled_from(["expert", "expert2", "office"]))
    def declare_conflict(self, index, who):
        m = self._pick(index)
        assignment = ReviewAssignment.objects.filter(application_id=m.pk, expert__username=who).first()
        if assignment is None:
            return
        outcome = _outcome(
            lambda: services.review_declare_conflict(
                assignment_id=assignment.pk, actor=self.users[who], reason="与申报人系亲属"
            ),
            "conflict",
        )
        review = m.reviews[who]
        expected = m.state == S.EXPERT_REVIEW and not review.submitted
        assert (outcome == "ok") == expected
        if expected:
            review.conflict = True

    @rule(
        index=st.integers(0, 3),
        who=st.sampled_from(ACTORS),
        votes_for=st.sampled_from([0, 3, 5, 7]),
        votes_against=st.sampled_from([0, 2, 5]),
    )
    def vote(self, index, who, votes_for, votes_against):
        m, user = self._pick(index), self.users[who]
        outcome = _outcome(
            lambda: services.defense_record_vote(
                application_id=m.pk, actor=user, votes_for=votes_for, votes_against=votes_against
            ),
            "vote",
        )
        expected = self._may(SELECTOR, user, m) and m.state == S.DEFENSE and votes_for + votes_against > 0
        assert (outcome == "ok") == expected, f"{who} voting on {m.pk} ({m.state}): {outcome}"
        if expected:
            m.votes = (votes_for, votes_against)

    @rule(index=st.integers(0, 3), who=st.sampled_from(ACTORS))
    def raise_objection(self, index, who):
        m, user = self._pick(index), self.users[who]
        outcome = _outcome(
            lambda: services.objection_record(application_id=m.pk, actor=user, content="举报：申报材料不实"),
            "objection",
        )
        expected = user.role == Role.OFFICE and m.state == S.PUBLIC_NOTICE
        assert (outcome == "ok") == expected
        if expected:
            latest = Objection.objects.filter(application_id=m.pk).latest("pk")
            m.objections[latest.pk] = ObjectionState.OPEN

    @rule(index=st.integers(0, 3), who=st.sampled_from(["office", "office", "street", "leader"]), upheld=st.booleans())
    def resolve_objection(self, index, who, upheld):
        m, user = self._pick(index), self.users[who]
        if not m.objections:
            return
        pk = sorted(m.objections)[index % len(m.objections)]
        outcome = _outcome(
            lambda: services.objection_resolve(objection_id=pk, actor=user, upheld=upheld, resolution="经核查"),
            "resolve",
        )
        expected = user.role == Role.OFFICE and m.objections[pk] == ObjectionState.OPEN
        assert (outcome == "ok") == expected
        if expected:
            m.objections[pk] = ObjectionState.UPHELD if upheld else ObjectionState.DISMISSED

    @rule(index=st.integers(0, 3))
    def the_notice_period_ends(self, index):
        m = self._pick(index)
        if m.state == S.PUBLIC_NOTICE:
            today = timezone.localdate()
            Application.objects.filter(pk=m.pk).update(
                notice_starts_on=today - datetime.timedelta(days=16), notice_ends_on=today - datetime.timedelta(days=1)
            )
            m.notice_over = True

    @initialize(
        stages=st.permutations(WALK_TARGETS),
        choice=st.integers(0, 5),
    )
    def walk_towards(self, stages, choice):
        """Each example starts with its applications at various stages, every one reached by
        checked steps (a stage the program does not have leaves the application short of it)."""
        for index, stage in enumerate(stages[:4]):
            self.walk(index, stage, choice)

    def walk(self, index: int, target: str, choice: int, steps: int = 30) -> None:
        m = self._pick(index)
        officer = self._officer(m)
        actor = "office" if choice % 2 or not m.host_selects else officer
        go = {"with_reason": True, "origin": "introduced", "confirm": True}
        ends_in = S.REJECTED if target in (REJECTED_EARLY, REJECTED_AFTER_NOTICE) else target
        for _step in range(steps):
            before = (m.state, len(m.reviews), len(m.counted()), m.votes, m.notice_over, dict(m.objections))
            if m.state == ends_in or m.state in FINAL:
                return
            if target == S.WITHDRAWN:
                self.transition(index, "withdraw", officer, **go)
            elif m.state in (S.DRAFT, S.RETURNED):
                self.transition(index, "submit", officer, **go)
            elif m.state == S.SUBMITTED:
                early = {S.RETURNED: "return", REJECTED_EARLY: "preliminary_reject"}
                self.transition(index, early.get(target, "accept"), actor, **go)
            elif m.state == S.EXPERT_REVIEW and len(m.counted()) < m.min_reviews:
                unscored = [e for e, r in m.reviews.items() if not r.submitted and not r.conflict]
                unassigned = [e for e in ("expert", "expert2") if e not in m.reviews]
                if unscored and choice == 5 and not any(r.conflict for r in m.reviews.values()):
                    self.declare_conflict(index, unscored[0])
                elif unscored:
                    self.score(index, unscored[0], unscored[0], 50 + 10 * choice, 90)
                elif unassigned:
                    self.assign(index, "office", unassigned[0])
            elif m.state in (S.EXPERT_REVIEW, S.DEFENSE) and target == S.REJECTED:
                self.transition(index, "reject", actor, **go)
            elif m.state == S.EXPERT_REVIEW and m.has_defense:
                self.transition(index, "to_defense", actor, **go)
            elif m.state == S.DEFENSE and not self._defense_passed(m):
                self.vote(index, actor, 5, 2)
            elif m.state in (S.EXPERT_REVIEW, S.DEFENSE):
                self.transition(index, "select" if m.host_selects else "recommend", actor, **go)
            elif m.state == S.PUBLIC_NOTICE and not m.notice_over:
                # 高新园区's application always meets an objection; upheld on even choices, it can
                # then no longer be approved.
                if (index == 1 or choice == 1) and not m.objections:
                    self.raise_objection(index, "office")
                elif ObjectionState.OPEN in m.objections.values():
                    self.resolve_objection(index, "office", choice % 2 == 0)
                else:
                    self.the_notice_period_ends(index)
            elif m.state in (S.PUBLIC_NOTICE, S.RECOMMENDED):
                upward = ("record_approved", "record_rejected")
                yes, no = ("approve", "reject_after_notice") if m.host_selects else upward
                self.transition(index, yes if ends_in == S.APPROVED else no, "office", **go)
            if (m.state, len(m.reviews), len(m.counted()), m.votes, m.notice_over, dict(m.objections)) == before:
                return  # no way further towards the target (e.g. a double funding not confirmed)

    def _officer(self, m: Model) -> str:
        return next(n for n in ("street", "street2", "park", "park2") if self.users[n].org_unit_id == m.unit_id)

    @rule(index=st.integers(0, 3), stage=st.sampled_from(WALK_TARGETS), choice=st.integers(0, 5))
    def walk_on(self, index, stage, choice):
        """A few directed steps from wherever the application is."""
        self.walk(index, stage, choice, steps=3)

    @rule(
        index=st.integers(0, 3),
        who=st.sampled_from(["street", "street2", "park", "park2", "expert", "finance", "leader"]),
        choice=st.integers(0, 6),
    )
    def someone_else_tries(self, index, who, choice):
        """An action the application's state allows, taken by anyone but the office: only the
        hosting unit's own officer may take the unit's steps, and no one else any."""
        m = self._pick(index)
        possible = [action for action, (sources, *_rest) in MODEL.items() if m.state in sources]
        if possible:
            self.transition(index, possible[choice % len(possible)], who, True, "introduced", True)

    @rule(index=st.integers(0, 3), choice=st.integers(0, 19))
    def advance(self, index, choice):
        """A step a user would plausibly take next, by a plausible actor, checked like any other:
        random steps alone seldom walk a pipeline to its end."""
        m = self._pick(index)
        officer = self._officer(m)
        deciders = ["office"] * 3 + ([officer] * 3 if m.host_selects else [])
        actor = (deciders + [officer])[choice % (len(deciders) + 1)]
        unassigned = [e for e in ("expert", "expert2") if e not in m.reviews]
        unscored = [e for e, r in m.reviews.items() if not r.submitted and not r.conflict]
        go = {"with_reason": True, "origin": "self_cultivated", "confirm": choice % 2 == 0}
        if choice >= 18 and m.state in OPEN:
            self.transition(index, "withdraw", officer, **go)
        elif m.state in (S.DRAFT, S.RETURNED):
            self.transition(index, "submit", officer, **go)
        elif m.state == S.SUBMITTED:
            step = ["accept", "accept", "accept", "return", "preliminary_reject"][choice % 5]
            self.transition(index, step, actor, **go)
        elif m.state == S.EXPERT_REVIEW and len(m.counted()) < m.min_reviews:
            if unscored and (choice % 3 or not unassigned):
                self.score(index, unscored[0], unscored[0], 60 + choice * 3, 80)
            elif unassigned:
                self.assign(index, actor, unassigned[0])
        elif m.state == S.EXPERT_REVIEW:
            nxt = "to_defense" if m.has_defense else ("select" if m.host_selects else "recommend")
            self.transition(index, nxt if choice % 6 else "reject", actor, **go)
        elif m.state == S.DEFENSE:
            if m.votes is None or choice % 4 == 0:
                self.vote(index, actor, 5 if choice % 5 else 2, 2 if choice % 5 else 5)
            else:
                self.transition(index, "select" if m.host_selects else "recommend", actor, **go)
        elif m.state == S.PUBLIC_NOTICE:
            if not m.notice_over and choice % 3:
                self.the_notice_period_ends(index)
            elif choice % 5 == 0:
                self.raise_objection(index, "office")
            elif ObjectionState.OPEN in m.objections.values():
                self.resolve_objection(index, "office", choice % 4 == 0)
            else:
                self.transition(index, "approve" if choice % 7 else "reject_after_notice", "office", **go)
        elif m.state == S.RECOMMENDED:
            self.transition(index, "record_approved" if choice % 4 else "record_rejected", "office", **go)

    # ------------------------------------------------------------ invariants

    @invariant()
    def states_are_the_models_and_inside_the_machine(self):
        states = set(Application.objects.values_list("state", flat=True))
        assert states <= set(S.values), states - set(S.values)
        for m in self.apps:
            assert self._db_state(m) == m.state, f"application {m.pk} is {self._db_state(m)}, the model {m.state}"

    @invariant()
    def the_log_tells_the_same_story(self):
        for m in self.apps:
            log = list(transitions_of(Application(pk=m.pk)))
            assert len(log) == m.transitions, f"application {m.pk}: {len(log)} transitions, the model {m.transitions}"
            previous = S.DRAFT
            for entry in log:
                assert entry.from_state == previous, f"application {m.pk}'s log jumps {previous} → {entry.from_state}"
                previous = entry.to_state
            assert previous == m.state
        assert [problem for check in AUDIT_CHECKS for problem in check()] == []

    @invariant()
    def a_title_for_each_approval_and_only_then(self):
        for m in self.apps:
            titles = list(Title.objects.filter(application_id=m.pk))
            if m.state == S.APPROVED:
                assert len(titles) == 1 and titles[0].origin == m.origin, f"application {m.pk}: {titles}"
            else:
                assert titles == [], f"application {m.pk} ({m.state}) has a title"

    @invariant()
    def the_score_is_the_mean_of_the_counted_reviews(self):
        for m in self.apps:
            score = Application.objects.values_list("score", flat=True).get(pk=m.pk)
            counted = [r.total for r in m.counted()]
            expected = (sum(counted) / len(counted)).quantize(Decimal("0.01")) if counted else None
            assert score == expected, f"application {m.pk} scores {score}, the model {expected}"

    @invariant()
    def an_approval_was_earned(self):
        for m in self.apps:
            if m.state != S.APPROVED:
                continue
            app = Application.objects.get(pk=m.pk)
            done = app.assignments.filter(submitted_at__isnull=False, conflict_declared=False).count()
            assert done >= m.min_reviews
            assert not app.objections.filter(state__in=(ObjectionState.OPEN, ObjectionState.UPHELD)).exists()
            if m.has_defense:
                assert app.defense_votes_for > (app.defense_votes_against or 0)
        first, second = (self.apps[i] for i in self.same_venture)
        if first.state == second.state == S.APPROVED:
            assert self.double_confirmed, "the same venture was funded twice without confirmation"


@pytest.fixture
def application_world(units):
    ApplicationMachine.users = {u.username: u for u in User.objects.filter(username__in=USERNAMES)}
    return ApplicationMachine


def test_any_sequence_of_pipeline_actions_follows_the_workflow(application_world):
    machines.run(application_world, max_examples=EXAMPLES, step_count=STEPS)
    print("application property tally:", dict(sorted(TALLY.items())))
    # The run reached the far ends of the pipeline, not only refusals.
    for needed in (
        "reject:ok",
        "record_rejected:ok",
        "reject_after_notice:ok",
        "submit:ok",
        "return:ok",
        "accept:ok",
        "score:ok",
        "vote:ok",
        "select:ok",
        "recommend:ok",
        "approve:ok",
        "record_approved:ok",
        "withdraw:ok",
        "conflict:ok",
        "objection:ok",
        "resolve:ok",
    ):
        assert TALLY[needed] > 0, f"no {needed} in {EXAMPLES} examples"
