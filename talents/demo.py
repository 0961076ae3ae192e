"""Demo data for the talents app: the seed's titles and the 2017 pipeline (run by ``seed_demo``).

Idempotent: talents are keyed by their ID number, titles by (talent, program), applications by
(talent, call), assignments by (application, expert); running it twice adds nothing.

The figures reproduce the seed (section 一): titles held at the end of 2017 —
academician 2 (introduced), national_thousand_talents 28 introduced + 2 self-cultivated,
provincial_shuangchuang 22 self-cultivated, provincial_tech_entrepreneur 10 (self-cultivated),
municipal_tech_entrepreneur 14 (self-cultivated), municipal_high_end_team 3 (introduced),
municipal_leading_entrepreneur 373 (introduced), district_high_level_entrepreneur 40 — of which
4 come from the 2017 district call's approved applications. The 2017 pipeline: 3 national
applications at the panel defense (state ``defense``); 14 provincial 双创 applications in the
province's final review, which for the district is state ``recommended`` (recommended upward,
outcome not yet recorded); 9 municipal innovative-entrepreneur and 37 municipal high-level
entrepreneur applications (submitted, expert review or recommended); and the district-level
call with one application in every stage in each of 夫子庙街道, 双塘街道, 高新园区 and 国创园.
"""

import datetime
from decimal import Decimal

from django.db import transaction
from stdnum.cn import ric

from qinhuai_talent.core import clock
from qinhuai_talent.core.models import OrgUnit, User
from qinhuai_talent.core.workflow import log_transition

from . import fit
from .models import (
    Application,
    ApplicationState,
    Call,
    CallState,
    ExpertProfile,
    Gender,
    Industry,
    Objection,
    Origin,
    Program,
    ReviewAssignment,
    ReviewScore,
    RubricCriterion,
    SourceChannel,
    Talent,
    Title,
)

S = ApplicationState
YEAR = 2017
FAMILY = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程"
GIVEN = [
    "建华",
    "晓明",
    "海燕",
    "志强",
    "丽娟",
    "文博",
    "俊杰",
    "雅婷",
    "子轩",
    "思远",
    "宏伟",
    "静怡",
    "浩然",
    "佳琪",
    "明哲",
    "欣然",
    "国栋",
    "秀英",
    "天宇",
    "梦琪",
    "振宇",
    "慧敏",
    "鹏飞",
    "晨曦",
    "立新",
    "雨桐",
    "嘉诚",
    "若愚",
    "正阳",
    "书瑶",
]
FIELDS = ["云计算", "智能交通", "电子商务", "大数据", "生物医药", "新材料", "智能制造", "文化创意"]
# Title holders spread over the field units; the four demo officers' units hold the most.
UNIT_WEIGHTS = [
    ("fuzimiao", 6), ("shuangtang", 5), ("gaoxin_park", 7), ("guochuang_park", 6),
    ("zhonghuamen", 2), ("wulaocun", 2), ("hongwulu", 2), ("daguanglu", 2), ("ruijinlu", 2),
    ("yueyahu", 2), ("guanghualu", 2), ("chaotiangong", 2), ("honghua", 2), ("qinhong", 2),
    ("creative_1865", 3), ("kechuang_group", 1),
]  # fmt: skip
# (program, origin, how many titles seeded directly; the district call adds its approvals)
TITLES = [
    ("academician", Origin.INTRODUCED, 2),
    ("national_thousand_talents", Origin.INTRODUCED, 28),
    ("national_thousand_talents", Origin.SELF_CULTIVATED, 2),
    ("provincial_shuangchuang", Origin.SELF_CULTIVATED, 22),
    ("provincial_tech_entrepreneur", Origin.SELF_CULTIVATED, 10),
    ("municipal_tech_entrepreneur", Origin.SELF_CULTIVATED, 14),
    ("municipal_high_end_team", Origin.INTRODUCED, 3),
    ("municipal_leading_entrepreneur", Origin.INTRODUCED, 373),
]
DISTRICT_UNITS = ["fuzimiao", "shuangtang", "gaoxin_park", "guochuang_park"]
DISTRICT_STAGES = [
    S.DRAFT, S.SUBMITTED, S.RETURNED, S.EXPERT_REVIEW, S.DEFENSE, S.PUBLIC_NOTICE, S.APPROVED, S.REJECTED, S.WITHDRAWN,
]  # fmt: skip
DISTRICT_TITLES = 40
OFFICERS = {"fuzimiao": "street", "shuangtang": "street2", "gaoxin_park": "park", "guochuang_park": "park2"}
CRITERIA = [
    ("innovation", "技术创新性", Decimal("30")),
    ("team", "团队能力", Decimal("20")),
    ("market", "市场前景", Decimal("30")),
    ("industry_fit", "产业契合度", Decimal("20")),
]


