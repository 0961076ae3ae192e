"""State-machine properties of the unit assessment: any sequence of recomputes, activities, manual
figures, targets, indicator and grade edits, confirmations, objections, answers, publications
and edit attempts through the API, by any role, keeps the assessment right:

* a published assessment never changes: its totals, grade, rank, comment and every indicator's
  score stay exactly what they were when it was published, whatever data change afterwards;
* an action succeeds exactly when a reference model written here says it may, by whom it may;
* no assessment in a state outside the machine; every state is the last logged transition's,
  and the chain verifies;
* a confirmed assessment goes back to the unit for confirmation exactly when its figures change;
* the total is the sum of its indicator scores, zero when the veto item is hit.

Fixed seed; PROPERTY_EXAMPLES / PROPERTY_STEPS / PROPERTY_SEED raise or vary the run.
"""

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from rest_framework.test import APIClient

from assessment import services
from assessment.models import (
    Assessment,
    AssessmentScheme,
    AssessmentState,
    IndicatorScore,
    SchemeState,
    TargetMode,
)
from qinhuai_talent.core.audit import AUDIT_CHECKS
from qinhuai_talent.core.errors import ActionNotAllowed, DomainError
from qinhuai_talent.core.models import OrgUnit, Role, User
from qinhuai_talent.core.workflow import transitions_of
from tests.assessment.factories import IndicatorFactory, street_scheme

from . import machines

pytestmark = pytest.mark.django_db

EXAMPLES = machines.examples(16)
STEPS = machines.steps(25)
USERNAMES = ["office", "street", "street2", "park", "expert", "finance", "leader"]
ACTORS = [*USERNAMES, "office", "office", "street", "street2"]
UNITS = ["fuzimiao", "shuangtang", "zhonghuamen"]  # 夫子庙 and 双塘 have officers; 中华门 has none here
A = AssessmentState

# The reference model: action → (from states, to state, who may, needs a reason).
OWN_OFFICER, OFFICE = "own_officer", "office"
MODEL = {
    "confirm": ({A.COMPUTED}, A.CONFIRMED, OWN_OFFICER, False),
    "object": ({A.COMPUTED}, A.OBJECTED, OWN_OFFICER, True),
    "reopen": ({A.OBJECTED}, A.COMPUTED, OFFICE, True),
    "publish": ({A.CONFIRMED}, A.PUBLISHED, OFFICE, False),
    "publish_unconfirmed": ({A.COMPUTED}, A.PUBLISHED, OFFICE, True),
}
# What "the figures" of an assessment are: a confirmed one changing them goes back to the unit.
FIGURES = [
    "total",
    "vetoed",
    "grade_band",
    "grade_band_en",
    "grade_code",
    "rank",
    "previous_total",
    "hard_total",
    "soft_total",
    "bonus_total",
]
SCORE_FIGURES = ["actual", "target", "score", "evidence", "manual", "entered_by_id", "explanation", "record_count"]
# Everything a published assessment shows: nothing of it may change.
PUBLISHED = [*FIGURES, "state", "unit_comment", "confirmed_by_id", "published_at", "computed_at"]

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


def _figures(assessment_ids) -> dict[int, tuple]:
    scores: dict[int, list] = {pk: [] for pk in assessment_ids}
    for row in IndicatorScore.objects.filter(assessment_id__in=assessment_ids).order_by("indicator_id").values():
        scores[row["assessment_id"]].append((row["indicator_id"], *(row[f] for f in SCORE_FIGURES)))
    return {
        a["id"]: (tuple(a[f] for f in FIGURES), tuple(scores[a["id"]]))
        for a in Assessment.objects.filter(pk__in=assessment_ids).values("id", *FIGURES)
    }


def _published_view(assessment_ids) -> dict[int, tuple]:
    figures = _figures(assessment_ids)
    return {
        a["id"]: (tuple(a[f] for f in PUBLISHED), figures[a["id"]])
        for a in Assessment.objects.filter(pk__in=assessment_ids).values("id", *PUBLISHED)
    }


