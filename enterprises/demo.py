"""The demo enterprise database: invented companies whose figures reproduce the seed's section 一.

Cumulative sales nearly 1.4 billion yuan, financing nearly 0.5 billion, 21 enterprises at 10
million or more cumulative main-business revenue (7 at 50 million or more), 4 on the NEEQ, nine
municipal-level maker spaces, quarterly reports 2014–2017 with gaps and declines for the exit
rules. Only the reports, rounds and grades are written here: every derived figure comes out of
``figures_recompute`` at the end. Idempotent: natural keys and ``ignore_conflicts``.
"""

import datetime
from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from qinhuai_talent.core import clock
from qinhuai_talent.core.models import OrgUnit, Role, User
from talents.models import Industry, Level, Talent

from .models import (
    Enterprise,
    EnterpriseStatus,
    Evaluation,
    FinancingRound,
    Founder,
    Listing,
    MakerSpace,
    Mentor,
    OperatingReport,
    PeriodKind,
    SupportKind,
    SupportPlanItem,
    SupportStatus,
    Visit,
)
from .selectors import enterprise_figures, maker_space_counts
from .services import figures_recompute
from .workflows import ENTERPRISE_WORKFLOW, SUPPORT_WORKFLOW

M = Decimal(1_000_000)
FIRST_YEAR, LAST_YEAR = 2014, 2017

INDUSTRIES = {
    "cloud_computing": ("云计算", "Cloud computing", True, 1, "云计算科技"),
    "smart_transport": ("智能交通", "Smart transport", True, 2, "智能交通科技"),
    "e_commerce": ("电子商务", "E-commerce", True, 3, "电子商务"),
    "software_it": ("软件和信息服务", "Software and IT services", False, 10, "软件技术"),
    "cultural_creative": ("文化创意", "Cultural and creative industries", False, 12, "文化创意"),
    "biomedicine": ("生物医药", "Biomedicine", False, 13, "生物医药科技"),
    "smart_manufacturing": ("智能制造", "Smart manufacturing", False, 14, "智能装备"),
}
# Leading industries first and most often.
INDUSTRY_CYCLE = [
    "cloud_computing",
    "smart_transport",
    "e_commerce",
    "cloud_computing",
    "software_it",
    "smart_transport",
    "e_commerce",
    "cultural_creative",
    "cloud_computing",
    "biomedicine",
    "smart_transport",
    "smart_manufacturing",
]

# (unit code, number of enterprises)
UNIT_PLAN = [
    ("gaoxin_park", 16),
    ("guochuang_park", 12),
    ("fuzimiao", 10),
    ("shuangtang", 8),
    ("creative_1865", 6),
    ("zhonghuamen", 2),
    ("wulaocun", 2),
    ("hongwulu", 2),
    ("daguanglu", 2),
    ("ruijinlu", 2),
    ("yueyahu", 2),
    ("guanghualu", 2),
    ("chaotiangong", 2),
    ("honghua", 2),
    ("qinhong", 2),
]

BRAND_FIRST = "云智易星青瑞恒博华安达启元海明天卓新"
BRAND_SECOND = "帆途购河禾诚远思测鼎联航晟澜"

# Cumulative main-business revenue targets (million yuan) of the 21 large enterprises, by the
# position of the enterprise in the plan: seven at 50 million or more, fourteen at 10 to 50.
LARGE = {
    0: 168,
    1: 46,
    2: 132,
    3: 21,
    16: 104,
    17: 37,
    18: 13.5,
    28: 86,
    29: 33,
    30: 12,
    38: 73,
    39: 29,
    44: 26,
    45: 61,
    46: 23,
    50: 19,
    51: 17,
    54: 54,
    56: 15,
    60: 41,
    64: 10.8,
}
# Small enterprises: below 10 million, cycling through these (million yuan).
SMALL = [3.2, 1.8, 6.5, 0.9, 4.4, 2.6, 8.1, 1.2, 5.3, 2.2, 7.4, 0.6, 3.8, 4.9, 1.5, 9.2]