def _unit_cycle() -> list[str]:
    return [code for code, weight in UNIT_WEIGHTS for _ in range(weight)]


def _id_number(n: int) -> tuple[str, datetime.date]:
    """A valid resident ID of 秦淮区 (320104) for person ``n``: birth date, serial, check digit."""
    birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=(n * 37) % 9000)
    serial = f"{(n % 999) + 1:03d}"
    body = f"320104{birth:%Y%m%d}{serial}"
    # calc_check_digit expects the full length; the placeholder last digit is ignored.
    return body + ric.calc_check_digit(body + "0"), birth


def _person(n: int) -> dict:
    number, birth = _id_number(n)
    gender = Gender.MALE if int(number[16]) % 2 else Gender.FEMALE
    return {
        "name": FAMILY[n % len(FAMILY)] + GIVEN[(n // len(FAMILY) + n) % len(GIVEN)],
        "id_number": number,
        "birth_date": birth,
        "gender": gender,
        "education": ["doctorate", "master", "master", "bachelor"][n % 4],
        "professional_title": ["教授", "研究员", "高级工程师", ""][n % 4],
        "overseas_experience": n % 3 != 2,
        "field": FIELDS[n % len(FIELDS)],
        "phone": f"139{n:08d}",
    }


def _talents(numbers: list[int], unit_of) -> dict[int, Talent]:
    people = {n: _person(n) for n in numbers}
    Talent.objects.bulk_create(
        [Talent(org_unit=unit_of(n), **p) for n, p in people.items()], ignore_conflicts=True, batch_size=500
    )
    by_id = {t.id_number: t for t in Talent.objects.filter(id_number__in=[p["id_number"] for p in people.values()])}
    return {n: by_id[p["id_number"]] for n, p in people.items()}


def _calls(office: User, industries: list[Industry]) -> dict[str, Call]:
    spec = {
        "national_thousand_talents": ("2017年国家“千人计划”推荐申报", 5, {}),
        "provincial_shuangchuang": ("2017年江苏省“双创计划”推荐申报", 20, {"min_education": "master"}),
        "municipal_innovative_entrepreneur": ("2017年“创业南京”创新型企业家申报", 10, {"legal_representative": True}),
        "municipal_high_level_entrepreneur": (
            "2017年“创业南京”高层次创业人才申报",
            40,
            {
                "legal_representative": True,
                "min_own_capital": "1000000",
                "min_education": "master",
                "senior_title_suffices": True,
            },
        ),
        "district_high_level_entrepreneur": (
            "2017年秦淮区高层次创业人才遴选",
            12,
            {"legal_representative": True, "min_own_capital": "500000"},
        ),
    }
    calls = {}
    for code, (title, quota, rules) in spec.items():
        call, created = Call.objects.get_or_create(
            program=Program.objects.get(code=code),
            year=YEAR,
            defaults={
                "title": title,
                "opens_on": datetime.date(YEAR, 3, 1),
                "closes_on": datetime.date(YEAR, 5, 31),
                "quota": quota,
                "eligibility": rules,
                "required_documents": ["id_copy", "business_plan"],
                "min_reviews": 2,
                "notice_days": 15,
                "state": CallState.CLOSED,
                "created_by": office,
            },
        )
        if created:
            call.focus_industries.set(industries[:3])
            RubricCriterion.objects.bulk_create(
                RubricCriterion(call=call, code=c, label=label, weight=w, order=i)
                for i, (c, label, w) in enumerate(CRITERIA)
            )
        calls[code] = call
    return calls


def _utc(month: int, day: int, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(YEAR, month, day, hour, tzinfo=datetime.UTC)


# When each step of the 2017 pipeline happened (the submission's own day comes from the plan).
STEP_DAYS = {
    "accept": _utc(5, 2),
    "to_defense": _utc(7, 10),
    "recommend": _utc(7, 20),
    "reject": _utc(7, 15),
    "select": _utc(9, 1),
    "approve": _utc(9, 20),
}
REVIEWS_ASSIGNED = _utc(5, 3)
REVIEWS_SUBMITTED = _utc(6, 10, 9)


def _step_at(action: str, submitted: datetime.datetime) -> datetime.datetime:
    if action == "submit":
        return submitted
    if action in ("return", "withdraw"):
        return submitted + datetime.timedelta(days=10)
    return STEP_DAYS[action]


def _path(state: str, program: Program) -> list[tuple[str, str, str]]:
    """The transitions that lead to ``state``: (action, from, to)."""
    steps = {
        S.DRAFT: [],
        S.SUBMITTED: ["submit"],
        S.RETURNED: ["submit", "return"],
        S.EXPERT_REVIEW: ["submit", "accept"],
        S.DEFENSE: ["submit", "accept", "to_defense"],
        S.RECOMMENDED: ["submit", "accept"] + (["to_defense"] if program.has_defense else []) + ["recommend"],
        S.PUBLIC_NOTICE: ["submit", "accept", "to_defense", "select"],
        S.APPROVED: ["submit", "accept", "to_defense", "select", "approve"],
        S.REJECTED: ["submit", "accept", "reject"],
        S.WITHDRAWN: ["submit", "withdraw"],
    }[state]
    targets = {
        "submit": S.SUBMITTED,
        "return": S.RETURNED,
        "accept": S.EXPERT_REVIEW,
        "to_defense": S.DEFENSE,
        "recommend": S.RECOMMENDED,
        "select": S.PUBLIC_NOTICE,
        "approve": S.APPROVED,
        "reject": S.REJECTED,
        "withdraw": S.WITHDRAWN,
    }
    out, current = [], S.DRAFT
    for action in steps:
        out.append((action, current, targets[action]))
        current = targets[action]
    return out


REASONS = {
    "return": "请补充近一年财务报表及股权结构说明。",
    "reject": "专家评审得分未达入围线。",
    "withdraw": "申请人因个人原因撤回申报。",
}


def _applications(calls, talents_by_n, plan, units, users, industries) -> list[Application]:
    """``plan``: list of (n, call code, unit code, state). Creates the missing ones with their log."""
    existing = set(Application.objects.filter(call__in=calls.values()).values_list("talent_id", "call_id"))
    created, focus = [], {}
    for i, (n, code, unit_code, state) in enumerate(plan):
        talent, call = talents_by_n[n], calls[code]
        if (talent.pk, call.pk) in existing:
            continue
        industry = industries[i % len(industries)]
        if call.pk not in focus:
            focus[call.pk] = list(call.focus_industries.all())
        app = Application(
            talent=talent,
            call=call,
            org_unit=units[unit_code],
            industry=industry,
            venture_name=f"{talent.name[0]}氏{industry.name}科技有限公司",
            summary=f"面向{industry.name}领域的创新创业项目，团队核心成员具有海外研发经历。",
            requested_support=Decimal(call.program.max_support or 1000000).quantize(Decimal("0.01")),
            source_channel=SourceChannel.values[i % len(SourceChannel.values)],
            state=state,
            is_legal_representative=True,
            own_paid_in_capital=Decimal("1200000.00"),
            company_founded_on=datetime.date(2015, 1 + i % 12, 1),
            submitted_at=None if state == S.DRAFT else _utc(4, 1 + i % 28),
            created_at=_utc(3, 1 + i % 28),
            created_by=users["office"],
        )
        if state in (S.APPROVED, S.REJECTED):
            app.decided_at = STEP_DAYS["approve" if state == S.APPROVED else "reject"]
        app.industry_fit, app.industry_fit_reasons = fit.assess(
            industry=industry, focus=focus[call.pk], summary=app.summary
        )
        if state == S.RETURNED:
            app.officer_comment = REASONS["return"]
        if state in (S.PUBLIC_NOTICE, S.APPROVED):
            app.notice_starts_on = datetime.date(YEAR, 9, 1)
            app.notice_ends_on = datetime.date(YEAR, 9, 16)
        if state in (S.PUBLIC_NOTICE, S.APPROVED) or (
            state == S.DEFENSE and code == "district_high_level_entrepreneur"
        ):
            app.defense_votes_for, app.defense_votes_against, app.defense_abstentions = 5, 1, 1
        app.save()
        created.append(app)
        officer = users.get(OFFICERS.get(unit_code, "office"))
        for action, from_state, to_state in _path(state, call.program):
            actor = officer if action in ("submit", "return", "accept", "withdraw") else users["office"]
            if code == "district_high_level_entrepreneur" and action in ("to_defense", "select", "reject"):
                actor = officer
            log_transition(
                app,
                action=action,
                from_state=from_state,
                to_state=to_state,
                actor=actor,
                reason=REASONS.get(action, ""),
                at=_step_at(action, app.submitted_at),
            )
    return created


def _reviews(apps: list[Application], experts: list[User], office: User) -> None:
    """Past expert review: both experts scored. In expert review: assigned, some scored."""
    criteria_by_call: dict[int, list[RubricCriterion]] = {}
    for app in apps:
        if app.state in (S.DRAFT, S.SUBMITTED, S.RETURNED) or (app.state == S.WITHDRAWN):
            continue
        criteria = criteria_by_call.setdefault(app.call_id, list(RubricCriterion.objects.filter(call_id=app.call_id)))
        totals = []
        for k, expert in enumerate(experts):
            scored = app.state != S.EXPERT_REVIEW or (app.pk + k) % 3 == 0
            assignment, _ = ReviewAssignment.objects.get_or_create(
                application=app, expert=expert, defaults={"assigned_by": office, "assigned_at": REVIEWS_ASSIGNED}
            )
            if not scored or assignment.submitted_at:
                continue
            weighted = Decimal("0")
            rows = []
            for j, c in enumerate(criteria):
                value = Decimal(60 + (app.pk * 7 + j * 13 + k * 5) % 38)
                rows.append(ReviewScore(assignment=assignment, criterion=c, score=value))
                weighted += value / c.max_score * c.weight
            ReviewScore.objects.bulk_create(rows, ignore_conflicts=True)
            assignment.total = weighted.quantize(Decimal("0.01"))
            assignment.submitted_at = REVIEWS_SUBMITTED
            assignment.comment = "项目技术路线清晰，市场前景较好。"
            assignment.save()
            totals.append(assignment.total)
        if totals:
            app.score = (sum(totals) / len(totals)).quantize(Decimal("0.01"))
            app.save(update_fields=["score"])


# (username, employer, unit the expert works for, fields of expertise by industry order)
EXPERT_PROFILES = [
    ("expert", "南京大学", None, (0, 1, 2)),
    ("expert2", "东南大学", None, (1, 3)),
    ("expert3", "高新园区管委会", "gaoxin_park", (0, 4)),
]


def _expert_profiles(industries: list[Industry], units: dict[str, OrgUnit]) -> None:
    for username, employer, unit, fields in EXPERT_PROFILES:
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        profile, _created = ExpertProfile.objects.update_or_create(
            user=user, defaults={"employer": employer, "employer_unit": units.get(unit) if unit else None}
        )
        profile.fields.set([industries[i] for i in fields if i < len(industries)])


def _third_expert(office: User, units: dict[str, OrgUnit]) -> None:
    """expert3 has one review waiting, of an application outside 高新园区 (where they work)."""
    expert3 = User.objects.filter(username="expert3").first()
    app = (
        Application.objects.filter(state=S.EXPERT_REVIEW)
        .exclude(org_unit=units["gaoxin_park"])
        .order_by("-call__program__code", "pk")
        .first()
    )
    if expert3 is not None and app is not None:
        ReviewAssignment.objects.get_or_create(
            application=app, expert=expert3, defaults={"assigned_by": office, "assigned_at": REVIEWS_ASSIGNED}
        )


@transaction.atomic
def seed(stdout) -> None:
    units = {u.code: u for u in OrgUnit.objects.all()}
    users = {
        u.username: u for u in User.objects.filter(username__in=["office", "expert", "expert2", *OFFICERS.values()])
    }
    industries = list(Industry.objects.order_by("-leading", "order"))
    programs = {p.code: p for p in Program.objects.all()}
    cycle = _unit_cycle()

    # Title holders: persons 0 … N-1, each holding one title.
    district_direct = DISTRICT_TITLES - len(DISTRICT_UNITS)
    plan = [(code, origin) for code, origin, count in TITLES for _ in range(count)]
    plan += [("district_high_level_entrepreneur", Origin.SELF_CULTIVATED)] * district_direct
    holders = _talents(list(range(len(plan))), lambda n: units[cycle[n % len(cycle)]])
    Title.objects.bulk_create(
        [
            Title(
                talent=holders[n],
                program=programs[code],
                year=2009 + n % 9 if code != "district_high_level_entrepreneur" else 2012 + n % 5,
                origin=origin,
                org_unit=holders[n].org_unit,
            )
            for n, (code, origin) in enumerate(plan)
        ],
        ignore_conflicts=True,
        batch_size=500,
    )

    # The 2017 pipeline: applicants are persons 1000 and up.
    calls = _calls(users["office"], industries)
    pipeline: list[tuple[str, str, str]] = []
    pipeline += [("national_thousand_talents", u, S.DEFENSE) for u in ["fuzimiao", "gaoxin_park", "guochuang_park"]]
    pipeline += [("provincial_shuangchuang", cycle[i * 5 % len(cycle)], S.RECOMMENDED) for i in range(14)]
    innovative = [S.SUBMITTED] * 3 + [S.EXPERT_REVIEW] * 4 + [S.RECOMMENDED] * 2
    pipeline += [("municipal_innovative_entrepreneur", cycle[i * 3 % len(cycle)], s) for i, s in enumerate(innovative)]
    high_level = [S.SUBMITTED] * 15 + [S.EXPERT_REVIEW] * 14 + [S.RECOMMENDED] * 8
    pipeline += [("municipal_high_level_entrepreneur", cycle[i * 7 % len(cycle)], s) for i, s in enumerate(high_level)]
    pipeline += [("district_high_level_entrepreneur", u, s) for u in DISTRICT_UNITS for s in DISTRICT_STAGES]
    numbered = [(1000 + i, code, unit, state) for i, (code, unit, state) in enumerate(pipeline)]
    applicants = _talents([n for n, *_ in numbered], lambda n: units[numbered[n - 1000][2]])
    created = _applications(calls, applicants, numbered, units, users, industries)
    _reviews(created, [users["expert"], users["expert2"]], users["office"])
    _expert_profiles(industries, units)
    _third_expert(users["office"], units)

    for app in Application.objects.filter(call=calls["district_high_level_entrepreneur"], state=S.APPROVED):
        Title.objects.get_or_create(
            application=app,
            defaults={
                "talent_id": app.talent_id,
                "program_id": app.call.program_id,
                "year": YEAR,
                "origin": Origin.SELF_CULTIVATED if app.pk % 2 else Origin.INTRODUCED,
                "org_unit_id": app.org_unit_id,
            },
        )
    noticed = (
        Application.objects.filter(call=calls["district_high_level_entrepreneur"], state=S.PUBLIC_NOTICE)
        .filter(org_unit=units["fuzimiao"])
        .first()
    )
    if noticed:
        Objection.objects.get_or_create(
            application=noticed,
            content="反映该项目核心团队成员与申报材料不符，请予核查。",
            defaults={
                "received_on": datetime.date(YEAR, 9, 5),
                "raised_by": "匿名来信",
                "recorded_by": users["office"],
            },
        )
    # The applicant's online story is told on the demo's day, whoever runs the loader.
    with clock.running_on(clock.DEMO_DAY):
        _applicant_story(users, units, industries)
    stdout.write(
        f"talents: {Talent.objects.count()} talents, {Title.objects.count()} titles, "
        f"{Application.objects.filter(call__year=YEAR).count()} applications in {YEAR}"
    )


# The calls open on the demo's day (2018-01-15): the year's district selection and two of the
# city's plans, for which the district collects applications (the demo applicant has applied to
# the first two and may still apply to the third).
OPEN_CALLS = {
    "district_high_level_entrepreneur": (
        "2018年秦淮区高层次创业人才遴选",
        datetime.date(2018, 1, 2),
        datetime.date(2018, 3, 31),
        12,
        {"legal_representative": True, "min_own_capital": "500000"},
        ["id_copy", "business_plan"],
    ),
    "municipal_high_level_entrepreneur": (
        "2018年“创业南京”高层次创业人才引进计划",
        datetime.date(2018, 1, 8),
        datetime.date(2018, 2, 28),
        40,
        {"legal_representative": True, "min_own_capital": "1000000", "min_education": "master",
         "senior_title_suffices": True},
        ["id_copy", "degree", "business_plan", "capital_proof"],
    ),
    "municipal_innovative_entrepreneur": (
        "2018年“创业南京”创新型企业家培育计划",
        datetime.date(2018, 1, 10),
        datetime.date(2018, 3, 15),
        20,
        {"legal_representative": True},
        ["business_plan"],
    ),
}  # fmt: skip
# The demo account ``talent``: an applicant of 夫子庙街道 who applies online.
APPLICANT = {"name": "陆明远", "n": 2900, "phone": "13905151234", "email": "luminyuan@example.com"}
DEMO_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _open_calls(office: User, industries: list[Industry]) -> dict[str, Call]:
    """The calls open on the demo's day, opened through the services like any call."""
    from . import services

    calls = {}
    for code, (title, opens, closes, quota, rules, documents) in OPEN_CALLS.items():
        program = Program.objects.get(code=code)
        call = Call.objects.filter(program=program, year=opens.year).first()
        if call is None:
            call = services.call_create(
                actor=office, program=program, year=opens.year, title=title, opens_on=opens, closes_on=closes,
                quota=quota, focus_industries=industries[:3], eligibility=rules, required_documents=documents,
                criteria=[services.CriterionSpec(c, label, w) for c, label, w in CRITERIA],
            )  # fmt: skip
            services.call_transition(call_id=call.pk, action="open", actor=office)
        calls[code] = call
    return calls


def _applicant_story(users: dict, units: dict, industries: list[Industry]) -> None:
    """The demo account ``talent`` (陆明远, 夫子庙街道) applied online to the district's 2018
    selection and was returned for revision by the street's officer; their application to the
    city's plan is a draft. Everything goes through the services, as on the pages."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from . import services

    account = User.objects.filter(username="talent").first()
    if account is None:
        return
    calls = _open_calls(users["office"], industries)
    if Application.objects.filter(talent__account=account).exists():
        return
    number, birth = _id_number(APPLICANT["n"])
    Talent.objects.get_or_create(
        account=account,
        defaults={
            "name": APPLICANT["name"], "gender": Gender.MALE, "birth_date": birth, "id_number": number,
            "education": "doctorate", "professional_title": "研究员", "overseas_experience": True,
            "field": "智能交通", "phone": APPLICANT["phone"], "email": APPLICANT["email"],
            "org_unit": units["fuzimiao"],
        },
    )  # fmt: skip
    host, industry = units["fuzimiao"], next(i for i in industries if i.code == "smart_transport")
    returned = services.applicant_draft(
        actor=account, call_id=calls["district_high_level_entrepreneur"].pk, org_unit=host, industry=industry,
        venture_name="南京明远智行科技有限公司", summary="面向老城区的智能交通信号协同控制平台",
        requested_support=Decimal("500000"), is_legal_representative=True, own_paid_in_capital=Decimal("800000"),
        company_founded_on=datetime.date(2017, 6, 8),
    )  # fmt: skip
    for kind in OPEN_CALLS["district_high_level_entrepreneur"][5]:
        upload = SimpleUploadedFile(f"{kind}.pdf", DEMO_PDF, content_type="application/pdf")
        services.attachment_add(actor=account, application_id=returned.pk, kind=kind, upload=upload)
    services.applicant_submit(actor=account, application_id=returned.pk)
    services.application_transition(
        application_id=returned.pk, action="return", actor=users["street"],
        reason="请补充企业近半年的财务报表，并说明平台在夫子庙街道的试点计划。",
    )  # fmt: skip
    services.applicant_draft(
        actor=account, call_id=calls["municipal_high_level_entrepreneur"].pk, org_unit=host, industry=industry,
        venture_name="南京明远智行科技有限公司", summary="城市级交通大数据与出行服务",
        requested_support=Decimal("1500000"), is_legal_representative=True, own_paid_in_capital=Decimal("800000"),
    )  # fmt: skip
