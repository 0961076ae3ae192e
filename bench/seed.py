"""The city-scale data set (``manage.py seed_scale --scale S``), proportional to S.

S=1: 200 units, 100,000 talents, 150,000 applications with 600,000 expert reviews, 50,000
enterprises with about 2,000,000 quarterly operating reports and 100,000 financing rounds,
40,000 agreements with 160,000 tranches and 400,000 milestones, 100,000 ledger entries.

Distributions are skewed on purpose: unit sizes follow a power law, enterprise sizes a
log-normal, a minority declines or never sells, some stop reporting, quarters go missing,
founders leave, grades fall. Everything is relative to ``as_of`` (the day the recomputes are
evaluated for), so the exit rules and milestones find the mix a real district would.

Rows are generated in Python with a seeded random generator and streamed with COPY, except the
two largest tables, which the database generates itself (``INSERT … SELECT``) from a few
parameters per row that Python draws: the operating reports (half of all rows) from each
enterprise's size, growth, span and headcount, the expert reviews from the applications. Their
per-row randomness is a hash of the row's key and the seed (``hashint8extended`` on PostgreSQL,
the same function registered in Python on SQLite), so the same seed gives the same data.
"""

# The SQL is built from the generator's own constants and the models' table names; values travel
# as COPY data or parameters.
# ruff: noqa: S608

import bisect
import hashlib
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction

from enterprises.models import Enterprise, Evaluation, FinancingRound, Founder, OperatingReport
from funding.models import (
    Agreement,
    ApprovalLimit,
    LedgerEntry,
    Milestone,
    Payout,
    Tranche,
    UseOfFundsReport,
)
from funding.services import ledger_hash
from qinhuai_talent.core.clock import add_months
from qinhuai_talent.core.models import OrgUnit, Role, UnitKind, User
from talents.models import Application, Call, Industry, Program, ReviewAssignment, Talent, Title

from .rows import Loader, TableWriter, _copy_text, bulk_load, insert_select, next_id

UNIT_PREFIX = "scale-"
BENCH_PASSWORD = "bench-qinhuai-2017"
BASE = {
    "units": 200,
    "talents": 100_000,
    "titles": 20_000,
    "applications": 150_000,
    "enterprises": 50_000,
    "financing_rounds": 100_000,
    "agreements": 40_000,
    "ledger": 100_000,
}
REVIEWS_PER_APPLICATION = 4
EXPERTS = 40
TRANCHES_PER_AGREEMENT = 4
SHARES = (Decimal("0.30"), Decimal("0.30"), Decimal("0.20"), Decimal("0.20"))
GRADES = ("A", "B", "C", "D")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉晨宇浩然博文思远子涵雨欣"
WORDS = ("云", "智", "数", "联", "创", "科", "星", "芯", "链", "图", "航", "医", "能", "材", "视", "讯")
# The tables the generator fills in bulk (their indexes and keys are rebuilt after the load).
BULK = [Talent, Title, Application, ReviewAssignment, Enterprise, OperatingReport, FinancingRound, Founder]
BULK += [Evaluation, Agreement, Tranche, Milestone, Payout, UseOfFundsReport, LedgerEntry]


@dataclass
class SeedReport:
    scale: float
    counts: dict = field(default_factory=dict)
    seconds: float = 0.0


def counts_for(scale: float) -> dict[str, int]:
    return {k: max(1, round(v * scale)) for k, v in BASE.items()} | {"units": max(3, round(BASE["units"] * scale))}


def _quarter_of(day: date) -> int:
    return day.year * 4 + (day.month - 1) // 3