# Scenarios for the exit rules (positions in the plan).
MOVED_OUT = 5  # moved out of the district in 2017
DEREGISTERED = 67  # deregistered in 2017
NO_REVENUE = 7  # reports, but no revenue 24 months after registration
NOT_FULL_TIME = 8  # the founder left full-time work in March 2017
NO_RECENT_REPORTS = (9, 19, 33)  # nothing for 2017 Q3 and Q4
GAP_2015 = (12, 22, 41)  # a missing quarter in 2015
# The demo enterprise account's enterprise, a 高新园区 one with an agreement in force of its own
# plan (funding.demo): 2017 Q3 never filed, 2017 Q4 filed in its window, so its board shows one
# quarter missing and the missing-reports exit rule (counting after the last filing) raises nothing.
ACCOUNT = 14
ACCOUNT_GAP = (ACCOUNT, (2017, 3))
DECLINING = (3, 17, 29, 39, 51)  # revenue falls in 2017
GRADE_D = 10  # graded D in the second half of 2017
GRADE_C_TWICE = 11  # graded C in both halves of 2017
NEEQ = {
    0: datetime.date(2016, 8, 12),
    2: datetime.date(2016, 11, 30),
    16: datetime.date(2017, 3, 15),
    28: datetime.date(2017, 6, 28),
}
OTHER_BOARD = {45: datetime.date(2017, 9, 20)}
CORRECTED = 1  # its 2017 Q2 report was corrected: version 1 is kept

# Financing rounds (position, round, investor, million yuan, closing date): about 0.48 billion.
ROUNDS = [
    (0, "B", "紫金山创业投资", 80, "2016-05-18"),
    (0, "A", "秦淮科创基金", 25, "2014-09-10"),
    (2, "B", "钟山资本", 60, "2016-10-08"),
    (16, "A+", "金陵新兴产业投资", 45, "2015-12-01"),
    (28, "A", "长江源创投", 40, "2016-03-22"),
    (45, "B", "钟山资本", 35, "2017-04-16"),
    (1, "A", "秦淮科创基金", 30, "2016-07-07"),
    (38, "A", "紫金山创业投资", 25, "2017-02-14"),
    (54, "Pre-A", "玄武湖天使基金", 20, "2016-09-30"),
    (17, "A", "金陵新兴产业投资", 18, "2016-12-20"),
    (60, "A", "长江源创投", 15, "2017-06-06"),
    (29, "Pre-A", "秦淮科创基金", 12, "2015-11-11"),
    (39, "A", "钟山资本", 12, "2017-08-08"),
    (3, "天使", "玄武湖天使基金", 10, "2015-04-20"),
    (44, "A", "紫金山创业投资", 10, "2016-06-16"),
    (46, "Pre-A", "秦淮科创基金", 8, "2017-01-12"),
    (30, "天使", "玄武湖天使基金", 6, "2016-02-26"),
    (50, "天使", "石头城校友创投", 5, "2015-08-18"),
    (51, "天使", "石头城校友创投", 5, "2016-10-21"),
    (18, "天使", "玄武湖天使基金", 4, "2015-05-05"),
    (56, "天使", "秦淮科创基金", 3, "2017-03-03"),
    (64, "天使", "石头城校友创投", 3, "2017-05-26"),
    (4, "天使", "玄武湖天使基金", 2, "2016-04-14"),
    (20, "天使", "石头城校友创投", 2, "2016-08-09"),
    (24, "天使", "秦淮科创基金", 1.5, "2017-07-19"),
    (33, "天使", "玄武湖天使基金", 1.2, "2016-01-15"),
    (36, "天使", "石头城校友创投", 1, "2017-09-09"),
    (16, "天使", "玄武湖天使基金", 5, "2014-06-12"),
]

MAKER_SPACES = [
    # (name, level, operator, unit code)
    ("秦淮云谷众创空间", Level.MUNICIPAL, "南京云谷孵化器管理有限公司", "gaoxin_park"),
    ("白鹭洲创客工场", Level.MUNICIPAL, "南京白鹭洲科技服务有限公司", "gaoxin_park"),
    ("国创园领航空间", Level.MUNICIPAL, "国创园运营管理中心", "guochuang_park"),
    ("金陵海归创业营", Level.MUNICIPAL, "南京海归创业服务有限公司", "guochuang_park"),
    ("夫子庙文创空间", Level.MUNICIPAL, "夫子庙文化产业服务中心", "fuzimiao"),
    ("双塘青创工坊", Level.MUNICIPAL, "双塘科技服务有限公司", "shuangtang"),
    ("1865创意工场", Level.MUNICIPAL, "1865园区运营有限公司", "creative_1865"),
    ("秦虹智造空间", Level.MUNICIPAL, "秦虹众创服务有限公司", "qinhong"),
    ("月牙湖电商谷", Level.MUNICIPAL, "月牙湖电商服务有限公司", "yueyahu"),
    ("中华门青年创业驿站", Level.DISTRICT, "中华门街道青年创业服务站", "zhonghuamen"),
    ("瑞金路创客咖啡", Level.DISTRICT, "瑞金路创客咖啡有限公司", "ruijinlu"),
    ("朝天宫文博创意空间", Level.DISTRICT, "朝天宫文博创意服务中心", "chaotiangong"),
]

