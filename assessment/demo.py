"""Demo data of the assessment: 2016 and 2017 schemes for streets, parks and the innovation
group, targets for every unit, activities across units, and assessments computed from the other
apps' demo records. 2016 is published and its work funds split; 2017 is computed and waits for
the units (the 夫子庙 officer has a scorecard to confirm). Idempotent: natural keys throughout.
"""

import hashlib
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from qinhuai_talent.core.errors import DomainError
from qinhuai_talent.core.models import FIELD_UNIT_KINDS, OrgUnit, UnitKind, User

from .models import (
    Activity,
    ActivityKind,
    Assessment,
    AssessmentScheme,
    AssessmentState,
    GradeBand,
    Indicator,
    IndicatorKind,
    ManualValue,
    PoolState,
    SchemeState,
    Target,
    TargetMode,
    WorkFundPool,
)
from .services import (
    assessment_confirm,
    assessment_object,
    assessment_publish,
    assessments_recompute,
    scheme_activate,
    scheme_copy,
    work_fund_pool_create,
    work_fund_split,
)
from .sources import SOURCES

D = Decimal
HARD, SOFT = IndicatorKind.HARD, IndicatorKind.SOFT
LINEAR, CAPPED, THRESHOLD, BONUS = TargetMode.LINEAR, TargetMode.CAPPED, TargetMode.THRESHOLD, TargetMode.BONUS

# (key, label, weight, mode, kind, source, core, unit of measure, params, fixed target)
CORE = [
    (
        "talents_introduced",
        "引进高层次人才（按层级加权）",
        25,
        LINEAR,
        HARD,
        "talents_introduced_weighted",
        "分",
        {},
        None,
    ),
    ("applications_submitted", "人才项目申报数", 10, CAPPED, HARD, "applications_submitted", "项", {}, None),
    ("enterprises_landed", "人才企业落户数", 15, LINEAR, HARD, "enterprises_landed", "家", {}, None),
    ("activities_held", "创业训练营、沙龙、大赛、路演等活动", 10, CAPPED, SOFT, "activities_held", "场", {}, None),
    ("environment", "人才工作环境与服务满意度", 10, CAPPED, SOFT, "", "分", {}, D("10")),
]
SPECIFIC = {
    UnitKind.STREET: [
        ("district_projects", "区级项目遴选数", 10, CAPPED, HARD, "district_projects_selected", "项", {}, None),
        ("service_items", "“一企一策”服务事项完成数", 10, CAPPED, SOFT, "service_items_delivered", "项", {}, None),
        (
            "payouts_on_time",
            "资金审批按时完成率",
            10,
            THRESHOLD,
            SOFT,
            "payouts_approved_on_time",
            "%",
            {"days": 30},
            D("90"),
        ),
    ],
    UnitKind.PARK: [
        ("financing_raised", "人才企业融资额", 15, LINEAR, HARD, "financing_raised", "万元", {}, None),
        ("revenue_growth", "人才企业主营业务收入增幅", 10, CAPPED, HARD, "enterprise_revenue_growth", "%", {}, D("15")),
        ("funds_disbursed", "扶持资金拨付进度", 10, THRESHOLD, SOFT, "funds_disbursed_ratio", "%", {}, D("80")),
    ],
    UnitKind.INNOVATION_GROUP: [
        ("financing_raised", "人才企业融资额", 20, LINEAR, HARD, "financing_raised", "万元", {}, None),
        ("revenue_growth", "人才企业主营业务收入增幅", 10, CAPPED, HARD, "enterprise_revenue_growth", "%", {}, D("15")),
    ],
}
# Bonus (加分) and veto (一票否决) items, outside the 100 base points.
EXTRA = [
    ("star_award", "“创业之星”评选加分", 5, BONUS, SOFT, "activities_held", "次", {"kinds": ["star_award"]}, None),
    ("veto_misuse", "人才资金违规使用（一票否决）", 0, CAPPED, HARD, "", "起", {}, None),
]
CORE_WEIGHTS = {
    UnitKind.STREET: {},
    UnitKind.PARK: {"talents_introduced": 20, "applications_submitted": 10, "enterprises_landed": 15},
    UnitKind.INNOVATION_GROUP: {"talents_introduced": 20, "applications_submitted": 10, "enterprises_landed": 20},
}
BANDS = [
    ("excellent", "优秀", "Excellent", D("90"), D("1.20")),
    ("good", "良好", "Good", D("75"), D("1.00")),
    ("pass", "合格", "Pass", D("60"), D("0.80")),
    ("fail", "不合格", "Fail", D("0"), D("0")),
]
KIND_NAMES = {UnitKind.STREET: "街道", UnitKind.PARK: "园区", UnitKind.INNOVATION_GROUP: "区科创集团"}
ACTIVITY_TITLES = {
    ActivityKind.TRAINING_CAMP: "创业训练营",
    ActivityKind.SALON: "人才创新创业沙龙",
    ActivityKind.CONTEST: "创新创业大赛",
    ActivityKind.ROADSHOW: "人才项目投融资路演",
    ActivityKind.STAR_AWARD: "“创业之星”评选",
}