def _quarter_start(q: int) -> date:
    return date(q // 4, (q % 4) * 3 + 1, 1)


def _money(x: float) -> Decimal:
    return Decimal(f"{max(x, 0):.2f}")


def _pick_weighted(rng: random.Random, cumulative: list[float]) -> int:
    return min(bisect.bisect(cumulative, rng.random() * cumulative[-1]), len(cumulative) - 1)


# ---------------------------------------------------------------- randomness on the server

_MASK_52 = (1 << 52) - 1
_MASK_64 = (1 << 64) - 1


def _splitmix64(key: int, seed: int) -> int:
    """SQLite's stand-in for PostgreSQL's ``hashint8extended``: another good 64-bit hash, signed."""
    z = (key * 0x9E3779B97F4A7C15 + seed) & _MASK_64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK_64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK_64
    z ^= z >> 31
    return z - (1 << 64) if z >= 1 << 63 else z


def _uniform(key_sql: str, seed: int, stream: int) -> str:
    """SQL for a uniform draw in [0, 1) fixed by the row's key, the seed and the stream number."""
    return f"(CAST(hashint8extended({key_sql}, {seed * 64 + stream}) & {_MASK_52} AS DOUBLE PRECISION) / {2.0**52})"


def _plus_days(sql: str, days: int) -> str:
    if connection.vendor == "postgresql":
        return f"({sql} + INTERVAL '{days} days')"
    return f"datetime({sql}, '+{days} days')"


def _scratch_table(loader: Loader, name: str, columns: list[tuple[str, str]], rows: list[tuple]) -> None:
    """A temporary table of generator parameters, loaded through ``loader``."""
    loader.execute(f"CREATE TEMPORARY TABLE {name} ({', '.join(f'{c} {t}' for c, t in columns)})")
    names = ", ".join(c for c, _t in columns)
    if loader.postgres:
        loader.copy(name, names, "".join("\t".join(map(_copy_text, r)) + "\n" for r in rows))
    else:
        with connection.cursor() as cursor:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {name} ({names}) VALUES ({marks})", rows)


def seed_scale(*, scale: float, as_of: date, seed: int = 2017, log: Callable[[str], None] = print) -> SeedReport:
    """Generate the data set into the current database (which must not hold one already)."""
    started = time.monotonic()
    rng = random.Random(seed)
    n = counts_for(scale)
    report = SeedReport(scale=scale)
    now = datetime.now(UTC)
    last_q = _quarter_of(as_of) - 1  # the last completed quarter
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        connection.connection.create_function("hashint8extended", 2, _splitmix64, deterministic=True)

    with transaction.atomic():
        # ---------------------------------------------------------------- units and users
        unit_ids = []
        for i in range(n["units"]):
            kind = UnitKind.PARK if i % 3 == 2 else (UnitKind.INNOVATION_GROUP if i == 5 else UnitKind.STREET)
            unit = OrgUnit.objects.create(
                code=f"{UNIT_PREFIX}{i:04d}",
                name=f"规模测试{'园区' if kind == UnitKind.PARK else '街道'}{i:04d}",
                name_en=f"Scale unit {i:04d}",
                kind=kind,
            )
            unit_ids.append(unit.pk)
        office_unit, _ = OrgUnit.objects.get_or_create(
            code=f"{UNIT_PREFIX}office",
            defaults={"name": "规模测试人才办", "name_en": "Scale talent office", "kind": UnitKind.DISTRICT_OFFICE},
        )
        # Power-law unit sizes: the biggest street holds many times the smallest.
        unit_weights = []
        acc = 0.0
        for i in range(len(unit_ids)):
            acc += 1 / (i + 1) ** 0.8
            unit_weights.append(acc)
        ApprovalLimit.objects.bulk_create(
            [
                ApprovalLimit(org_unit_id=u, max_amount=Decimal(rng.choice((300_000, 500_000, 800_000))))
                for u in unit_ids
            ]
        )
        password = make_password(BENCH_PASSWORD)
        office = User.objects.create(username="bench-office", role=Role.OFFICE, org_unit=office_unit, password=password)
        User.objects.create(username="bench-street", role=Role.STREET, org_unit_id=unit_ids[0], password=password)
        experts = [
            User.objects.create(username=f"bench-expert-{i:02d}", role=Role.EXPERT, password=password).pk
            for i in range(EXPERTS)
        ]

        programs = list(Program.objects.values_list("pk", flat=True))
        industries = list(Industry.objects.values_list("pk", flat=True))
        years = list(range(as_of.year - 9, as_of.year + 1))
        call_ids = []
        for p in programs:
            for y in years:
                call, _ = Call.objects.get_or_create(
                    program_id=p,
                    year=y,
                    defaults={
                        "title": f"{y} scale call",
                        "opens_on": date(y, 3, 1),
                        "closes_on": date(y, 5, 31),
                        "quota": 50,
                        "state": "finished" if y < as_of.year else "open",
                    },
                )
                call_ids.append((call.pk, y, p))
        ids = {model: next_id(model) for model in BULK}
        ids["ledger_prev"] = LedgerEntry.objects.order_by("-id").values_list("hash", flat=True).first() or ""
        ctx = _Context(rng, seed, n, as_of, now, last_q, unit_ids, unit_weights, industries, ids)

        with bulk_load(BULK):
            loader = Loader()
            try:
                # The database generates the operating reports while Python draws the talents.
                enterprise_plans = _seed_enterprise_plans(ctx, loader, report)
                _seed_talents(ctx, loader, report, call_ids, programs, office.pk, experts)
                loader.wait()
                enterprises = _seed_enterprises(ctx, loader, report, enterprise_plans)
                log(f"enterprises: {report.counts['enterprises']}, reports: {report.counts['operating_reports']}")
                report.counts.update(_seed_funding(ctx, loader, enterprises, programs, office.pk))
                log(f"agreements: {report.counts['agreements']}, ledger: {report.counts['ledger']}")
                loader.wait()
            finally:
                loader.close()
            for name in ("seed_enterprise", "seed_quarter", "seed_expert"):
                with connection.cursor() as cursor:
                    cursor.execute(f"DROP TABLE {name}")

        models = [OrgUnit, User, *BULK, ApprovalLimit, Call]
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            if connection.in_atomic_block:
                cursor.execute("ANALYZE")
            else:
                # Sets the hint bits and the visibility map now, as a restore would, rather than
                # leaving it to autovacuum during the measurements that follow.
                tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
                cursor.execute(f"VACUUM (ANALYZE) {tables}")
    report.seconds = time.monotonic() - started
    return report


@dataclass
class _Context:
    rng: random.Random
    seed: int
    n: dict
    as_of: date
    now: datetime
    last_q: int
    unit_ids: list
    unit_weights: list
    industries: list
    ids: dict

    def unit(self) -> int:
        return self.unit_ids[_pick_weighted(self.rng, self.unit_weights)]


def _seed_talents(ctx: _Context, loader: Loader, report: SeedReport, call_ids, programs, office_id, experts) -> None:
    """Talents, titles and applications in Python; the expert reviews on the server."""
    rng, n, as_of = ctx.rng, ctx.n, ctx.as_of
    years = list(range(as_of.year - 9, as_of.year + 1))
    t0 = ctx.ids[Talent]
    talent_unit = {}
    w = TableWriter(
        Talent,
        ["id", "name", "gender", "birth_date", "id_number", "education", "overseas_experience", "org_unit_id"],
        loader,
    )
    for i in range(n["talents"]):
        tid = t0 + i
        unit = ctx.unit()
        talent_unit[tid] = unit
        w.add(
            (
                tid,
                rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                rng.choice(("male", "male", "female")),
                date(rng.randint(1960, 1998), rng.randint(1, 12), rng.randint(1, 28)),
                f"SCALE{tid:013d}" if rng.random() < 0.7 else "",
                rng.choice(("bachelor", "master", "master", "doctorate", "doctorate")),
                rng.random() < 0.4,
                unit,
            )
        )
    report.counts["talents"] = w.close()
    talents = list(talent_unit)

    w = TableWriter(Title, ["id", "talent_id", "program_id", "year", "origin", "org_unit_id"], loader)
    ti0 = ctx.ids[Title]
    seen = set()
    while len(seen) < n["titles"]:
        tid, p = rng.choice(talents), rng.choice(programs)
        if (tid, p) in seen:
            continue
        seen.add((tid, p))
        origin = "introduced" if rng.random() < 0.6 else "self_cultivated"
        w.add((ti0 + len(seen) - 1, tid, p, rng.choice(years), origin, talent_unit[tid]))
    report.counts["titles"] = w.close()

    a0 = ctx.ids[Application]
    wa = TableWriter(
        Application,
        [
            "id",
            "talent_id",
            "call_id",
            "org_unit_id",
            "industry_id",
            "venture_name",
            "requested_support",
            "source_channel",
            "state",
            "submitted_at",
            "industry_fit",
            "score",
            "created_at",
        ],
        loader,
    )
    shuffled = talents[:]
    rng.shuffle(shuffled)
    channels = ("overseas_station", "contest", "investment_promotion", "referral", "own")
    old_states = ("approved", "rejected", "rejected", "rejected", "withdrawn")
    new_states = ("submitted", "returned", "expert_review", "defense", "public_notice", "approved", "draft")
    for i in range(n["applications"]):
        tid = shuffled[i % len(shuffled)]
        call_id, year, _p = call_ids[(i // len(shuffled) * 7 + tid) % len(call_ids)]
        state = rng.choice(new_states) if year == as_of.year else rng.choice(old_states)
        created = datetime(year, rng.randint(3, 5), rng.randint(1, 28), 9, tzinfo=UTC)
        score = Decimal(f"{rng.gauss(72, 9):.2f}") if state not in ("draft", "submitted", "returned") else None
        aid = a0 + i
        wa.add(
            (
                aid,
                tid,
                call_id,
                talent_unit[tid],
                rng.choice(ctx.industries),
                f"{rng.choice(WORDS)}{rng.choice(WORDS)}项目{aid}",
                _money(rng.choice((1e5, 3e5, 5e5, 1e6, 1.5e6, 2e6))),
                rng.choice(channels),
                state,
                None if state == "draft" else created,
                Decimal(f"{rng.uniform(20, 100):.2f}"),
                score,
                created,
            )
        )
    report.counts["applications"] = wa.close()

    # Four reviews per application by experts seven apart in the panel, from a random first one;
    # scored applications' reviews are submitted twenty days later with a total around 72.
    _scratch_table(loader, "seed_expert", [("i", "integer"), ("user_id", "bigint")], list(enumerate(experts)))
    key = f"a.id * {REVIEWS_PER_APPLICATION} + k.k"
    first = f"CAST(FLOOR({EXPERTS} * {_uniform('a.id', ctx.seed, 1)}) AS INTEGER)"
    gauss = (
        f"(72 + 12 * SQRT(-2 * LN(1 - {_uniform(key, ctx.seed, 2)}))"
        f" * COS({2 * math.pi} * {_uniform(key, ctx.seed, 3)}))"
    )
    ks = " UNION ALL ".join(f"SELECT {k} AS k" for k in range(REVIEWS_PER_APPLICATION))
    insert_select(
        loader,
        ReviewAssignment,
        {
            "application_id": "a.id",
            "expert_id": "x.user_id",
            "assigned_by_id": str(int(office_id)),
            "assigned_at": "a.created_at",
            "submitted_at": f"CASE WHEN a.score IS NOT NULL THEN {_plus_days('a.created_at', 20)} END",
            "total": f"CASE WHEN a.score IS NOT NULL THEN ROUND(CAST({gauss} - 100 * FLOOR({gauss} / 100)"
            " AS NUMERIC), 2) END",
        },
        f"FROM {Application._meta.db_table} a CROSS JOIN ({ks}) k"
        f" JOIN seed_expert x ON x.i = ({first} + 7 * k.k) %% {EXPERTS}"
        " WHERE a.id >= %s AND a.id < %s",
        [a0, a0 + n["applications"]],
    )
    report.counts["reviews"] = n["applications"] * REVIEWS_PER_APPLICATION


@dataclass
class _EnterprisePlan:
    eid: int
    unit: int
    registered: date
    founder: int
    cum_fin: Decimal
    status: str
    grades: list


def _seed_enterprise_plans(ctx: _Context, loader: Loader, report: SeedReport) -> list[_EnterprisePlan]:
    """Each enterprise's parameters, its financing rounds, founders and evaluations in Python; its
    quarterly operating reports generated on the server from the parameters (submitted to
    ``loader``, which runs it while Python goes on)."""
    rng, n, as_of, last_q = ctx.rng, ctx.n, ctx.as_of, ctx.last_q
    e0 = ctx.ids[Enterprise]
    talents = list(range(ctx.ids[Talent], ctx.ids[Talent] + n["talents"]))
    wf = TableWriter(FinancingRound, ["id", "enterprise_id", "investor", "round", "amount", "closed_on"], loader)
    wfo = TableWriter(
        Founder,
        [
            "id",
            "enterprise_id",
            "talent_id",
            "equity_share",
            "is_legal_representative",
            "full_time",
            "not_full_time_since",
        ],
        loader,
    )
    wev = TableWriter(Evaluation, ["id", "enterprise_id", "year", "half", "evaluator", "grade", "evaluated_on"], loader)
    fr_id, fo_id, ev_id = ctx.ids[FinancingRound], ctx.ids[Founder], ctx.ids[Evaluation]
    # Financing is concentrated: most enterprises raise nothing, a few raise many rounds.
    rounds_left = n["financing_rounds"]
    founder_pool = talents[:]
    rng.shuffle(founder_pool)
    params, plans = [], []
    first_qs = []
    n_ent = n["enterprises"]
    for i in range(n_ent):
        eid = e0 + i
        unit = ctx.unit()
        span = int(rng.triangular(6, 72, 46))
        first_q = last_q - span + 1
        first_qs.append(first_q)
        registered = _quarter_start(first_q) + timedelta(days=rng.randint(0, 80))
        kind = rng.random()
        size = math.exp(rng.gauss(12.0, 1.5))
        growth = rng.gauss(-0.04, 0.02) if kind < 0.15 else rng.gauss(0.02, 0.03)
        no_revenue = 0.15 <= kind < 0.19
        stop_q = last_q - rng.randint(2, 8) if rng.random() < 0.06 else last_q
        employees = max(1, int(rng.lognormvariate(2.3, 0.8)))
        params.append((eid, first_q, stop_q, size, growth, int(no_revenue), employees))
        # Rounds: a power law over enterprises, spent by the end.
        k = min(rounds_left, int(rng.paretovariate(1.3)) if rng.random() < 0.5 else 0)
        if i == n_ent - 1:
            k = rounds_left
        rounds_left -= k
        cum_fin = Decimal("0.00")
        for r in range(k):
            amount = _money(size * rng.uniform(2, 40))
            if amount <= 0:
                amount = Decimal("100000.00")
            cum_fin += amount
            closed = registered + timedelta(days=rng.randint(30, max(31, (as_of - registered).days)))
            wf.add(
                (fr_id, eid, f"投资机构{rng.randint(1, 500)}", ("天使", "A", "B", "C", "D")[min(r, 4)], amount, closed)
            )
            fr_id += 1
        founders = [founder_pool[i % len(founder_pool)]]
        for _ in range(rng.choice((0, 0, 1, 2))):
            extra = rng.choice(talents)
            if extra not in founders:
                founders.append(extra)
        for j, tid in enumerate(founders):
            gone = rng.random() < 0.04
            wfo.add(
                (
                    fo_id,
                    eid,
                    tid,
                    Decimal("51.00") if j == 0 else Decimal("10.00"),
                    j == 0,
                    not gone,
                    as_of - timedelta(days=rng.randint(30, 700)) if gone else None,
                )
            )
            fo_id += 1
        status_roll = rng.random()
        status = "active" if status_roll < 0.9 else ("moved_out" if status_roll < 0.96 else "deregistered")
        grades = []
        eval_years = range(max(registered.year + 1, as_of.year - 4), as_of.year) if rng.random() < 0.85 else ()
        base_grade = rng.choices(range(4), weights=(30, 40, 20, 10))[0]
        for y in eval_years:
            g = GRADES[min(3, max(0, base_grade + rng.choice((-1, 0, 0, 0, 1))))]
            wev.add((ev_id, eid, y, None, "第三方评估机构", g, date(y, 12, rng.randint(1, 28))))
            grades.append(g)
            ev_id += 1
        plans.append(_EnterprisePlan(eid, unit, registered, founders[0], cum_fin, status, grades))
    report.counts["financing_rounds"] = wf.close()
    report.counts["founders"] = wfo.close()
    report.counts["evaluations"] = wev.close()

    quarters = []
    for q in range(min(first_qs, default=last_q), last_q + 1):
        submitted = datetime(q // 4, q % 4 * 3 + 1, 15, tzinfo=UTC) + timedelta(days=100)
        quarters.append((q, q // 4, q % 4 + 1, math.sin(q * 1.57), connection.ops.adapt_datetimefield_value(submitted)))
    _scratch_table(
        loader,
        "seed_enterprise",
        [
            ("id", "bigint"),
            ("first_q", "integer"),
            ("stop_q", "integer"),
            ("size", "double precision"),
            ("growth", "double precision"),
            ("no_revenue", "integer"),
            ("emp0", "integer"),
        ],
        params,
    )
    _scratch_table(
        loader,
        "seed_quarter",
        [
            ("q", "integer"),
            ("year", "integer"),
            ("quarter", "integer"),
            ("season", "double precision"),
            ("submitted_at", "timestamp with time zone"),
        ],
        quarters,
    )
    _insert_reports(ctx, loader)
    return plans


def _insert_reports(ctx: _Context, loader: Loader) -> None:
    """Every enterprise reports each quarter from its first to its last (2 % of quarters missing):
    revenue = size × (1 + growth)^age × a seasonal swing × a 0.8–1.2 draw (none for the 4 % that
    never sell); sales a little above revenue; headcount a random walk from the enterprise's own."""
    key = "p.id * 8192 + qt.q"

    def u(stream: int) -> str:
        return _uniform(key, ctx.seed, stream)

    step = (
        f"CASE CAST(FLOOR(6 * {u(2)}) AS INTEGER) WHEN 0 THEN -1 WHEN 3 THEN 1 WHEN 4 THEN 1 WHEN 5 THEN 2 ELSE 0 END"
    )
    inner = (
        "SELECT p.id AS eid, qt.year, qt.quarter, qt.submitted_at, p.size,"
        " CASE WHEN p.no_revenue = 1 THEN 0.0 ELSE p.size * POWER(1 + p.growth, qt.q - p.first_q)"
        f" * (1 + 0.15 * qt.season) * (0.8 + 0.4 * {u(3)}) END AS rev,"
        f" p.emp0 + SUM({step}) OVER (PARTITION BY p.id ORDER BY qt.q) AS walk,"
        f" {u(4)} AS u_sales, {u(5)} AS u_insured, {u(6)} AS u_patents"
        " FROM seed_enterprise p JOIN seed_quarter qt ON qt.q BETWEEN p.first_q AND p.stop_q"
        f" WHERE {u(1)} >= 0.02"
    )
    employees = "(CASE WHEN r.walk < 1 THEN 1 ELSE r.walk END)"
    insured = f"({employees} - CAST(FLOOR(4 * r.u_insured) AS INTEGER))"

    def money(expr: str) -> str:
        return f"ROUND(CAST({expr} AS NUMERIC), 2)"

    insert_select(
        loader,
        OperatingReport,
        {
            "enterprise_id": "r.eid",
            "period_kind": "'quarter'",
            "year": "r.year",
            "quarter": "r.quarter",
            "sales": money("r.rev * (1.0 + 0.2 * r.u_sales)"),
            "main_revenue": money("r.rev"),
            "net_profit": f"{money('r.rev * 0.08')} - {money('r.size * 0.02')}",
            "tax_paid": money("r.rev * 0.05"),
            "employees": employees,
            "insured_employees": f"CASE WHEN {insured} < 0 THEN 0 ELSE {insured} END",
            "rnd_spend": money("r.rev * 0.06"),
            "patents_filed": "CASE CAST(FLOOR(5 * r.u_patents) AS INTEGER) WHEN 3 THEN 1 WHEN 4 THEN 2 ELSE 0 END",
            "submitted_at": "r.submitted_at",
        },
        f"FROM ({inner}) r",
    )


_FIGURES = """
SELECT enterprise_id, SUM(sales), SUM(main_revenue), COUNT(*),
       SUM(CASE WHEN rn <= 4 THEN main_revenue ELSE 0 END),
       SUM(CASE WHEN rn > 4 AND rn <= 8 THEN main_revenue ELSE 0 END),
       MAX(CASE WHEN rn = 1 THEN year END), MAX(CASE WHEN rn = 1 THEN quarter END),
       MAX(CASE WHEN rn = 1 THEN employees END)
  FROM (SELECT enterprise_id, sales, main_revenue, year, quarter, employees,
               ROW_NUMBER() OVER (PARTITION BY enterprise_id ORDER BY year DESC, quarter DESC) AS rn
          FROM {table} WHERE enterprise_id >= %s AND enterprise_id < %s) r
 GROUP BY enterprise_id
"""


def _dec(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def _seed_enterprises(ctx: _Context, loader: Loader, report: SeedReport, plans: list[_EnterprisePlan]) -> list:
    """The enterprises with their derived figures, read back from the generated reports."""
    rng, as_of = ctx.rng, ctx.as_of
    e0 = plans[0].eid if plans else ctx.ids[Enterprise]
    with connection.cursor() as cursor:
        cursor.execute(_FIGURES.format(table=OperatingReport._meta.db_table), [e0, e0 + len(plans)])
        figures = {row[0]: row[1:] for row in cursor.fetchall()}
    report.counts["operating_reports"] = sum(f[2] for f in figures.values())
    we = TableWriter(
        Enterprise,
        [
            "id",
            "name",
            "credit_code",
            "registered_on",
            "moved_in_on",
            "registered_capital",
            "paid_in_capital",
            "org_unit_id",
            "industry_id",
            "listing",
            "status",
            "status_changed_on",
            "cumulative_sales",
            "cumulative_revenue",
            "cumulative_financing",
            "revenue_growth",
            "revenue_tier",
            "enterprise_class",
            "latest_grade",
            "latest_report_year",
            "latest_report_quarter",
            "latest_employees",
            "figures_updated_at",
        ],
        loader,
    )
    enterprises = []  # (id, unit, registered_on, founder talent, cumulative revenue, financing, headcount)
    for plan in plans:
        sales, revenue, reports, last4, prev4, year, quarter, employees = figures.get(
            plan.eid, (0, 0, 0, 0, 0, None, None, None)
        )
        cum_sales, cum_rev, last4, prev4 = _dec(sales), _dec(revenue), _dec(last4), _dec(prev4)
        growth_ratio = None
        if reports >= 8 and prev4 > 0:
            growth_ratio = Decimal(f"{float(last4 / prev4) - 1:.4f}")
            growth_ratio = max(min(growth_ratio, Decimal("99999.9999")), Decimal("-99999.9999"))
        tier = "50m" if cum_rev >= 50_000_000 else ("10m" if cum_rev >= 10_000_000 else "none")
        klass = (
            "little_giant"
            if tier == "50m"
            else ("high_growth" if growth_ratio and growth_ratio > Decimal("0.3") else "seed")
        )
        capital = _money(rng.choice((1e6, 2e6, 5e6, 1e7)))
        we.add(
            (
                plan.eid,
                f"南京{rng.choice(WORDS)}{rng.choice(WORDS)}科技有限公司{plan.eid}",
                f"91320104S{plan.eid:09d}"[:18],
                plan.registered,
                plan.registered + timedelta(days=rng.randint(0, 200)) if rng.random() < 0.9 else None,
                capital,
                _money(float(capital) * rng.uniform(0.2, 1.0)),
                plan.unit,
                rng.choice(ctx.industries),
                "neeq" if rng.random() < 0.01 else "none",
                plan.status,
                as_of - timedelta(days=rng.randint(10, 400)) if plan.status != "active" else None,
                cum_sales,
                cum_rev,
                plan.cum_fin,
                growth_ratio,
                tier,
                klass,
                plan.grades[-1] if plan.grades else "",
                year,
                quarter,
                employees,
                ctx.now,
            )
        )
        enterprises.append((plan.eid, plan.unit, plan.registered, plan.founder, cum_rev, plan.cum_fin, employees or 0))
    report.counts["enterprises"] = we.close()
    return enterprises


def _seed_funding(ctx: _Context, loader: Loader, enterprises, programs, office_id) -> dict:
    rng, n, as_of, now = ctx.rng, ctx.n, ctx.as_of, ctx.now
    chosen = rng.sample(enterprises, n["agreements"])
    ag0, tr0, ms0 = ctx.ids[Agreement], ctx.ids[Tranche], ctx.ids[Milestone]
    plans = []  # per agreement: (id, ent tuple, starts_on, total, tranche due dates, n_paid, state)
    for i, ent in enumerate(chosen):
        eid, unit, registered, talent, cum_rev, cum_fin, employees = ent
        latest_start = as_of - timedelta(days=60)
        earliest = max(registered, as_of - timedelta(days=365 * 8))
        starts = earliest + timedelta(days=rng.randint(0, max(0, (latest_start - earliest).days)))
        dues = [add_months(starts, 12 * k) for k in range(TRANCHES_PER_AGREEMENT)]
        n_paid = sum(1 for d in dues if d <= as_of - timedelta(days=120) and rng.random() < 0.93)
        roll = rng.random()
        state = "active" if roll < 0.88 else ("suspended" if roll < 0.93 else "terminated")
        if n_paid == TRANCHES_PER_AGREEMENT:
            state = "completed"
        plans.append([ag0 + i, ent, starts, dues, n_paid, state])
    # Payments are 96 % of the ledger; trim the latest paid tranches of random agreements to fit.
    payments_target = round(n["ledger"] * 0.96)
    paid = sum(p[4] for p in plans)
    order = list(range(len(plans)))
    while paid > payments_target:
        rng.shuffle(order)
        for idx in order:
            if paid <= payments_target:
                break
            if plans[idx][4] > 0:
                plans[idx][4] -= 1
                paid -= 1
                if plans[idx][5] == "completed":
                    plans[idx][5] = "active"

    wag = TableWriter(
        Agreement,
        [
            "id",
            "number",
            "enterprise_id",
            "talent_id",
            "program_id",
            "org_unit_id",
            "startup_grant",
            "rent_subsidy",
            "equity_investment",
            "total",
            "city_share",
            "district_share",
            "paid_total",
            "starts_on",
            "ends_on",
            "state",
            "created_at",
            "created_by_id",
        ],
        loader,
    )
    wt = TableWriter(Tranche, ["id", "agreement_id", "sequence", "planned_amount", "due_on", "state"], loader)
    wm = TableWriter(
        Milestone,
        ["id", "tranche_id", "kind", "threshold", "grade", "target_date", "due_on", "met", "met_on", "evidence"],
        loader,
    )
    wp = TableWriter(
        Payout,
        [
            "id",
            "tranche_id",
            "agreement_id",
            "org_unit_id",
            "amount",
            "factor",
            "explanation",
            "approver_level",
            "state",
            "approved_by_id",
            "approved_at",
            "paid_at",
            "voucher",
            "computed_at",
        ],
        loader,
    )
    wu = TableWriter(
        UseOfFundsReport,
        ["id", "tranche_id", "org_unit_id", "summary", "submitted_on", "accepted", "accepted_on"],
        loader,
    )
    ledger_rows = []
    tid, mid, pid, uid = tr0, ms0, ctx.ids[Payout], ctx.ids[UseOfFundsReport]
    for aid, ent, starts, dues, n_paid, state in plans:
        eid, unit, registered, talent, cum_rev, cum_fin, employees = ent
        grant = Decimal(rng.choice((100_000, 300_000, 500_000, 1_000_000, 1_500_000, 2_000_000)))
        rent = Decimal(rng.choice((0, 0, 60_000, 120_000)))
        equity = Decimal(rng.choice((0, 0, 0, 1_000_000)))
        total = grant + rent + equity
        amounts = [(total * s).quantize(Decimal("0.01")) for s in SHARES]
        amounts[-1] = total - sum(amounts[:-1])
        paid_total = sum(amounts[:n_paid], Decimal("0.00"))
        wag.add(
            (
                aid,
                f"SCALE-{aid:07d}",
                eid,
                talent,
                rng.choice(programs),
                unit,
                grant,
                rent,
                equity,
                total,
                (total / 2).quantize(Decimal("0.01")),
                total - (total / 2).quantize(Decimal("0.01")),
                paid_total,
                starts,
                add_months(starts, 48),
                state,
                now,
                office_id,
            )
        )
        for seq in range(1, TRANCHES_PER_AGREEMENT + 1):
            due = dues[seq - 1]
            is_paid = seq <= n_paid
            t_state = "paid" if is_paid else ("cancelled" if state == "terminated" else "waiting")
            approved_open = not is_paid and state == "active" and seq == n_paid + 1 and rng.random() < 0.02
            if approved_open:
                t_state = "eligible"
            wt.add((tid, aid, seq, amounts[seq - 1], due, t_state))
            for kind, threshold, grade, target in _milestones_for(rng, seq, cum_rev, cum_fin, employees, dues):
                if rng.random() < 0.01:
                    kind, threshold, grade, target = "manual", None, "", None
                met = is_paid or (kind == "manual" and rng.random() < 0.5)
                ms_due = None if rng.random() < 0.5 else due + timedelta(days=rng.randint(0, 90))
                evidence = "现场核查记录" if kind == "manual" and met else ""
                wm.add((mid, tid, kind, threshold, grade, target, ms_due, met, due if met else None, evidence))
                mid += 1
            if is_paid or approved_open:
                paid_at = datetime.combine(due + timedelta(days=30), datetime.min.time(), UTC) if is_paid else None
                wp.add(
                    (
                        pid,
                        tid,
                        aid,
                        unit,
                        amounts[seq - 1],
                        Decimal("1.0000"),
                        "",
                        "unit" if amounts[seq - 1] <= 500_000 else "district",
                        "paid" if is_paid else "approved",
                        office_id,
                        paid_at or now,
                        paid_at,
                        f"PZ{pid:08d}" if is_paid else "",
                        now,
                    )
                )
                if is_paid:
                    ledger_rows.append(
                        (aid, pid, unit, "payment", amounts[seq - 1], f"PZ{pid:08d}", due + timedelta(days=30))
                    )
                    accepted = rng.random() < 0.85
                    wu.add(
                        (
                            uid,
                            tid,
                            unit,
                            "资金使用情况报告",
                            due + timedelta(days=80),
                            accepted,
                            due + timedelta(days=90) if accepted else None,
                        )
                    )
                    uid += 1
                pid += 1
            tid += 1
    counts = {
        "agreements": wag.close(),
        "tranches": wt.close(),
        "milestones": wm.close(),
        "payouts": wp.close(),
        "use_of_funds_reports": wu.close(),
    }
    # Recoveries from terminated agreements fill the rest of the ledger (negative entries).
    terminated = [p for p in plans if p[5] == "terminated" and p[4] > 0] or [p for p in plans if p[4] > 0]
    while len(ledger_rows) < n["ledger"] and terminated:
        aid, ent, starts, dues, n_paid, state = rng.choice(terminated)
        ledger_rows.append(
            (
                aid,
                None,
                ent[1],
                "recovery",
                Decimal("-10000.00"),
                f"ZH{len(ledger_rows):08d}",
                as_of - timedelta(days=rng.randint(1, 300)),
            )
        )
    ledger_rows.sort(key=lambda r: r[6])
    wl = TableWriter(
        LedgerEntry,
        [
            "id",
            "agreement_id",
            "payout_id",
            "org_unit_id",
            "kind",
            "amount",
            "voucher",
            "entry_date",
            "recorded_by_id",
            "recorded_at",
            "note",
            "prev_hash",
            "hash",
        ],
        loader,
    )
    prev = ctx.ids["ledger_prev"]
    lid = ctx.ids[LedgerEntry]
    for aid, payout_id, unit, kind, amount, voucher, day in ledger_rows:
        entry = LedgerEntry(
            agreement_id=aid,
            payout_id=payout_id,
            org_unit_id=unit,
            kind=kind,
            amount=amount,
            voucher=voucher,
            entry_date=day,
            recorded_by_id=office_id,
            recorded_at=datetime.combine(day, datetime.min.time(), UTC),
            note="",
            prev_hash=prev,
        )
        entry.hash = ledger_hash(entry)
        wl.add(
            (lid, aid, payout_id, unit, kind, amount, voucher, day, office_id, entry.recorded_at, "", prev, entry.hash)
        )
        prev = entry.hash
        lid += 1
    counts["ledger"] = wl.close()
    return counts


def _milestones_for(rng, seq, cum_rev, cum_fin, employees, dues):
    """Ten milestones per four tranches (2.5 each): thresholds around the enterprise's own
    figures, so some are met and some are not."""

    def near(x, floor):
        return _money(max(float(x), floor) * rng.uniform(0.5, 1.6))

    if seq == 1:
        return [("registered", None, "", None), ("moved_in", None, "", None)]
    if seq == 2:
        money_kind = "financing" if rng.random() < 0.5 else "revenue"
        base = cum_fin if money_kind == "financing" else cum_rev
        return [
            (money_kind, near(base, 200_000), "", None),
            ("use_of_funds", None, "", None),
            ("employees", Decimal(max(3, int(employees * rng.uniform(0.6, 1.4)))), "", None),
        ]
    if seq == 3:
        return [("grade", None, rng.choice(("A", "B", "B", "C")), None), ("revenue", near(cum_rev, 500_000), "", None)]
    return [("date", None, "", dues[-1]), ("grade", None, "B", None), ("use_of_funds", None, "", None)]


def digest_rows(rows) -> str:
    h = hashlib.sha256()
    for r in rows:
        h.update(repr(tuple(r)).encode())
    return h.hexdigest()
