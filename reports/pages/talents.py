"""The talents reports: titles held by program, level, origin and unit; the year's applications
by program, unit and stage."""

from collections import defaultdict

from django.db.models import Count, F, QuerySet
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from qinhuai_talent.core.models import Role
from talents.models import Application, ApplicationState, Call, Level, Origin, SourceChannel, Title
from talents.workflows import ACTIVE_STATES

from .. import forms
from ..selectors import PIPELINE_STAGES, level_order
from .base import COUNT, SCORE, YEAR, Cell, Column, Figure, Records, Report, Table, label_of, name_of, unit_keys, yes_no

# ---------------------------------------------------------------- talents and titles


class TalentsReport(Report):
    key = "talents"
    title = pgettext_lazy("report page", "Talents and titles")
    form_class = forms.TitleReportForm

    @cached_property
    def titles(self) -> QuerySet:
        """Titles held at the end of the year (awarded in it or before), as talents counts them."""
        qs = self.scope.apply(Title.objects.filter(year__lte=self.year))
        if self.data.get("program"):
            qs = qs.filter(program=self.data["program"])
        if self.data.get("level"):
            qs = qs.filter(program__level=self.data["level"])
        if self.data.get("origin"):
            qs = qs.filter(origin=self.data["origin"])
        return qs

    @cached_property
    def _by_unit_level(self) -> list[dict]:
        return list(
            self.titles.values(*unit_keys(), "program__level").annotate(n=Count("id")).order_by("org_unit__code")
        )

    @cached_property
    def _talents(self) -> dict:
        """Talents holding a title, by unit and in all (a talent may hold several). Two queries."""
        by_unit = {
            r["org_unit__code"]: r["n"]
            for r in self.titles.values("org_unit__code").annotate(n=Count("talent", distinct=True)).order_by()
        }
        return {"by_unit": by_unit, "total": self.titles.aggregate(n=Count("talent", distinct=True))["n"]}

    def figures(self) -> list[Figure]:
        by_level = dict.fromkeys(Level.values, 0)
        for row in self._by_unit_level:
            by_level[row["program__level"]] += row["n"]
        return [
            Figure(_("Titles held"), sum(by_level.values()), url=self.url(level=None)),
            Figure(_("Talents holding titles"), self._talents["total"]),
            *(Figure(Level(lv).label, n, url=self.url(level=lv)) for lv, n in by_level.items()),
        ]

    def tables(self) -> list[Table]:
        return [self._by_program(), self._by_unit()]

    def _by_program(self) -> Table:
        origins = list(Origin)
        table = Table(
            "by_program",
            _("Titles by program, level and origin"),
            [Column(_("Program")), Column(_("Level"))]
            + [Column(o.label, COUNT) for o in origins]
            + [Column(pgettext("report", "Total"), COUNT)],
            note=_("Titles held at the end of the year; a talent is counted once per program."),
        )
        programs: dict[str, dict] = {}
        for r in self.titles.values(
            "program__code", "program__name", "program__name_en", "program__level", "origin"
        ).annotate(n=Count("id")):
            entry = programs.setdefault(
                r["program__code"],
                {"name": name_of(r, "program"), "level": r["program__level"], "origins": defaultdict(int)},
            )
            entry["origins"][r["origin"]] += r["n"]
        totals = dict.fromkeys([o.value for o in origins], 0)
        level_rank = {lv: i for i, lv in enumerate(Level.values)}
        for code, p in sorted(programs.items(), key=lambda kv: (level_rank.get(kv[1]["level"], 9), kv[0])):
            counts = [p["origins"].get(o.value, 0) for o in origins]
            for o, n in zip(origins, counts, strict=True):
                totals[o.value] += n
            table.add(
                Cell(p["name"], self.url(program=code, level=None, origin=None)),
                label_of(Level, p["level"]),
                *(Cell(n, self.url(program=code, origin=o.value)) for o, n in zip(origins, counts, strict=True)),
                Cell(sum(counts), self.url(program=code, origin=None)),
            )
        table.set_total(
            pgettext("report", "Total"),
            "",
            *(Cell(totals[o.value], self.url(origin=o.value)) for o in origins),
            sum(totals.values()),
        )
        return table

    def _by_unit(self) -> Table:
        levels = list(Level)
        table = Table(
            "by_unit",
            _("Titles by unit and level"),
            [Column(_("Unit"))]
            + [Column(lv.label, COUNT) for lv in levels]
            + [Column(_("Titles held"), COUNT), Column(_("Talents holding titles"), COUNT)],
        )
        units: dict[str, dict] = {}
        for r in self._by_unit_level:
            entry = units.setdefault(r["org_unit__code"], {"name": name_of(r, "org_unit"), "levels": defaultdict(int)})
            entry["levels"][r["program__level"]] += r["n"]
        totals = dict.fromkeys(Level.values, 0)
        for code, u in units.items():
            counts = [u["levels"].get(lv.value, 0) for lv in levels]
            for lv, n in zip(levels, counts, strict=True):
                totals[lv.value] += n
            table.add(
                Cell(u["name"], self.url(org_unit=code, level=None)),
                *(Cell(n, self.url(org_unit=code, level=lv.value)) for lv, n in zip(levels, counts, strict=True)),
                sum(counts),
                self._talents["by_unit"].get(code, 0),
            )
        table.set_total(
            pgettext("report", "Total"),
            *(totals[lv.value] for lv in levels),
            sum(totals.values()),
            self._talents["total"],
        )
        return table

    def records(self) -> Records:
        columns = [
            Column(_("Talent")),
            Column(_("Program")),
            Column(_("Level")),
            Column(_("Origin")),
            Column(_("Year awarded"), YEAR),
            Column(_("Unit")),
        ]
        items = self.titles.select_related("talent", "program", "org_unit").order_by(
            level_order("program__level"), "program__code", "org_unit__code", "talent__name", "pk"
        )

        def row(t: Title) -> list:
            return [
                Cell(t.talent.name, reverse("talents:talent-detail", args=[t.talent_id])),
                t.program.display_name,
                label_of(Level, t.program.level),
                t.get_origin_display(),
                t.year,
                t.org_unit.display_name,
            ]

        return Records(_("Titles counted"), columns, items, row)


