"""The "1+x" service platform's report: the year's service requests by category, unit, provider
and state; the financing obtained through the platform by instrument; the first purchases."""

from django.db.models import Count, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from enterprises.models import FinancingInstrument
from qinhuai_talent.core.money import to_money
from serviceplatform.models import (
    FinancingRequest,
    FirstPurchase,
    OutcomeResult,
    RequestState,
    ServiceCategory,
    ServiceRequest,
)

from .. import forms
from ..selectors import ZERO
from .base import COUNT, DATE, MONEY_WAN, SCORE, Cell, Column, Figure, Records, Report, Table, label_of, name_of
from .base import unit_keys as _unit_keys

STATES = RequestState.values


class ServicesReport(Report):
    key = "services"
    title = pgettext_lazy("report page", "Service platform: requests, financing and first purchases")
    form_class = forms.ServicesReportForm

    # ------------------------------------------------------------ the records each figure counts

    @cached_property
    def requests(self) -> QuerySet:
        """The requests filed in the year in scope, narrowed by category, provider and state."""
        d = self.data
        qs = self.scope.apply(ServiceRequest.objects.filter(filed_at__year=self.year))
        if d.get("category"):
            qs = qs.filter(category=d["category"])
        if d.get("provider") == forms.NO_PROVIDER:
            qs = qs.filter(provider__isnull=True)
        elif d.get("provider"):
            qs = qs.filter(provider_id=int(d["provider"]))
        if d.get("state"):
            qs = qs.filter(state__in=d["state"])
        return qs

    @cached_property
    def financing(self) -> QuerySet:
        """Financing obtained through the platform: outcomes granted in the year, in scope, by the
        chosen provider (a financing request's category is technology finance; its state is
        delivered or later, so the state filter does not narrow it)."""
        d = self.data
        qs = self.scope.apply(
            FinancingRequest.objects.filter(outcome=OutcomeResult.GRANTED, decided_on__year=self.year),
            "request__org_unit",
        )
        if d.get("category") and d["category"] != ServiceCategory.TECH_FINANCE:
            return qs.none()
        if d.get("provider") == forms.NO_PROVIDER:
            return qs.none()
        if d.get("provider"):
            qs = qs.filter(request__provider_id=int(d["provider"]))
        if d.get("instrument"):
            qs = qs.filter(granted_instrument=d["instrument"])
        return qs

    @cached_property
    def purchases(self) -> QuerySet:
        """First purchases made in the year by the enterprises of the units in scope (no provider,
        category or state: the government buys directly)."""
        return self.scope.apply(FirstPurchase.objects.filter(purchased_on__year=self.year))

    # ------------------------------------------------------------ grouped figures

    def _by(self, *keys: str) -> list[dict]:
        """The requests grouped by ``keys``, counted in every state, and the closed ones' ratings;
        one query."""
        counts = {s: Count("pk", filter=Q(state=s)) for s in STATES}
        return list(
            self.requests.order_by()
            .values(*keys)
            .annotate(
                n=Count("pk"),
                rated=Count("rating", filter=Q(state=RequestState.CLOSED)),
                stars=Sum("rating", filter=Q(state=RequestState.CLOSED)),
                **{f"s_{s}": c for s, c in counts.items()},
            )
        )

    @cached_property
    def by_category(self) -> list[dict]:
        return self._by("category")

    @cached_property
    def by_unit(self) -> list[dict]:
        return self._by(*_unit_keys())

    @cached_property
    def by_provider(self) -> list[dict]:
        return self._by("provider", "provider__name", "provider__name_en")

    @cached_property
    def financing_by_instrument(self) -> dict[str, dict]:
        rows = self.financing.order_by().values("granted_instrument").annotate(n=Count("pk"), s=Sum("granted_amount"))
        return {r["granted_instrument"]: {"count": r["n"], "amount": to_money(r["s"] or 0)} for r in rows}

    @cached_property
    def purchases_by_unit(self) -> list[dict]:
        return list(self.purchases.order_by().values(*_unit_keys()).annotate(n=Count("pk"), s=Sum("amount")))

    @cached_property
    def totals(self) -> dict:
        total = {"n": 0, "rated": 0, "stars": 0, **{f"s_{s}": 0 for s in STATES}}
        for row in self.by_category:
            for key in total:
                total[key] += row[key] or 0
        return total

    # ------------------------------------------------------------ the page

    def _rating(self, row: dict):
        return (to_money(row["stars"] or 0) / row["rated"]).quantize(ZERO) if row["rated"] else None

    def figures(self) -> list[Figure]:
        total = self.totals
        financed = self.financing_by_instrument
        purchases = self.purchases.aggregate(n=Count("pk"), s=Sum("amount"))
        return [
            Figure(_("Service requests filed"), total["n"], url=self.url(records="requests")),
            Figure(
                _("Closed and rated"),
                total[f"s_{RequestState.CLOSED}"],
                url=self.url(records="requests", state=[RequestState.CLOSED]),
            ),
            Figure(_("Average rating"), self._rating(total), SCORE),
            Figure(
                _("Financing obtained through the platform"),
                sum((v["amount"] for v in financed.values()), ZERO),
                MONEY_WAN,
                self.url(records="financing"),
            ),
            Figure(_("First purchases"), purchases["n"], url=self.url(records="purchases")),
            Figure(_("First purchase amount"), to_money(purchases["s"] or 0), MONEY_WAN, self.url(records="purchases")),
        ]

    def _state_columns(self, first: str) -> list[Column]:
        return [
            Column(first),
            Column(_("Requests"), COUNT),
            *(Column(label_of(RequestState, s), COUNT) for s in STATES),
            Column(_("Average rating"), SCORE),
        ]

    def _state_cells(self, row: dict, **where) -> list:
        return [
            Cell(row["n"], self.url(records="requests", **where)),
            *(Cell(row[f"s_{s}"], self.url(records="requests", state=[s], **where)) for s in STATES),
            self._rating(row),
        ]

    def tables(self) -> list[Table]:
        total = self.totals
        by_category = Table("by_category", _("Requests by category and state"), self._state_columns(_("Category")))
        order = {c: i for i, c in enumerate(ServiceCategory.values)}
        for row in sorted(self.by_category, key=lambda r: order.get(r["category"], 99)):
            code = row["category"]
            by_category.add(
                Cell(label_of(ServiceCategory, code), self.url(category=code)),
                *self._state_cells(row, category=code),
            )
        by_category.set_total(pgettext("report", "Total"), *self._state_cells(total))

        by_unit = Table("by_unit", _("Requests by unit and state"), self._state_columns(_("Unit")))
        for row in sorted(self.by_unit, key=lambda r: r["org_unit__code"]):
            code = row["org_unit__code"]
            by_unit.add(Cell(name_of(row, "org_unit"), self.url(org_unit=code)), *self._state_cells(row, org_unit=code))
        by_unit.set_total(pgettext("report", "Total"), *self._state_cells(total))

        by_provider = Table(
            "by_provider",
            _("Requests by provider and state"),
            self._state_columns(_("Provider")),
            note=_("Requests not yet routed wait for their unit to assign a provider."),
        )
        for row in sorted(self.by_provider, key=lambda r: (r["provider"] is None, r["provider__name"] or "")):
            value = str(row["provider"]) if row["provider"] else forms.NO_PROVIDER
            name = name_of(row, "provider") or row["provider__name"] if row["provider"] else _("Not yet routed")
            by_provider.add(Cell(name, self.url(provider=value)), *self._state_cells(row, provider=value))
        by_provider.set_total(pgettext("report", "Total"), *self._state_cells(total))

        financing = Table(
            "financing",
            _("Financing obtained through the platform by instrument"),
            [Column(_("Instrument")), Column(_("Outcomes granted"), COUNT), Column(_("Amount granted"), MONEY_WAN)],
            note=_("Outcomes decided in the year; an equity outcome is also a financing round of the enterprise."),
        )
        financed = self.financing_by_instrument
        for code in FinancingInstrument.values:
            entry = financed.get(code, {"count": 0, "amount": ZERO})
            link = self.url(records="financing", instrument=code)
            financing.add(Cell(label_of(FinancingInstrument, code), link), Cell(entry["count"], link), entry["amount"])
        financing.set_total(
            pgettext("report", "Total"),
            Cell(sum(v["count"] for v in financed.values()), self.url(records="financing")),
            sum((v["amount"] for v in financed.values()), ZERO),
        )

        purchases = Table(
            "purchases",
            _("First purchases by unit"),
            [Column(_("Unit")), Column(_("First purchases"), COUNT), Column(_("Amount"), MONEY_WAN)],
        )
        count, amount = 0, ZERO
        for row in sorted(self.purchases_by_unit, key=lambda r: r["org_unit__code"]):
            code = row["org_unit__code"]
            link = self.url(records="purchases", org_unit=code)
            purchases.add(Cell(name_of(row, "org_unit"), link), Cell(row["n"], link), to_money(row["s"] or 0))
            count, amount = count + row["n"], amount + to_money(row["s"] or 0)
        purchases.set_total(pgettext("report", "Total"), Cell(count, self.url(records="purchases")), amount)
        return [by_category, by_unit, by_provider, financing, purchases]

    # ------------------------------------------------------------ the record lists

    def records(self) -> Records:
        kind = self.data.get("records") or "requests"
        if kind == "financing":
            return self._financing_records()
        if kind == "purchases":
            return self._purchase_records()
        columns = [
            Column(pgettext("report", "Request")),
            Column(_("Enterprise")),
            Column(_("Unit")),
            Column(_("Category")),
            Column(_("Provider")),
            Column(_("State")),
            Column(_("Filed on"), DATE),
            Column(_("Due on"), DATE),
            Column(_("Rating"), COUNT),
        ]
        items = self.requests.select_related("enterprise", "org_unit", "provider").order_by("-filed_at", "-pk")

        def row(r: ServiceRequest) -> list:
            return [
                Cell(f"#{r.pk}", reverse("serviceplatform:request-detail", args=[r.pk])),
                r.enterprise.name,
                r.org_unit.display_name,
                r.get_category_display(),
                r.provider.display_name if r.provider_id else "—",
                r.get_state_display(),
                timezone.localdate(r.filed_at),
                r.due_on,
                r.rating,
            ]

        return Records(_("Service requests counted"), columns, items, row)

    def _financing_records(self) -> Records:
        columns = [
            Column(pgettext("report", "Request")),
            Column(_("Enterprise")),
            Column(_("Unit")),
            Column(_("Provider")),
            Column(_("Instrument")),
            Column(_("Amount granted"), MONEY_WAN),
            Column(_("Rate (percent a year)"), SCORE),
            Column(_("Valuation"), MONEY_WAN),
            Column(_("Decided on"), DATE),
        ]
        items = self.financing.select_related("request__enterprise", "request__org_unit", "request__provider").order_by(
            "-decided_on", "-pk"
        )

        def row(f: FinancingRequest) -> list:
            r = f.request
            return [
                Cell(f"#{r.pk}", reverse("serviceplatform:request-detail", args=[r.pk])),
                Cell(r.enterprise.name, reverse("enterprises:detail", args=[r.enterprise_id])),
                r.org_unit.display_name,
                r.provider.display_name if r.provider_id else "—",
                f.get_granted_instrument_display(),
                f.granted_amount,
                f.rate,
                f.valuation,
                f.decided_on,
            ]

        return Records(_("Financing counted"), columns, items, row)

    def _purchase_records(self) -> Records:
        columns = [
            Column(_("Contract number")),
            Column(_("Enterprise")),
            Column(_("Unit")),
            Column(_("Product")),
            Column(_("Buyer department")),
            Column(_("Purchased on"), DATE),
            Column(_("Amount"), MONEY_WAN),
        ]
        items = self.purchases.select_related("enterprise", "org_unit").order_by("-purchased_on", "-pk")

        def row(p: FirstPurchase) -> list:
            return [
                p.contract_number,
                Cell(p.enterprise.name, reverse("enterprises:detail", args=[p.enterprise_id])),
                p.org_unit.display_name,
                p.product,
                p.buyer,
                p.purchased_on,
                p.amount,
            ]

        return Records(_("First purchases counted"), columns, items, row)