class AssessmentMachine(RuleBasedStateMachine):
    users: dict[str, User] = {}
    units: dict[str, OrgUnit] = {}

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.scheme = street_scheme(year=2017)
        # A bonus item and a veto item (一票否决), both entered by hand with evidence.
        self.awards = IndicatorFactory(
            scheme=self.scheme, key="awards", source="", weight=Decimal("10"), mode=TargetMode.BONUS,
            points_per_unit=Decimal("2"), max_value=Decimal("20"), order=3,
        )  # fmt: skip
        self.veto = IndicatorFactory(
            scheme=self.scheme, key="incident", source="", weight=Decimal("0"), is_veto=True,
            max_value=Decimal("1"), order=4,
        )  # fmt: skip
        self.indicators = {i.key: i for i in self.scheme.indicators.all()}
        office = self.users["office"]
        for code in UNITS:
            for key in ("activities", "participants"):
                services.target_set(
                    indicator=self.indicators[key], org_unit=self.units[code], value=Decimal("3"), actor=office
                )
        services.assessments_recompute(year=2017)
        self.ids = {
            code: Assessment.objects.get(org_unit=self.units[code], year=2017).pk for code in UNITS
        }  # fmt: skip
        self.state = {pk: A.COMPUTED for pk in self.ids.values()}
        self.logged = {pk: 1 for pk in self.ids.values()}
        self.frozen: dict[int, tuple] = {}
        self.scheme_closed = False
        self.activity_day = 0

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # ------------------------------------------------------------ the model's rules

    def _officer_of(self, user: User, code: str) -> bool:
        return user.role in (Role.STREET, Role.PARK) and user.org_unit_id == self.units[code].pk

    def _may_enter(self, user: User, code: str) -> bool:
        return user.role == Role.OFFICE or self._officer_of(user, code)

    def _published(self, code: str) -> bool:
        return self.state[self.ids[code]] == A.PUBLISHED

    def _step(self, call, action: str, acted_on: tuple[int, ...] = ()) -> str:
        """Run one action and check what it did to every assessment it did not act on: a published
        one is untouched; a confirmed one returns to computed exactly when its figures changed;
        the others keep their state."""
        ids = list(self.state)
        before, states = _figures(ids), dict(self.state)
        outcome = _outcome(call, action)
        after = _figures(ids)
        db = dict(Assessment.objects.filter(pk__in=ids).values_list("pk", "state"))
        for pk in ids:
            if pk in acted_on:
                continue
            changed = before[pk] != after[pk]
            if states[pk] == A.PUBLISHED:
                assert not changed, f"{action} changed published assessment {pk}"
            if states[pk] == A.CONFIRMED and changed:
                assert db[pk] == A.COMPUTED, f"{action} changed confirmed assessment {pk}'s figures, state {db[pk]}"
                self.state[pk] = A.COMPUTED
                self.logged[pk] += 1
            assert db[pk] == self.state[pk], f"after {action}, assessment {pk} is {db[pk]}, the model {self.state[pk]}"
        return outcome

    def _label(self, action: str, unit: str) -> str:
        """Edits of a published unit are tallied apart: the run must show them refused."""
        return f"{action}_after_publication" if self._published(unit) else action

    # ------------------------------------------------------------ rules: the world changes

    @rule()
    def recompute(self):
        self._step(lambda: services.assessments_recompute(year=2017), "recompute")

    @rule(
        unit=st.sampled_from(UNITS),
        who=st.sampled_from(ACTORS),
        participants=st.sampled_from([0, 4, 40, -1]),
        held_in=st.sampled_from([2017, 2017, 2099]),
    )
    def record_activity(self, unit, who, participants, held_in):
        user = self.users[who]
        self.activity_day += 1
        held_on = date(held_in, 3, 1 + self.activity_day % 28)
        outcome = self._step(
            lambda: services.activity_record(
                org_unit=self.units[unit], kind="salon", title="创业沙龙", held_on=held_on,
                participants=participants, actor=user,
            ),
            self._label("activity", unit),
        )  # fmt: skip
        expected = self._may_enter(user, unit) and held_in == 2017 and participants >= 0 and not self._published(unit)
        assert (outcome == "ok") == expected, f"{who} recording an activity of {unit}: {outcome}"

    @rule(
        unit=st.sampled_from(UNITS),
        who=st.sampled_from(ACTORS),
        key=st.sampled_from(["awards", "awards", "incident", "activities"]),
        value=st.sampled_from([Decimal("0"), Decimal("1"), Decimal("3"), Decimal("25")]),
        evidence=st.sampled_from(["获奖证书复印件", ""]),
    )
    def enter_manual_value(self, unit, who, key, value, evidence):
        user, indicator = self.users[who], self.indicators[key]
        outcome = self._step(
            lambda: services.manual_value_set(
                indicator=indicator, org_unit=self.units[unit], value=value, evidence=evidence, actor=user
            ),
            self._label("manual_value", unit),
        )
        expected = (
            user.role == Role.OFFICE  # an assessed unit never enters its own figures
            and indicator.is_manual
            and indicator.min_value <= value <= indicator.max_value
            and bool(evidence)
            and not self._published(unit)
            and not self.scheme_closed
        )
        assert (outcome == "ok") == expected, f"{who} entering {key}={value} for {unit}: {outcome}"

    @rule(
        unit=st.sampled_from(UNITS),
        who=st.sampled_from(ACTORS),
        key=st.sampled_from(["activities", "participants"]),
        value=st.sampled_from([Decimal("1"), Decimal("3"), Decimal("8")]),
    )
    def set_target(self, unit, who, key, value):
        user = self.users[who]
        outcome = self._step(
            lambda: services.target_set(
                indicator=self.indicators[key], org_unit=self.units[unit], value=value, actor=user
            ),
            self._label("target", unit),
        )
        expected = user.role == Role.OFFICE and not self._published(unit) and not self.scheme_closed
        assert (outcome == "ok") == expected, f"{who} setting a target of {unit}: {outcome}"

    @rule(who=st.sampled_from(ACTORS), label=st.sampled_from(["举办活动场次", "活动次数"]))
    def rename_indicator(self, who, label):
        user, indicator = self.users[who], self.indicators["activities"]
        data = services.IndicatorData(
            key=indicator.key, label=label, weight=indicator.weight, mode=indicator.mode, source=indicator.source
        )
        outcome = self._step(
            lambda: services.indicator_save(scheme=self.scheme, data=data, actor=user, indicator=indicator),
            "indicator",
        )
        expected = (
            user.role == Role.OFFICE
            and not self.scheme_closed
            and not any(s == A.PUBLISHED for s in self.state.values())
        )
        assert (outcome == "ok") == expected, f"{who} renaming an indicator: {outcome}"
        self.indicators["activities"].refresh_from_db()

    @rule(who=st.sampled_from(ACTORS), threshold=st.sampled_from([Decimal("20"), Decimal("60"), Decimal("75")]))
    def move_a_grade_threshold(self, who, threshold):
        user = self.users[who]
        outcome = self._step(
            lambda: services.grade_band_save(
                scheme=self.scheme, code="good", label="良好", min_total=threshold, fund_factor=Decimal("1"), actor=user
            ),
            "grade_band",
        )
        assert (outcome == "ok") == (user.role == Role.OFFICE and not self.scheme_closed)

    # ------------------------------------------------------------ rules: people act

    @rule(
        unit=st.sampled_from(UNITS),
        action=st.sampled_from(["confirm", "confirm", "object", "reopen", "publish", "publish"]),
        who=st.sampled_from(ACTORS),
        with_reason=st.booleans(),
    )
    def act(self, unit, action, who, with_reason):
        pk, user = self.ids[unit], self.users[who]
        reason = "逾期未确认，按计算结果发布" if with_reason else ""
        current = self.state[pk]
        calls = {
            "confirm": lambda: services.assessment_confirm(assessment_id=pk, actor=user, comment=reason),
            "object": lambda: services.assessment_object(assessment_id=pk, actor=user, reason=reason),
            "reopen": lambda: services.assessment_reopen(assessment_id=pk, actor=user, reason=reason),
            "publish": lambda: services.assessment_publish(assessment_id=pk, actor=user, reason=reason),
        }
        # Publishing a computed assessment is the logged "publish without the unit's confirmation".
        step = "publish_unconfirmed" if action == "publish" and current == A.COMPUTED else action
        sources, target, may, needs_reason = MODEL[step]
        allowed = self._officer_of(user, unit) if may == OWN_OFFICER else user.role == Role.OFFICE
        expected = current in sources and allowed and (with_reason or not needs_reason)
        outcome = self._step(calls[action], step, acted_on=(pk,))
        assert (outcome == "ok") == expected, f"{who} {step} on {unit} ({current}): {outcome}, expected {expected}"
        state = Assessment.objects.values_list("state", flat=True).get(pk=pk)
        if expected:
            self.logged[pk] += 1
            self.state[pk] = target
            if step == "reopen" and state == A.CONFIRMED:  # cannot happen: reopen lands in computed
                raise AssertionError("reopen landed in confirmed")
            if target == A.PUBLISHED:
                self.frozen[pk] = _published_view([pk])[pk]
        assert state == self.state[pk], f"assessment {pk} is {state}, the model {self.state[pk]}"

    @rule(who=st.sampled_from(ACTORS))
    def publish_every_confirmed(self, who):
        user = self.users[who]
        confirmed = [pk for pk, s in self.state.items() if s == A.CONFIRMED]
        others = Assessment.objects.filter(scheme=self.scheme, state=A.CONFIRMED).exclude(pk__in=self.state).exists()
        assert not others, "an assessment nobody here confirmed is confirmed"
        outcome = self._step(
            lambda: services.assessments_publish_confirmed(year=2017, unit_kind="street", actor=user),
            "publish_all",
            acted_on=tuple(confirmed),
        )
        assert (outcome == "ok") == (user.role == Role.OFFICE)
        if outcome == "ok":
            for pk in confirmed:
                self.state[pk] = A.PUBLISHED
                self.logged[pk] += 1
                self.frozen[pk] = _published_view([pk])[pk]

    @rule(who=st.sampled_from(ACTORS))
    def close_the_scheme(self, who):
        user = self.users[who]
        outcome = self._step(lambda: services.scheme_close(scheme=self.scheme, actor=user), "close")
        everyone_published = not self.scheme.assessments.exclude(state=A.PUBLISHED).exists()
        assert (outcome == "ok") == (user.role == Role.OFFICE and everyone_published)
        if outcome == "ok":
            self.scheme_closed = True

    @rule(
        unit=st.sampled_from(UNITS),
        who=st.sampled_from(["office", "street", "street2", "leader"]),
        method=st.sampled_from(["patch", "put", "delete"]),
        what=st.sampled_from(["assessments", "assessment-scores"]),
    )
    def edit_through_the_api(self, unit, who, method, what):
        """The API offers no way to write an assessment or a score but its actions: any attempt fails."""
        pk = self.ids[unit]
        target = pk if what == "assessments" else IndicatorScore.objects.filter(assessment_id=pk).first().pk
        client = APIClient()
        client.force_authenticate(self.users[who])
        status = {}

        def call():
            status["code"] = getattr(client, method)(
                f"/api/v1/{what}/{target}/", {"total": "100.00", "score": "60.00", "state": "published"}, format="json"
            ).status_code

        self._step(call, "api_edit")
        assert status["code"] in (403, 404, 405), f"{who} {method.upper()} {what}/{target}: {status['code']}"

    @rule(
        unit=st.sampled_from(UNITS),
        what=st.sampled_from(["activity", "awards", "incident", "target"]),
        published_one=st.booleans(),
    )
    def the_units_figures_change(self, unit, what, published_one):
        """A well-formed change by someone entitled to make it: refused only once published. Half
        the time every kind of change is aimed at a published unit, when there is one."""
        published = [code for code in UNITS if self._published(code)]
        if published_one and published:
            unit, changes = published[0], ["activity", "awards", "target"]
        else:
            changes = [what]
        officer = {"fuzimiao": "street", "shuangtang": "street2"}.get(unit, "office")
        for change in changes:
            if change == "activity":
                self.record_activity(unit, officer, 40, 2017)
            elif change == "target":
                self.set_target(unit, "office", "participants", Decimal("8"))
            else:
                value = Decimal("1") if change == "incident" else Decimal("3")
                # Figures by hand are the office's: the assessed unit never enters its own.
                self.enter_manual_value(unit, "office", change, value, "证明材料")

    @rule(unit=st.sampled_from(UNITS[:2]), objects=st.booleans())
    def the_unit_answers(self, unit, objects):
        """The unit's own officer confirms or objects (the step the unit usually takes next)."""
        officer = {"fuzimiao": "street", "shuangtang": "street2"}[unit]
        self.act(unit, "object" if objects else "confirm", officer, True)

    @rule(unit=st.sampled_from(UNITS), publish=st.booleans())
    def the_office_answers(self, unit, publish):
        """The office publishes, or answers an objection."""
        self.act(unit, "publish" if publish else "reopen", "office", True)

    # ------------------------------------------------------------ invariants

    @initialize(opening=st.sampled_from(["publish", "confirm", "object", "none", "confirm_both", "answer", "publish"]))
    def some_units_answer_first(self, opening):
        """Examples begin with some assessments confirmed, objected or published, by checked steps."""
        if opening in ("confirm", "confirm_both", "publish"):
            self.act("fuzimiao", "confirm", "street", True)
        if opening == "confirm_both":
            self.act("shuangtang", "confirm", "street2", True)
        if opening in ("object", "answer"):
            self.act("shuangtang", "object", "street2", True)
        if opening == "answer":
            self.act("shuangtang", "reopen", "office", True)
        if opening == "publish":
            self.act("fuzimiao", "publish", "office", False)
            self.act("zhonghuamen", "publish", "office", True)

    @invariant()
    def states_inside_the_machine_and_the_models(self):
        states = set(Assessment.objects.values_list("state", flat=True))
        assert states <= set(A.values), states - set(A.values)
        for pk, state in self.state.items():
            assert Assessment.objects.values_list("state", flat=True).get(pk=pk) == state
        scheme_state = AssessmentScheme.objects.values_list("state", flat=True).get(pk=self.scheme.pk)
        assert scheme_state == (SchemeState.CLOSED if self.scheme_closed else SchemeState.ACTIVE)

    @invariant()
    def published_assessments_never_change(self):
        now = _published_view(list(self.frozen))
        for pk, view in self.frozen.items():
            assert now[pk] == view, f"published assessment {pk} changed"

    @invariant()
    def the_log_tells_the_same_story(self):
        for pk, state in self.state.items():
            log = list(transitions_of(Assessment(pk=pk)))
            assert len(log) == self.logged[pk], f"assessment {pk}: {len(log)} transitions, the model {self.logged[pk]}"
            assert log[-1].to_state == state
            for older, newer in zip(log, log[1:], strict=False):
                assert newer.from_state == older.to_state
        assert [problem for check in AUDIT_CHECKS for problem in check()] == []

    @invariant()
    def totals_add_up(self):
        for a in Assessment.objects.filter(pk__in=list(self.state)).prefetch_related("scores__indicator"):
            scores = [s for s in a.scores.all() if not s.indicator.is_veto]
            veto = next(s for s in a.scores.all() if s.indicator.is_veto)
            assert a.vetoed == ((veto.actual or 0) > 0)
            if a.vetoed:
                assert a.total == 0
            else:
                assert abs(a.total - sum(s.score for s in scores)) <= Decimal("0.01") * len(scores)


@pytest.fixture
def assessment_world(units):
    AssessmentMachine.users = {u.username: u for u in User.objects.filter(username__in=USERNAMES)}
    AssessmentMachine.units = units
    return AssessmentMachine


def test_any_sequence_of_assessment_actions_keeps_published_results_frozen(assessment_world):
    machines.run(assessment_world, max_examples=EXAMPLES, step_count=STEPS)
    print("assessment property tally:", dict(sorted(TALLY.items())))
    for needed in (
        "recompute:ok",
        "confirm:ok",
        "object:ok",
        "reopen:ok",
        "publish:ok",
        "publish_unconfirmed:ok",
        "publish_all:ok",
        "activity:ok",
        "manual_value:ok",
        "target:ok",
        "grade_band:ok",
    ):
        assert TALLY[needed] > 0, f"no {needed} in {EXAMPLES} examples"
    refused_after = sum(n for k, n in TALLY.items() if "_after_publication:" in k and not k.endswith(":ok"))
    assert refused_after > 0, "no edit of a published assessment was attempted"
    assert not any(k.endswith("_after_publication:ok") for k in TALLY), TALLY