def _spread(*parts) -> int:
    """A stable number 0–99 per unit and year, so the demo differs between units but never between runs."""
    return int(hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()[:8], 16) % 100


def _scheme(year: int, kind: str, office: User) -> AssessmentScheme:
    scheme, created = AssessmentScheme.objects.get_or_create(
        year=year, unit_kind=kind, defaults={"name": f"{year}年度{KIND_NAMES[kind]}人才工作差异化考核方案"}
    )
    if not created:
        return scheme
    weights = CORE_WEIGHTS[kind]
    rows = [(r[0], r[1], weights.get(r[0], r[2]), *r[3:]) for r in CORE] + SPECIFIC[kind]
    for order, (key, label, weight, mode, ikind, source, unit, params, _t) in enumerate(rows + EXTRA, start=1):
        Indicator.objects.create(
            scheme=scheme,
            key=key,
            label=label,
            weight=D(weight),
            mode=mode,
            kind=ikind,
            source=source,
            core=(key, label) in {(c[0], c[1]) for c in CORE} or key in ("star_award", "veto_misuse"),
            is_veto=key == "veto_misuse",
            max_value=D("10") if key == "environment" else (D("1") if key == "veto_misuse" else None),
            points_per_unit=D("2.5") if key == "star_award" else None,
            unit_label=unit,
            params=params,
            order=order,
        )
    for code, label, label_en, min_total, factor in BANDS:
        GradeBand.objects.create(
            scheme=scheme, code=code, label=label, label_en=label_en, min_total=min_total, fund_factor=factor
        )
    return scheme


def _fixed_targets() -> dict[str, Decimal]:
    return {r[0]: r[8] for rows in [CORE, *SPECIFIC.values(), EXTRA] for r in rows if r[8] is not None}


def _targets(scheme: AssessmentScheme, units: list[OrgUnit]) -> None:
    """Targets near each unit's own figures (some above, some below), a floor of 1 for counts."""
    fixed = _fixed_targets()
    unit_ids = [u.pk for u in units]
    rows = []
    for indicator in scheme.indicators.all():
        if indicator.is_veto or indicator.mode == BONUS:
            continue
        figures = SOURCES[indicator.source].compute(scheme.year, unit_ids, indicator.params) if indicator.source else {}
        for unit in units:
            if indicator.key in fixed:
                value = fixed[indicator.key]
            else:
                actual = figures[unit.pk].value if unit.pk in figures else D("0")
                factor = D(80 + _spread(unit.code, scheme.year, indicator.key) % 45) / 100  # 0.80 – 1.24
                value = max(D("1"), (actual * factor).quantize(D("1"), rounding=ROUND_HALF_UP))
            rows.append(Target(org_unit=unit, indicator=indicator, value=value))
    Target.objects.bulk_create(rows, ignore_conflicts=True)


