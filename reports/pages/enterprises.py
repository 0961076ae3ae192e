"""The talent-enterprise report: the active enterprises by revenue tier, class, unit and industry,
and the maker spaces."""

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from enterprises import selectors as enterprises_selectors
from enterprises.models import Enterprise, EnterpriseClass, Listing, MakerSpace, RevenueTier
from qinhuai_talent.core.money import to_money
from talents.models import Level

from .. import forms
from ..links import page_url
from ..selectors import ZERO, level_order
from .base import (
    COUNT,
    MONEY_WAN,
    MONEY_YI,
    Cell,
    Column,
    Figure,
    Records,
    Report,
    Table,
    label_of,
    name_of,
    sum_money,
    unit_keys,
)

# ---------------------------------------------------------------- enterprises by tier and class

TEN_M_PLUS = [RevenueTier.TEN_M.value, RevenueTier.FIFTY_M.value]


class EnterprisesReport(Report):
    key = "enterprises"
    title = pgettext_lazy("report page", "Talent enterprises by tier and class")
    form_class = forms.EnterpriseReportForm

    def period_label(self) -> str:
        return _("to date")

    @cached_property
    def enterprises(self) -> QuerySet:
        d = self.data
        qs = self.scope.apply(Enterprise.objects.all())
        if d["status"] != forms.ANY_STATUS:
            qs = qs.filter(status=d["status"])
        if d.get("industry"):
            qs = qs.filter(industry=d["industry"])
        if d.get("enterprise_class"):
            qs = qs.filter(enterprise_class=d["enterprise_class"])
        if d.get("revenue_tier"):
            qs = qs.filter(revenue_tier__in=d["revenue_tier"])
        if d.get("listing"):
            qs = qs.filter(listing=d["listing"])
        return qs

    @cached_property
    def _tier_class(self) -> list[dict]:
        """Count and cumulative figures by revenue tier × class (one query)."""
        return list(
            self.enterprises.values("revenue_tier", "enterprise_class")
            .annotate(
                n=Count("id"),
                neeq=Count("id", filter=Q(listing=Listing.NEEQ)),
                sales=sum_money("cumulative_sales"),
                revenue=sum_money("cumulative_revenue"),
                financing=sum_money("cumulative_financing"),
            )
            .order_by()
        )

    @cached_property
    def _maker_spaces(self) -> dict:
        return enterprises_selectors.maker_space_counts(self.scope.units)

    def figures(self) -> list[Figure]:
        rows = self._tier_class

        def total(key: str, tiers=None):
            return sum((r[key] for r in rows if tiers is None or r["revenue_tier"] in tiers), 0)

        return [
            Figure(_("Enterprises"), total("n"), url=self.url(records="enterprises")),
            Figure(_("Cumulative sales"), to_money(total("sales")), MONEY_YI),
            Figure(_("Cumulative financing"), to_money(total("financing")), MONEY_YI),
            Figure(
                _("Revenue of 10 million yuan or more"),
                total("n", TEN_M_PLUS),
                url=self.url(revenue_tier=TEN_M_PLUS, records="enterprises"),
            ),
            Figure(
                _("Revenue of 50 million yuan or more"),
                total("n", ["50m"]),
                url=self.url(revenue_tier=["50m"], records="enterprises"),
            ),
            Figure(_("Listed on the NEEQ"), total("neeq"), url=self.url(listing="neeq", records="enterprises")),
            Figure(
                _("Municipal-level maker spaces"),
                self._maker_spaces["municipal_level"],
                url=self.url(records="maker_spaces", space_level=Level.MUNICIPAL),
            ),
        ]

    def _money_columns(self) -> list[Column]:
        return [
            Column(_("Enterprises"), COUNT),
            Column(_("Cumulative sales"), MONEY_WAN),
            Column(_("Cumulative main-business revenue"), MONEY_WAN),
            Column(_("Cumulative financing"), MONEY_WAN),
        ]

    def _rollup(self, field_name: str, choices, label, title, url_of) -> Table:
        table = Table(f"by_{field_name}", title, [Column(label)] + self._money_columns())
        sums = {c: {"n": 0, "sales": ZERO, "revenue": ZERO, "financing": ZERO} for c in choices.values}
        for r in self._tier_class:
            entry = sums.setdefault(r[field_name], {"n": 0, "sales": ZERO, "revenue": ZERO, "financing": ZERO})
            for k in entry:
                entry[k] += r[k]
        for code, s in sums.items():
            url = url_of(code)
            table.add(Cell(label_of(choices, code), url), Cell(s["n"], url), s["sales"], s["revenue"], s["financing"])
        table.set_total(
            pgettext("report", "Total"),
            *(sum((s[k] for s in sums.values()), 0) for k in ("n", "sales", "revenue", "financing")),
        )
        return table

    def tables(self) -> list[Table]:
        by_tier = self._rollup(
            "revenue_tier",
            RevenueTier,
            _("Revenue tier"),
            _("Enterprises by revenue tier (cumulative main-business revenue)"),
            lambda code: self.url(revenue_tier=[code], records="enterprises"),
        )
        by_class = self._rollup(
            "enterprise_class",
            EnterpriseClass,
            _("Class"),
            _("Enterprises by class"),
            lambda code: self.url(enterprise_class=code, records="enterprises"),
        )
        return [by_tier, by_class, self._unit_table(), self._industry_table(), self._maker_space_table()]

    def _unit_table(self) -> Table:
        table = Table(
            "by_unit",
            _("Enterprises by unit"),
            [
                Column(_("Unit")),
                Column(_("Enterprises"), COUNT),
                Column(_("Revenue of 10 million yuan or more"), COUNT),
                Column(_("Revenue of 50 million yuan or more"), COUNT),
                Column(_("Listed on the NEEQ"), COUNT),
                Column(_("Cumulative sales"), MONEY_WAN),
                Column(_("Cumulative financing"), MONEY_WAN),
            ],
        )
        keys = ("n", "ten", "fifty", "neeq", "sales", "financing")
        totals = dict.fromkeys(keys, 0)
        for r in (
            self.enterprises.values(*unit_keys())
            .annotate(
                n=Count("id"),
                ten=Count("id", filter=Q(revenue_tier__in=TEN_M_PLUS)),
                fifty=Count("id", filter=Q(revenue_tier=RevenueTier.FIFTY_M)),
                neeq=Count("id", filter=Q(listing=Listing.NEEQ)),
                sales=sum_money("cumulative_sales"),
                financing=sum_money("cumulative_financing"),
            )
            .order_by("org_unit__code")
        ):
            for k in keys:
                totals[k] += r[k]
            code = r["org_unit__code"]
            table.add(
                Cell(name_of(r, "org_unit"), self.url(org_unit=code, records="enterprises")),
                Cell(r["n"], self.url(org_unit=code, records="enterprises")),
                Cell(r["ten"], self.url(org_unit=code, revenue_tier=TEN_M_PLUS, records="enterprises")),
                Cell(r["fifty"], self.url(org_unit=code, revenue_tier=["50m"], records="enterprises")),
                Cell(r["neeq"], self.url(org_unit=code, listing="neeq", records="enterprises")),
                r["sales"],
                r["financing"],
            )
        table.set_total(pgettext("report", "Total"), *(totals[k] for k in keys))
        return table

    def _industry_table(self) -> Table:
        table = Table(
            "by_industry",
            _("Enterprises by industry"),
            [Column(_("Industry"))] + self._money_columns(),
        )
        keys = ("n", "sales", "revenue", "financing")
        totals = dict.fromkeys(keys, 0)
        for r in (
            self.enterprises.values("industry__code", "industry__name", "industry__name_en")
            .annotate(
                n=Count("id"),
                sales=sum_money("cumulative_sales"),
                revenue=sum_money("cumulative_revenue"),
                financing=sum_money("cumulative_financing"),
            )
            .order_by("-revenue", "industry__code")
        ):
            for k in keys:
                totals[k] += r[k]
            url = self.url(industry=r["industry__code"], records="enterprises")
            table.add(Cell(name_of(r, "industry"), url), Cell(r["n"], url), r["sales"], r["revenue"], r["financing"])
        table.set_total(pgettext("report", "Total"), *(totals[k] for k in keys))
        return table

    def _maker_space_table(self) -> Table:
        table = Table(
            "maker_spaces",
            _("Maker spaces by level"),
            [Column(_("Level")), Column(_("Maker spaces"), COUNT)],
            note=_("Maker spaces (众创空间) of the units chosen, whatever the enterprise filters."),
        )
        for level, n in self._maker_spaces["by_level"].items():
            url = self.url(records="maker_spaces", space_level=level)
            table.add(Cell(label_of(Level, level), url), Cell(n, url))
        table.set_total(pgettext("report", "Total"), self._maker_spaces["total"])
        return table

    def records(self) -> Records:
        if self.data["records"] == "maker_spaces":
            return self._maker_space_records()
        columns = [
            Column(_("Enterprise")),
            Column(_("Unit")),
            Column(_("Industry")),
            Column(_("Class")),
            Column(_("Revenue tier")),
            Column(_("Listing")),
            Column(_("Status")),
            Column(_("Cumulative sales"), MONEY_WAN),
            Column(_("Cumulative main-business revenue"), MONEY_WAN),
            Column(_("Cumulative financing"), MONEY_WAN),
        ]
        items = self.enterprises.select_related("org_unit", "industry").order_by("-cumulative_revenue", "name", "pk")

        def row(e: Enterprise) -> list:
            return [
                Cell(e.name, reverse("enterprises:detail", args=[e.pk])),
                e.org_unit.display_name,
                e.industry.display_name,
                e.get_enterprise_class_display(),
                e.get_revenue_tier_display(),
                e.get_listing_display(),
                e.get_status_display(),
                e.cumulative_sales,
                e.cumulative_revenue,
                e.cumulative_financing,
            ]

        return Records(_("Enterprises counted"), columns, items, row)

    def _maker_space_records(self) -> Records:
        qs = self.scope.apply(MakerSpace.objects.all())
        if self.data.get("space_level"):
            qs = qs.filter(level=self.data["space_level"])
        items = (
            qs.select_related("org_unit")
            .annotate(enterprise_count=Count("enterprises"))
            .order_by(level_order(), "name", "pk")
        )
        columns = [
            Column(_("Maker space")),
            Column(_("Level")),
            Column(_("Unit")),
            Column(_("Operator")),
            Column(_("Enterprises hosted"), COUNT),
        ]

        def row(m: MakerSpace) -> list:
            return [
                m.name,
                m.get_level_display(),
                m.org_unit.display_name,
                m.operator,
                Cell(m.enterprise_count, page_url("enterprises:list", maker_space=m.pk, status="")),
            ]

        return Records(_("Maker spaces counted"), columns, items, row)