MENTORS = [
    # (name, field, organisation, unit code or None, positions of enterprises mentored)
    ("顾明远", "云计算架构", "石城大学计算机系", None, (0, 4, 16, 20)),
    ("沈若兰", "企业融资", "紫金山创业投资", None, (1, 17, 28, 45)),
    ("陆一鸣", "智能交通系统", "钟山理工大学交通学院", "gaoxin_park", (2, 6, 13)),
    ("何静怡", "电子商务运营", "秦淮电商协会", "fuzimiao", (28, 30, 34)),
    ("唐振华", "上市辅导", "金陵联合证券", None, (0, 2, 16, 28)),
    ("周佩文", "知识产权", "秦淮知识产权服务中心", "guochuang_park", (17, 19, 21)),
    ("吴启航", "文化创意产业", "金陵艺术学院", "creative_1865", (50, 51, 52)),
    ("林书珩", "财务管理", "金陵会计师事务所", "shuangtang", (38, 39, 41)),
]

EVALUATORS = ["紫金山创业投资", "钟阜银行科技支行", "石城银行秦淮支行", "秦淮科创基金"]


def _brand(i: int) -> str:
    # 11 is coprime to 18 × 14, so the first 252 positions get distinct brands.
    j = (i * 11) % (len(BRAND_FIRST) * len(BRAND_SECOND))
    return BRAND_FIRST[j // len(BRAND_SECOND)] + BRAND_SECOND[j % len(BRAND_SECOND)]


def _credit_code(i: int) -> str:
    from stdnum.cn import uscc

    # 320104 is Qinhuai District's administrative division code.
    body = f"91320104MA{1_000_000 + i * 7_919:07d}"[:17]
    return body + uscc.calc_check_digit(body)


def _revenue_target(i: int) -> Decimal:
    if i == NO_REVENUE:
        return Decimal(0)
    if i in LARGE:
        return Decimal(str(LARGE[i])) * M
    return Decimal(str(SMALL[i % len(SMALL)])) * M


def _registration(i: int) -> datetime.date:
    if i == NO_REVENUE:
        return datetime.date(2015, 6, 18)
    year = 2011 + (i * 7) % 6  # 2011–2016
    return datetime.date(year, 1 + (i * 5) % 12, 1 + (i * 11) % 28)


def _quarters(i: int, registered_on: datetime.date) -> list[tuple[int, int]]:
    first_q = (registered_on.month - 1) // 3 + 1
    periods = []
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        for q in range(1, 5):
            if (year, q) < (registered_on.year, first_q):
                continue
            if i in NO_RECENT_REPORTS and (year, q) >= (2017, 3):
                continue
            if i in GAP_2015 and (year, q) == (2015, 2):
                continue
            if (i, (year, q)) == ACCOUNT_GAP:
                continue
            if i in (MOVED_OUT, DEREGISTERED) and (year, q) >= (2017, 3):
                continue
            periods.append((year, q))
    return periods


def _split(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Whole yuan per quarter, adding up to ``total`` exactly."""
    whole = sum(weights)
    parts = [(total * w / whole).quantize(Decimal(1), rounding=ROUND_DOWN) for w in weights]
    parts[-1] += total - sum(parts)
    return parts


def _reports(i: int, enterprise: Enterprise) -> list[OperatingReport]:
    periods = _quarters(i, enterprise.registered_on)
    if not periods:
        return []
    growth = Decimal("1.03") + Decimal((i * 3) % 10) / 100  # 3–12 % a quarter
    season = {1: Decimal("0.85"), 2: Decimal("1.0"), 3: Decimal("1.0"), 4: Decimal("1.15")}
    weights = []
    for t, (year, q) in enumerate(periods):
        w = growth**t * season[q]
        if i in DECLINING and year == LAST_YEAR:
            w *= Decimal("0.55")
        weights.append(w)
    revenue = _split(_revenue_target(i), weights)
    # Sales include income outside the main business: 7–22 % more.
    sales_ratio = Decimal("1.07") + Decimal((i * 7) % 16) / 100
    sales = _split((_revenue_target(i) * sales_ratio).quantize(Decimal(1)), weights)
    rows = []
    for (year, q), rev, sale in zip(periods, revenue, sales, strict=True):
        employees = 6 + int(rev / 150_000) + i % 5
        rows.append(
            OperatingReport(
                enterprise=enterprise,
                period_kind=PeriodKind.QUARTER,
                year=year,
                quarter=q,
                sales=sale,
                main_revenue=rev,
                net_profit=(rev * Decimal("0.09") - Decimal(60_000)).quantize(Decimal(1)),
                tax_paid=(sale * Decimal("0.05")).quantize(Decimal(1)),
                employees=employees,
                insured_employees=employees - employees // 8,
                rnd_spend=(rev * Decimal("0.08") + Decimal(40_000)).quantize(Decimal(1)),
                patents_filed=(i + q + year) % 4,
                patents_granted=(i + year) % 3 if q == 4 else 0,
                version=1,
                is_current=True,
                submitted_at=timezone.make_aware(datetime.datetime(year + (q == 4), q % 4 * 3 + 1, 15, 10)),
            )
        )
    if i == CORRECTED:
        for row in rows:
            if (row.year, row.quarter) == (2017, 2):
                corrected = OperatingReport(
                    **{
                        f.attname: getattr(row, f.attname)
                        for f in OperatingReport._meta.concrete_fields
                        if f.attname != "id"
                    }
                )
                row.is_current = False
                # The first filing left out an export contract booked late in the quarter.
                row.sales -= Decimal(400_000)
                row.main_revenue -= Decimal(400_000)
                corrected.version = 2
                corrected.submitted_at = timezone.make_aware(datetime.datetime(2017, 8, 2, 9))
                rows.append(corrected)
                break
    return rows


def _officers() -> dict[int, User]:
    """The demo officer of each unit that has one (the liaison and owner of its plan items)."""
    officers = {}
    for user in User.objects.filter(role__in=[Role.STREET, Role.PARK], is_active=True).order_by("pk"):
        officers.setdefault(user.org_unit_id, user)
    return officers


def _industries() -> dict[str, Industry]:
    found = {}
    for code, (name, name_en, leading, order, _suffix) in INDUSTRIES.items():
        found[code], _created = Industry.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "leading": leading, "order": order}
        )
    return found


@transaction.atomic
def seed(stdout) -> None:
    units = {u.code: u for u in OrgUnit.objects.filter(code__in=[c for c, _n in UNIT_PLAN])}
    if len(units) != len(UNIT_PLAN):
        stdout.write("enterprises: the demo units are missing; run the core demo first")
        return
    industries = _industries()
    officers = _officers()
    office = User.objects.filter(role=Role.OFFICE, is_active=True).order_by("pk").first()

    spaces = {}
    for name, level, operator, unit_code in MAKER_SPACES:
        spaces[name], _created = MakerSpace.objects.get_or_create(
            name=name,
            defaults={"level": level, "operator": operator, "org_unit": OrgUnit.objects.get(code=unit_code)},
        )
    space_by_unit: dict[int, MakerSpace] = {}
    for space in spaces.values():
        space_by_unit.setdefault(space.org_unit_id, space)

    plan = [(units[code], n) for code, n in UNIT_PLAN]
    enterprises: dict[int, Enterprise] = {}
    position = 0
    talents_by_unit: dict[int, list[Talent]] = {}
    founders_missing = 0
    for unit, count in plan:
        talents = talents_by_unit.setdefault(unit.pk, list(Talent.objects.filter(org_unit=unit).order_by("pk")))
        for k in range(count):
            i = position
            position += 1
            industry_code = INDUSTRY_CYCLE[i % len(INDUSTRY_CYCLE)]
            suffix = INDUSTRIES[industry_code][4]
            registered_on = _registration(i)
            listing, listed_on = Listing.NONE, None
            if i in NEEQ:
                listing, listed_on = Listing.NEEQ, NEEQ[i]
            elif i in OTHER_BOARD:
                listing, listed_on = Listing.OTHER, OTHER_BOARD[i]
            status, changed_on = EnterpriseStatus.ACTIVE, None
            if i == MOVED_OUT:
                status, changed_on = EnterpriseStatus.MOVED_OUT, datetime.date(2017, 9, 15)
            elif i == DEREGISTERED:
                status, changed_on = EnterpriseStatus.DEREGISTERED, datetime.date(2017, 8, 31)
            capital = Decimal(str(SMALL[(i * 3) % len(SMALL)])) * M + Decimal(1_000_000)
            enterprise, _created = Enterprise.objects.get_or_create(
                credit_code=_credit_code(i),
                defaults={
                    "name": f"南京{_brand(i)}{suffix}有限公司",
                    "registered_on": registered_on,
                    "moved_in_on": registered_on + datetime.timedelta(days=(i % 4) * 30),
                    "registered_capital": capital,
                    "paid_in_capital": (capital * Decimal("0.6")).quantize(Decimal(1)),
                    "address": f"南京市秦淮区{unit.name}{(i * 37) % 300 + 1}号",
                    "org_unit": unit,
                    "industry": industries[industry_code],
                    "maker_space": space_by_unit.get(unit.pk) if i % 3 == 0 else None,
                    "listing": listing,
                    "listed_on": listed_on,
                    "liaison_officer": officers.get(unit.pk, office),
                },
            )
            if _created and status != EnterpriseStatus.ACTIVE:
                # Moved out or deregistered in 2017: through the workflow, by the unit's officer.
                enterprise.status_changed_on = changed_on
                ENTERPRISE_WORKFLOW.apply(
                    enterprise,
                    action=ENTERPRISE_WORKFLOW.action_between(EnterpriseStatus.ACTIVE, status).action,
                    actor=officers.get(unit.pk, office),
                    extra_fields=("status_changed_on",),
                )
            enterprises[i] = enterprise
            if not talents:
                founders_missing += 1
                continue
            lead = talents[k % len(talents)]
            Founder.objects.get_or_create(
                enterprise=enterprise,
                talent=lead,
                defaults={
                    "equity_share": Decimal(51 + (i * 7) % 25),
                    "is_legal_representative": True,
                    "full_time": i != NOT_FULL_TIME,
                    "not_full_time_since": datetime.date(2017, 3, 1) if i == NOT_FULL_TIME else None,
                },
            )
            partner = talents[(k + count) % len(talents)]
            if i % 4 == 1 and partner.pk != lead.pk:
                Founder.objects.get_or_create(
                    enterprise=enterprise, talent=partner, defaults={"equity_share": Decimal(10 + i % 15)}
                )

    reports = [r for i, e in enterprises.items() for r in _reports(i, e)]
    OperatingReport.objects.bulk_create(reports, ignore_conflicts=True)

    for i, round_name, investor, amount, closed_on in ROUNDS:
        FinancingRound.objects.get_or_create(
            enterprise=enterprises[i],
            round=round_name,
            closed_on=datetime.date.fromisoformat(closed_on),
            defaults={"investor": investor, "amount": Decimal(str(amount)) * M},
        )

    _evaluations(enterprises)
    _service(enterprises, officers, office)
    for name, field, organisation, unit_code, mentored in MENTORS:
        mentor, _created = Mentor.objects.get_or_create(
            name=name,
            defaults={
                "field": field,
                "organisation": organisation,
                "org_unit": OrgUnit.objects.get(code=unit_code) if unit_code else None,
            },
        )
        mentor.enterprises.add(*(enterprises[i] for i in mentored))

    counts = figures_recompute()
    figures = enterprise_figures()
    spaces_count = maker_space_counts()
    stdout.write(
        "enterprises: {count} active ({all} in all), cumulative sales {sales} yuan, financing {fin} yuan, "
        "{t10} at ≥10M revenue ({t50} at ≥50M), {neeq} on the NEEQ, {ms} municipal-level maker spaces, "
        "{changes} class changes recorded".format(
            count=figures["count"],
            all=counts["enterprises"],
            sales=figures["cumulative_sales"],
            fin=figures["cumulative_financing"],
            t10=figures["revenue_10m_plus"],
            t50=figures["revenue_50m_plus"],
            neeq=figures["neeq_listed"],
            ms=spaces_count["municipal_level"],
            changes=counts["class_changes"],
        )
    )
    if founders_missing:
        stdout.write(f"enterprises: {founders_missing} enterprises have no founder (their unit has no talents yet)")


def _evaluations(enterprises: dict[int, Enterprise]) -> None:
    """Half-yearly grades for the first forty enterprises, mostly A and B, with a D and a C twice."""
    for i, enterprise in enterprises.items():
        if i >= 40 or enterprise.registered_on.year > 2016:
            continue
        for year, half in ((2016, 1), (2016, 2), (2017, 1), (2017, 2)):
            grade = "AB"[(i + half + year) % 2] if i % 5 else "B"
            if i == GRADE_D and (year, half) == (2017, 2):
                grade = "D"
            if i == GRADE_C_TWICE and year == 2017:
                grade = "C"
            if i in DECLINING and (year, half) == (2017, 2):
                grade = "C"
            score = {"A": 91, "B": 80, "C": 64, "D": 45}[grade] + (i % 7)
            Evaluation.objects.get_or_create(
                enterprise=enterprise,
                year=year,
                half=half,
                evaluator=EVALUATORS[(i + half) % len(EVALUATORS)],
                defaults={
                    "grade": grade,
                    "score": Decimal(score),
                    "comments": "经营情况良好，按计划推进。"
                    if grade in "AB"
                    else "营收下滑，需关注资金使用与团队稳定。",
                    "evaluated_on": datetime.date(year, 7 if half == 1 else 12, 20),
                },
            )


def _service(enterprises: dict[int, Enterprise], officers: dict[int, User], office) -> None:
    """Plan items (some overdue, some done) and visits for the demo officers' enterprises."""
    today = clock.today()
    kinds = list(SupportKind)
    titles = {
        SupportKind.MENTORING: "创业导师一对一辅导",
        SupportKind.INVESTMENT: "对接投资机构路演",
        SupportKind.FIRST_PURCHASE: "申报政府首购产品目录",
        SupportKind.LISTING: "新三板挂牌辅导",
        SupportKind.SPACE: "协调扩租办公用房",
        SupportKind.HOUSING: "落实人才公寓",
        SupportKind.OTHER: "协助申报高新技术企业",
    }
    for i, enterprise in enterprises.items():
        if i % 2:
            continue
        owner = officers.get(enterprise.org_unit_id, office)
        for n in range(1 + i % 3):
            kind = kinds[(i + n) % len(kinds)]
            state = (i // 2 + n) % 4
            if not SupportPlanItem.objects.filter(enterprise=enterprise, kind=kind, title=titles[kind]).exists():
                # Created in its story's state through the workflow, which logs it (its owner's).
                SUPPORT_WORKFLOW.create_record(
                    actor=owner,
                    state=[
                        SupportStatus.PLANNED,
                        SupportStatus.IN_PROGRESS,
                        SupportStatus.PLANNED,
                        SupportStatus.DONE,
                    ][state],
                    enterprise=enterprise,
                    kind=kind,
                    title=titles[kind],
                    owner=owner,
                    # Overdue (open, due in the past), due soon, or done with an outcome.
                    due_on=today + datetime.timedelta(days=(-20 - i) if state in (0, 1) else 30 + i),
                    outcome="已完成对接，企业反馈良好。" if state == 3 else "",
                    completed_on=today - datetime.timedelta(days=5) if state == 3 else None,
                )
        if enterprise.org_unit_id in officers:
            Visit.objects.get_or_create(
                enterprise=enterprise,
                visited_on=datetime.date(2017, 3 + i % 9, 10 + i % 15),
                topic="季度走访：经营情况与用工需求",
                defaults={
                    "officer": officers[enterprise.org_unit_id],
                    "notes": "企业反映办公场地紧张，研发团队需扩充。",
                    "follow_up": "协调园区扩租，推荐参加人才招聘会。",
                },
            )


def demo_counts() -> dict:
    """Row counts of the demo tables (for the idempotency test)."""
    models = (Enterprise, Founder, OperatingReport, FinancingRound, Evaluation, SupportPlanItem, Visit, Mentor)
    counts = {m.__name__: m.objects.count() for m in models}
    counts["MakerSpace"] = MakerSpace.objects.aggregate(n=Count("pk"))["n"]
    return counts