def _manual_values(scheme: AssessmentScheme, units: list[OrgUnit], office: User) -> None:
    environment = scheme.indicators.get(key="environment")
    for unit in units:
        score = D(60 + _spread(unit.code, scheme.year, "env") * 38 // 99) / 10  # 6.0 – 9.8
        ManualValue.objects.get_or_create(
            org_unit=unit,
            indicator=environment,
            defaults={
                "value": score,
                "evidence": f"{scheme.year}年度人才工作满意度第三方测评报告（{unit.name}）",
                "entered_by": office,
            },
        )
    # One street had a misuse case in 2016: the veto zeroes its result.
    if scheme.year == 2016 and scheme.unit_kind == UnitKind.STREET:
        veto = scheme.indicators.get(key="veto_misuse")
        unit = next(u for u in units if u.code == "honghua")
        ManualValue.objects.get_or_create(
            org_unit=unit,
            indicator=veto,
            defaults={
                "value": D("1"),
                "evidence": "区纪委通报（秦纪〔2016〕9号）：人才项目资金挪用一起",
                "entered_by": office,
            },
        )


def _activities(units: list[OrgUnit]) -> int:
    made = 0
    kinds = list(ACTIVITY_TITLES)
    for unit in units:
        for year in (2016, 2017):
            count = 2 + _spread(unit.code, year, "activities") % 7
            for n in range(count):
                kind = kinds[(n + _spread(unit.code, year)) % len(kinds)]
                held_on = date(year, 1 + (n * 5 + _spread(unit.code, n)) % 11, 1 + _spread(unit.code, year, n) % 27)
                _obj, created = Activity.objects.get_or_create(
                    org_unit=unit,
                    title=f"{unit.name}{year}年{ACTIVITY_TITLES[kind]}（第{n + 1}期）",
                    held_on=held_on,
                    defaults={"kind": kind, "participants": 20 + _spread(unit.code, year, n, "p") * 3},
                )
                made += created
    return made


def seed(stdout) -> None:
    office = User.objects.get(username="office")
    units = list(OrgUnit.objects.filter(kind__in=FIELD_UNIT_KINDS, active=True).order_by("kind", "code"))
    by_kind = {k: [u for u in units if u.kind == k] for k in FIELD_UNIT_KINDS}
    with transaction.atomic():
        made = _activities(units)
        for kind in FIELD_UNIT_KINDS:
            scheme = _scheme(2016, kind, office)
            _targets(scheme, by_kind[kind])
            _manual_values(scheme, by_kind[kind], office)
            if scheme.state == SchemeState.DRAFT:
                scheme_activate(scheme=scheme, actor=office)
    assessments_recompute(year=2016)
    _answer_2016(office)
    pool_2016 = WorkFundPool.objects.filter(
        year=2016, name="2016年度街道园区人才工作经费"
    ).first() or work_fund_pool_create(
        year=2016,
        name="2016年度街道园区人才工作经费",
        amount=D("3000000"),
        base_percent=D("30"),
        min_total=D("60"),
        actor=office,
    )
    if pool_2016.state == PoolState.DRAFT:
        try:
            work_fund_split(pool=pool_2016, actor=office)
        except DomainError as exc:  # without the other apps' demo data no unit may qualify
            stdout.write(f"assessment: 2016 work funds not split: {exc.message}")

    for kind in FIELD_UNIT_KINDS:
        last = AssessmentScheme.objects.get(year=2016, unit_kind=kind)
        scheme = AssessmentScheme.objects.filter(year=2017, unit_kind=kind).first()
        if scheme is None:
            scheme = scheme_copy(source=last, year=2017, actor=office, with_targets=False)
        _targets(scheme, by_kind[kind])
        _manual_values(scheme, by_kind[kind], office)
        if scheme.state == SchemeState.DRAFT:
            scheme_activate(scheme=scheme, actor=office)
    counts = assessments_recompute(year=2017)
    _answer_2017()
    if not WorkFundPool.objects.filter(year=2017, name="2017年度街道园区人才工作经费").exists():
        work_fund_pool_create(
            year=2017,
            name="2017年度街道园区人才工作经费",
            amount=D("3600000"),
            base_percent=D("30"),
            min_total=D("60"),
            actor=office,
        )
    stdout.write(
        f"assessment: {made} new activities; 2016 published "
        f"({Assessment.objects.filter(year=2016, state=AssessmentState.PUBLISHED).count()} units), "
        f"2017 computed for {counts['assessments']} units"
    )


def _officer(unit_code: str) -> User | None:
    return User.objects.filter(org_unit__code=unit_code, role__in=("street", "park"), is_active=True).first()


def _answer_2016(office: User) -> None:
    """Units with an officer confirmed 2016; the office published the rest after the deadline."""
    for assessment in (
        Assessment.objects.filter(year=2016).exclude(state=AssessmentState.PUBLISHED).select_related("org_unit")
    ):
        officer = _officer(assessment.org_unit.code)
        if officer is not None and assessment.state == AssessmentState.COMPUTED:
            assessment_confirm(assessment_id=assessment.pk, actor=officer, comment="经核对，数据无误。")
            assessment_publish(assessment_id=assessment.pk, actor=office)
        else:
            assessment_publish(assessment_id=assessment.pk, actor=office, reason="确认期满未反馈，按核算结果公布。")


def _answer_2017() -> None:
    """双塘 confirmed its 2017 scorecard, 国创园 objected; 夫子庙 and 高新园区 have theirs to confirm."""
    shuangtang = Assessment.objects.filter(
        year=2017, org_unit__code="shuangtang", state=AssessmentState.COMPUTED
    ).first()
    if shuangtang is not None and (officer := _officer("shuangtang")) is not None:
        assessment_confirm(assessment_id=shuangtang.pk, actor=officer, comment="确认。")
    guochuang = Assessment.objects.filter(
        year=2017, org_unit__code="guochuang_park", state=AssessmentState.COMPUTED
    ).first()
    if guochuang is not None and (officer := _officer("guochuang_park")) is not None:
        assessment_object(
            assessment_id=guochuang.pk,
            actor=officer,
            reason="园区11月举办的人才项目路演尚未录入，活动场次少计一场，请核实。",
        )