# ---------------------------------------------------------------- applications by stage


class ApplicationsReport(Report):
    key = "applications"
    title = pgettext_lazy("report page", "Applications by stage")
    # Finance sees money, not reviews.
    roles = (Role.OFFICE, Role.LEADER, Role.STREET, Role.PARK)
    form_class = forms.ApplicationReportForm

    @cached_property
    def applications(self) -> QuerySet:
        """Applications to the year's calls; drafts are the applicant's own and do not count."""
        d = self.data
        qs = self.scope.apply(Application.objects.filter(call__year=self.year).exclude(state=ApplicationState.DRAFT))
        if d.get("program"):
            qs = qs.filter(call__program=d["program"])
        if d.get("level"):
            qs = qs.filter(call__program__level=d["level"])
        if d.get("industry"):
            qs = qs.filter(industry=d["industry"])
        if d.get("source"):
            qs = qs.filter(source_channel=d["source"])
        if d.get("state"):
            qs = qs.filter(state__in=d["state"])
        return qs

    @cached_property
    def _by_program(self) -> list[dict]:
        """Every call of the year (with its quota) and its applications by stage. Two queries."""
        calls = Call.objects.filter(year=self.year)
        if self.data.get("program"):
            calls = calls.filter(program=self.data["program"])
        if self.data.get("level"):
            calls = calls.filter(program__level=self.data["level"])
        counts: dict[str, dict[str, int]] = defaultdict(dict)
        for r in self.applications.values("call__program__code", "state").annotate(n=Count("id")).order_by():
            counts[r["call__program__code"]][r["state"]] = r["n"]
        rows = []
        for c in calls.values("program__code", "program__name", "program__name_en", "quota").order_by(
            level_order("program__level"), "program__code"
        ):
            by_stage = {s: counts[c["program__code"]].get(s, 0) for s in PIPELINE_STAGES}
            rows.append(
                {
                    "code": c["program__code"],
                    "name": name_of(c, "program"),
                    "quota": c["quota"],
                    "by_stage": by_stage,
                    "applications": sum(by_stage.values()),
                    "active": sum(by_stage[s] for s in ACTIVE_STATES),
                }
            )
        return rows

    def figures(self) -> list[Figure]:
        rows = self._by_program
        stage = {s: sum(r["by_stage"][s] for r in rows) for s in PIPELINE_STAGES}
        return [
            Figure(_("Quota"), sum(r["quota"] for r in rows)),
            Figure(_("Applications"), sum(r["applications"] for r in rows), url=self.url(state=None)),
            Figure(_("Under review"), sum(r["active"] for r in rows), url=self.url(state=list(ACTIVE_STATES))),
            Figure(ApplicationState.DEFENSE.label, stage[ApplicationState.DEFENSE], url=self.url(state=["defense"])),
            Figure(ApplicationState.APPROVED.label, stage[ApplicationState.APPROVED], url=self.url(state=["approved"])),
        ]

    def _stage_columns(self) -> list[Column]:
        return [Column(_("Applications"), COUNT), Column(_("Under review"), COUNT)] + [
            Column(ApplicationState(s).label, COUNT) for s in PIPELINE_STAGES
        ]

    def _stage_cells(self, by_stage: dict, **where) -> list[Cell]:
        return [
            Cell(sum(by_stage.values()), self.url(state=None, **where)),
            Cell(sum(by_stage[s] for s in ACTIVE_STATES), self.url(state=list(ACTIVE_STATES), **where)),
            *(Cell(by_stage[s], self.url(state=[s], **where)) for s in PIPELINE_STAGES),
        ]

    def tables(self) -> list[Table]:
        return [self._program_table(), self._unit_table(), *self._industry_and_source_tables()]

    def _program_table(self) -> Table:
        table = Table(
            "by_program",
            _("Applications by program and stage"),
            [Column(_("Program")), Column(_("Quota"), COUNT)] + self._stage_columns(),
            note=_("Under review: submitted, returned, in expert review or defense, recommended, in public notice."),
        )
        total = dict.fromkeys(PIPELINE_STAGES, 0)
        for r in self._by_program:
            for s, n in r["by_stage"].items():
                total[s] += n
            table.add(
                Cell(r["name"], self.url(program=r["code"])),
                r["quota"],
                *self._stage_cells(r["by_stage"], program=r["code"]),
            )
        table.set_total(
            pgettext("report", "Total"), sum(r["quota"] for r in self._by_program), *self._stage_cells(total)
        )
        return table

    def _unit_table(self) -> Table:
        table = Table("by_unit", _("Applications by unit and stage"), [Column(_("Unit"))] + self._stage_columns())
        units: dict[str, dict] = {}
        for r in self.applications.values(*unit_keys(), "state").annotate(n=Count("id")).order_by("org_unit__code"):
            entry = units.setdefault(
                r["org_unit__code"], {"name": name_of(r, "org_unit"), "by_stage": dict.fromkeys(PIPELINE_STAGES, 0)}
            )
            entry["by_stage"][r["state"]] += r["n"]
        total = dict.fromkeys(PIPELINE_STAGES, 0)
        for code, u in units.items():
            for s, n in u["by_stage"].items():
                total[s] += n
            table.add(Cell(u["name"], self.url(org_unit=code)), *self._stage_cells(u["by_stage"], org_unit=code))
        table.set_total(pgettext("report", "Total"), *self._stage_cells(total))
        return table

    def _industry_and_source_tables(self) -> list[Table]:
        industries: dict[str, dict] = {}
        sources = dict.fromkeys(SourceChannel.values, 0)
        for r in self.applications.values(
            "industry__code", "industry__name", "industry__name_en", "industry__leading", "source_channel"
        ).annotate(n=Count("id")):
            entry = industries.setdefault(
                r["industry__code"], {"name": name_of(r, "industry"), "leading": r["industry__leading"], "n": 0}
            )
            entry["n"] += r["n"]
            sources[r["source_channel"]] = sources.get(r["source_channel"], 0) + r["n"]
        by_industry = Table(
            "by_industry",
            _("Applications by industry"),
            [Column(_("Industry")), Column(_("Leading industry of the district")), Column(_("Applications"), COUNT)],
            note=_("Targeted fishing (定向捕鱼): how many applicants come from the district's leading industries."),
        )
        for code, i in sorted(industries.items(), key=lambda kv: (not kv[1]["leading"], -kv[1]["n"], kv[0])):
            by_industry.add(
                Cell(i["name"], self.url(industry=code)), yes_no(i["leading"]), Cell(i["n"], self.url(industry=code))
            )
        by_industry.set_total(pgettext("report", "Total"), "", sum(i["n"] for i in industries.values()))
        by_source = Table(
            "by_source",
            _("Applications by source channel"),
            [Column(_("Source channel")), Column(_("Applications"), COUNT)],
        )
        for code, n in sources.items():
            by_source.add(Cell(label_of(SourceChannel, code), self.url(source=code)), Cell(n, self.url(source=code)))
        by_source.set_total(pgettext("report", "Total"), sum(sources.values()))
        return [by_industry, by_source]

    def records(self) -> Records:
        columns = [
            Column(_("Applicant")),
            Column(_("Venture")),
            Column(_("Program")),
            Column(_("Unit")),
            Column(_("Industry")),
            Column(_("Source channel")),
            Column(_("Stage")),
            Column(_("Expert score"), SCORE),
        ]
        items = self.applications.select_related("talent", "call__program", "org_unit", "industry").order_by(
            level_order("call__program__level"),
            "call__program__code",
            "org_unit__code",
            F("score").desc(nulls_last=True),
            "pk",
        )

        def row(a: Application) -> list:
            return [
                Cell(a.talent.name, reverse("talents:application-detail", args=[a.pk])),
                a.venture_name,
                a.call.program.display_name,
                a.org_unit.display_name,
                a.industry.display_name,
                a.get_source_channel_display(),
                a.get_state_display(),
                a.score,
            ]

        return Records(_("Applications counted"), columns, items, row)
