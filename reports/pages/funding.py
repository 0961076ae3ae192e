"""The funding reports: support funds by unit, source and program, with the tranches and the
ledger behind them; the exit mechanism's flags, cases and recoveries."""

from collections import defaultdict
from datetime import date

from django.db.models import Case, Count, F, OuterRef, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from funding import charges
from funding.models import (
    Agreement,
    AgreementState,
    Budget,
    CaseState,
    ExitCase,
    ExitFlag,
    ExitRule,
    FlagState,
    FundingSource,
    LedgerEntry,
    LedgerKind,
    Payout,
    PayoutState,
    Tranche,
    TrancheState,
)

from .. import forms
from ..selectors import ZERO, funds_by_quarter
from .base import (
    COUNT,
    DATE,
    MONEY,
    MONEY_WAN,
    Cell,
    Column,
    Figure,
    Records,
    Report,
    Table,
    label_of,
    name_of,
    quarter_range,
    sum_money,
    sum_per_agreement,
    unit_keys,
)

# ---------------------------------------------------------------- funding by unit, source and program

# Agreements that commit their total; a terminated one commits what it paid (funding's rule).
COMMITTING = (AgreementState.DRAFT, AgreementState.ACTIVE, AgreementState.SUSPENDED, AgreementState.COMPLETED)
ELIGIBLE_PAYOUTS = (PayoutState.PROPOSED, PayoutState.APPROVED)
# What was paid is the payments less their reversals; recoveries are counted apart.
PAID_KINDS = [LedgerKind.PAYMENT.value, LedgerKind.REVERSAL.value]
MEASURES = ("agreements", "committed", "paid", "eligible", "held", "recovered", "recovery_due")


def _no_funds() -> dict:
    return {"agreements": 0} | dict.fromkeys(MEASURES[1:], ZERO)


class FundingReport(Report):
    key = "funding"
    title = pgettext_lazy("report page", "Support funds by unit, source and program")
    form_class = forms.FundingReportForm

    def _agreement_filters(self, prefix: str = "") -> Q:
        d, q = self.data, Q()
        if d.get("program"):
            q &= Q(**{f"{prefix}program": d["program"]})
        if d.get("source") == forms.NO_BUDGET:
            q &= Q(**{f"{prefix}budget__isnull": True})
        elif d.get("source"):
            q &= Q(**{f"{prefix}{self._primary}__source": d["source"]})
        if d.get("state"):
            q &= Q(**{f"{prefix}state": d["state"]})
        return q

    @cached_property
    def agreements(self) -> QuerySet:
        """The agreements charged to the year: to its budgets, or starting in it when they have none
        (funding's own rule, ``funding.selectors.funding_figures``)."""
        year = Q(budget__year=self.year) | Q(budget__isnull=True, starts_on__year=self.year)
        return self.scope.apply(Agreement.objects.filter(year).filter(self._agreement_filters()))

    @cached_property
    def _primary(self) -> str:
        """The agreement's budget field a row of the report stands for: the district component's
        (``budget``), or the city's (``city_budget``) when the city's source is chosen."""
        return charges.BUDGET_FIELD[
            charges.CITY if self.data.get("source") == FundingSource.CITY_SHARE else charges.DISTRICT
        ]

    @cached_property
    def cube(self) -> dict[tuple, dict]:
        """Every measure by (unit, source, program): each component of an agreement (the district's
        and the city's share) committed and paid under the source of the budget it is charged to
        (``funding.charges``), the per-agreement measures under the row the agreement stands in;
        six grouped queries."""
        cells: dict[tuple, dict] = {}
        chosen = self.data.get("source")
        for component, field in charges.BUDGET_FIELD.items():
            primary = field == self._primary
            if not primary and chosen:
                continue  # a chosen source: only its own component
            rows = self.agreements if primary else self.agreements.filter(**{f"{field}__isnull": False})
            for r in rows.values(
                "org_unit",
                *unit_keys(),
                f"{field}__source",
                "program",
                "program__code",
                "program__name",
                "program__name_en",
            ).annotate(
                n=Count("id"),
                committed=Coalesce(Sum(charges.committed_of(component)), Value(ZERO), output_field=MONEY),
                paid_sum=Coalesce(Sum(charges.paid_of(component)), Value(ZERO), output_field=MONEY),
            ):
                key = (r["org_unit"], r[f"{field}__source"], r["program"])
                cell = cells.setdefault(
                    key,
                    {
                        "unit": (r["org_unit__code"], name_of(r, "org_unit")),
                        "source": r[f"{field}__source"],
                        "program": (r["program__code"], name_of(r, "program")),
                        **_no_funds(),
                        "city": ZERO,
                        "district": ZERO,
                    },
                )
                if primary:
                    cell["agreements"] += r["n"]
                cell["committed"] += r["committed"]
                cell["paid"] += r["paid_sum"]
                cell[component] += r["committed"]
        ids = self.agreements.values("pk")
        group = ("agreement__org_unit", f"agreement__{self._primary}__source", "agreement__program")
        parts = (
            ("eligible", Payout.objects.filter(agreement__in=ids, state__in=ELIGIBLE_PAYOUTS), "amount", 1),
            ("held", Tranche.objects.filter(agreement__in=ids, state=TrancheState.HELD), "planned_amount", 1),
            # Recoveries are negative ledger entries: what came back is their opposite.
            ("recovered", LedgerEntry.objects.filter(agreement__in=ids, kind=LedgerKind.RECOVERY), "amount", -1),
            ("recovery_due", ExitCase.objects.filter(agreement__in=ids), "recovery_due", 1),
        )
        for measure, qs, amount, sign in parts:
            for r in qs.values(*group).annotate(s=sum_money(amount)).order_by():
                cells[tuple(r[g] for g in group)][measure] = sign * r["s"]
        return cells

    def _rollup(self, key: str | None) -> dict:
        """The cube summed by ``unit``, ``source`` or ``program``; by nothing for the total."""
        out: dict = {}
        for cell in self.cube.values():
            entry = out.setdefault(cell[key] if key else None, _no_funds())
            for m in MEASURES:
                entry[m] += cell[m]
        return out

    @cached_property
    def total(self) -> dict:
        return self._rollup(None).get(None, _no_funds())

    def figures(self) -> list[Figure]:
        total = self.total
        return [
            Figure(_("Agreements"), total["agreements"], url=self.url(records="agreements")),
            Figure(_("Committed"), total["committed"], MONEY_WAN, self.url(records="agreements")),
            Figure(_("Paid"), total["paid"], MONEY_WAN, self.url(records="payments", kind=PAID_KINDS)),
            Figure(
                _("Eligible, awaiting payment"),
                total["eligible"],
                MONEY_WAN,
                self.url(records="tranches", tranche_state=[TrancheState.ELIGIBLE]),
            ),
            Figure(
                _("Held by exit flags"),
                total["held"],
                MONEY_WAN,
                self.url(records="tranches", tranche_state=[TrancheState.HELD]),
            ),
            Figure(
                _("Recovered"), total["recovered"], MONEY_WAN, self.url(records="payments", kind=[LedgerKind.RECOVERY])
            ),
        ]

    def _measure_columns(self) -> list[Column]:
        return [
            Column(_("Agreements"), COUNT),
            Column(_("Committed"), MONEY_WAN),
            Column(_("Paid"), MONEY_WAN),
            Column(_("Eligible, awaiting payment"), MONEY_WAN),
            Column(_("Held by exit flags"), MONEY_WAN),
            Column(_("Recovered"), MONEY_WAN),
            Column(_("Amount to recover"), MONEY_WAN),
        ]

    def _measure_cells(self, entry: dict, **where) -> list:
        return [
            Cell(entry["agreements"], self.url(records="agreements", **where)),
            entry["committed"],
            Cell(entry["paid"], self.url(records="payments", kind=PAID_KINDS, **where)),
            Cell(entry["eligible"], self.url(records="tranches", tranche_state=[TrancheState.ELIGIBLE], **where)),
            Cell(entry["held"], self.url(records="tranches", tranche_state=[TrancheState.HELD], **where)),
            Cell(entry["recovered"], self.url(records="payments", kind=[LedgerKind.RECOVERY], **where)),
            entry["recovery_due"],
        ]

    def tables(self) -> list[Table]:
        total = self.total
        by_unit = Table("by_unit", _("Funds by unit"), [Column(_("Unit"))] + self._measure_columns())
        for (code, name), entry in sorted(self._rollup("unit").items()):
            by_unit.add(Cell(name, self.url(org_unit=code)), *self._measure_cells(entry, org_unit=code))
        by_unit.set_total(pgettext("report", "Total"), *self._measure_cells(total))

        by_source = Table(
            "by_source",
            _("Funds by source"),
            [Column(_("Funding source")), Column(_("Budget of the year"), MONEY_WAN)] + self._measure_columns(),
            note=_("Agreements without a budget are charged to the year they start."),
        )
        sources = self._rollup("source")
        budgets = self._budgets()
        for code in [*FundingSource.values, None]:
            if code is None and None not in sources:
                continue
            entry = sources.get(code, _no_funds())
            value = code or forms.NO_BUDGET
            by_source.add(
                Cell(label_of(FundingSource, code) if code else _("No budget"), self.url(source=value)),
                budgets.get(code, ZERO) if code else None,
                *self._measure_cells(entry, source=value),
            )
        by_source.set_total(pgettext("report", "Total"), sum(budgets.values(), ZERO), *self._measure_cells(total))

        by_program = Table("by_program", _("Funds by program"), [Column(_("Program"))] + self._measure_columns())
        for (code, name), entry in sorted(self._rollup("program").items()):
            by_program.add(Cell(name, self.url(program=code)), *self._measure_cells(entry, program=code))
        by_program.set_total(pgettext("report", "Total"), *self._measure_cells(total))

        shares = Table(
            "by_level",
            _("Committed funds by level of government"),
            [Column(_("Level")), Column(_("Committed"), MONEY_WAN)],
            note=_("City and district share an award; the district matches at least one to one."),
        )
        shares.add(pgettext("report", "City share"), sum((c["city"] for c in self.cube.values()), ZERO))
        shares.add(pgettext("report", "District share"), sum((c["district"] for c in self.cube.values()), ZERO))
        return [by_unit, by_source, by_program, shares, self._quarter_table()]

    def _budgets(self) -> dict:
        """The year's budgets by source, of the units and source chosen (one query)."""
        source = self.data.get("source")
        if source == forms.NO_BUDGET:
            return {}
        qs = self.scope.apply(Budget.objects.filter(year=self.year))
        if source:
            qs = qs.filter(source=source)
        return {r["source"]: r["amount"] for r in qs.values("source").annotate(amount=sum_money("amount")).order_by()}

    def _quarter_table(self) -> Table:
        table = Table(
            "by_quarter",
            _("Planned and paid by quarter"),
            [Column(_("Quarter")), Column(pgettext("amount", "Planned"), MONEY_WAN), Column(_("Paid"), MONEY_WAN)],
            note=_("Planned: tranches by the date they fall due; paid: payments less reversals by the date entered."),
        )
        where = self._agreement_filters("agreement__")
        for q in funds_by_quarter(
            self.scope, self.year, tranches=Tranche.objects.filter(where), ledger=LedgerEntry.objects.filter(where)
        ):
            period = f"{q['year']}-Q{q['quarter']}"
            table.add(
                f"{q['year']} Q{q['quarter']}",
                Cell(q["planned"], self.url(records="tranches", period=period, tranche_state=None)),
                Cell(
                    q["paid"],
                    self.url(records="payments", period=period, kind=PAID_KINDS),
                ),
            )
        return table

    def records(self) -> Records:
        which = self.data["records"]
        if which == "tranches":
            return self._tranches()
        if which == "payments":
            return self._payments()
        return self._agreements()

    def _period(self) -> tuple[date, date] | None:
        return quarter_range(*self.data["period"]) if self.data.get("period") else None

    def _agreements(self) -> Records:
        items = (
            self.agreements.select_related("enterprise", "talent", "program", "org_unit", "budget")
            .annotate(
                committed=Case(
                    When(state=AgreementState.TERMINATED, then=F("paid_total")), default=F("total"), output_field=MONEY
                ),
                eligible=sum_per_agreement(
                    Payout.objects.filter(agreement=OuterRef("pk"), state__in=ELIGIBLE_PAYOUTS), "amount"
                ),
                held=sum_per_agreement(
                    Tranche.objects.filter(agreement=OuterRef("pk"), state=TrancheState.HELD), "planned_amount"
                ),
                recovered=sum_per_agreement(
                    LedgerEntry.objects.filter(agreement=OuterRef("pk"), kind=LedgerKind.RECOVERY), "amount"
                ),
            )
            .order_by("org_unit__code", "number", "pk")
        )
        columns = [
            Column(_("Agreement")),
            Column(_("Enterprise")),
            Column(_("Talent")),
            Column(_("Program")),
            Column(_("Unit")),
            Column(_("Funding source")),
            Column(_("State")),
            Column(_("Committed"), MONEY_WAN),
            Column(_("Paid"), MONEY_WAN),
            Column(_("Eligible, awaiting payment"), MONEY_WAN),
            Column(_("Held by exit flags"), MONEY_WAN),
            Column(_("Recovered"), MONEY_WAN),
        ]

        def row(a: Agreement) -> list:
            return [
                Cell(a.number, reverse("funding:agreement-detail", args=[a.pk])),
                a.enterprise.name,
                a.talent.name,
                a.program.display_name,
                a.org_unit.display_name,
                a.budget.get_source_display() if a.budget else _("No budget"),
                a.get_state_display(),
                a.committed,
                a.paid_total,
                a.eligible,
                a.held,
                -a.recovered,
            ]

        return Records(_("Agreements counted"), columns, items, row)

    def _tranches(self) -> Records:
        period = self._period()
        if period:
            qs = self.scope.apply(
                Tranche.objects.filter(due_on__gte=period[0], due_on__lt=period[1]), "agreement__org_unit"
            ).filter(self._agreement_filters("agreement__"))
            title = _("Tranches due in %(period)s, of agreements of any year") % {"period": self._period_text()}
        else:
            qs = Tranche.objects.filter(agreement__in=self.agreements.values("pk"))
            title = _("Tranches of the agreements counted")
        states = self.data.get("tranche_state")
        qs = qs.filter(state__in=states) if states else qs.exclude(state=TrancheState.CANCELLED)
        items = qs.select_related("agreement__enterprise", "agreement__org_unit", "payout").order_by(
            "agreement__org_unit__code", "agreement__number", "sequence", "pk"
        )
        columns = [
            Column(_("Agreement")),
            Column(_("Enterprise")),
            Column(_("Unit")),
            Column(_("Tranche"), COUNT),
            Column(_("Falls due on"), DATE),
            Column(_("State")),
            Column(pgettext("amount", "Planned"), MONEY_WAN),
            Column(_("Payout"), MONEY_WAN),
            Column(_("Payout state")),
        ]

        def row(t: Tranche) -> list:
            payout = getattr(t, "payout", None)
            return [
                Cell(t.agreement.number, reverse("funding:agreement-detail", args=[t.agreement_id])),
                t.agreement.enterprise.name,
                t.agreement.org_unit.display_name,
                t.sequence,
                t.due_on,
                t.get_state_display(),
                t.planned_amount,
                Cell(payout.amount, reverse("funding:payout-detail", args=[payout.pk])) if payout else None,
                payout.get_state_display() if payout else "",
            ]

        return Records(title, columns, items, row)

    def _period_text(self) -> str:
        year, quarter = self.data["period"]
        return f"{year} Q{quarter}"

    def _payments(self) -> Records:
        period = self._period()
        if period:
            qs = self.scope.apply(
                LedgerEntry.objects.filter(entry_date__gte=period[0], entry_date__lt=period[1])
            ).filter(self._agreement_filters("agreement__"))
            title = _("Ledger entries made in %(period)s, of agreements of any year") % {"period": self._period_text()}
        else:
            qs = LedgerEntry.objects.filter(agreement__in=self.agreements.values("pk"))
            title = _("Ledger entries of the agreements counted")
        if self.data.get("kind"):
            qs = qs.filter(kind__in=self.data["kind"])
        items = qs.select_related("agreement__enterprise", "org_unit").order_by("entry_date", "pk")
        columns = [
            Column(_("Date"), DATE),
            Column(_("Kind")),
            Column(_("Agreement")),
            Column(_("Enterprise")),
            Column(_("Unit")),
            Column(_("Amount"), MONEY_WAN),
            Column(_("Voucher")),
        ]

        def row(e: LedgerEntry) -> list:
            return [
                e.entry_date,
                e.get_kind_display(),
                Cell(e.agreement.number, reverse("funding:agreement-detail", args=[e.agreement_id])),
                e.agreement.enterprise.name,
                e.org_unit.display_name,
                e.amount,
                e.voucher,
            ]

        return Records(title, columns, items, row)


# ---------------------------------------------------------------- the exit mechanism


class ExitsReport(Report):
    key = "exits"
    title = pgettext_lazy("report page", "Exit mechanism")
    form_class = forms.ExitReportForm

    @cached_property
    def flags(self) -> QuerySet:
        d = self.data
        qs = self.scope.apply(ExitFlag.objects.all())
        if d["flag_state"] != forms.ANY_FLAG_STATE:
            qs = qs.filter(state=d["flag_state"])
        if d.get("rule"):
            qs = qs.filter(rule=d["rule"])
        if self.year:
            qs = qs.filter(raised_at__year=self.year)
        return qs

    @cached_property
    def cases(self) -> QuerySet:
        qs = self.scope.apply(ExitCase.objects.all())
        if self.data.get("case_state"):
            qs = qs.filter(state=self.data["case_state"])
        if self.year:
            qs = qs.filter(opened_at__year=self.year)
        return qs

    @cached_property
    def _flag_counts(self) -> list[dict]:
        return list(self.flags.values(*unit_keys(), "rule").annotate(n=Count("id")).order_by("org_unit__code"))

    @cached_property
    def _cases_by_state(self) -> dict[str, dict]:
        by_state = {s: {"n": 0, "due": ZERO, "recovered": ZERO} for s in CaseState.values}
        for r in (
            self.cases.values("state")
            .annotate(n=Count("id"), due=sum_money("recovery_due"), recovered=sum_money("recovered"))
            .order_by()
        ):
            by_state[r["state"]] = {"n": r["n"], "due": r["due"], "recovered": r["recovered"]}
        return by_state

    def _flags_label(self) -> str:
        return _("Open exit flags") if self.data["flag_state"] == FlagState.OPEN else _("Exit flags")

    def figures(self) -> list[Figure]:
        cases = self._cases_by_state.values()
        due = sum((c["due"] for c in cases), ZERO)
        recovered = sum((c["recovered"] for c in cases), ZERO)
        return [
            Figure(self._flags_label(), sum(r["n"] for r in self._flag_counts), url=self.url(records="flags")),
            Figure(_("Exit cases"), sum(c["n"] for c in cases), url=self.url(records="cases")),
            Figure(
                _("Exits"),
                self._cases_by_state[CaseState.EXITED]["n"],
                url=self.url(records="cases", case_state=CaseState.EXITED),
            ),
            Figure(_("Amount to recover"), due, MONEY_WAN, self.url(records="cases")),
            Figure(_("Recovered"), recovered, MONEY_WAN, self.url(records="cases")),
        ]

    def tables(self) -> list[Table]:
        return [self._flag_table(), self._case_table(), self._recovery_table()]

    def _flag_table(self) -> Table:
        rules = list(ExitRule)
        table = Table(
            "flags_by_rule",
            _("%(flags)s by rule and unit") % {"flags": self._flags_label()},
            [Column(_("Unit"))]
            + [Column(r.label, COUNT) for r in rules]
            + [Column(pgettext("report", "Total"), COUNT)],
            note=_("Open flags hold the agreement's unpaid tranches until they are dismissed or the case is decided."),
        )
        units: dict[str, dict] = {}
        for r in self._flag_counts:
            entry = units.setdefault(r["org_unit__code"], {"name": name_of(r, "org_unit"), "rules": defaultdict(int)})
            entry["rules"][r["rule"]] += r["n"]
        totals = dict.fromkeys(ExitRule.values, 0)
        for code, u in units.items():
            counts = [u["rules"].get(r.value, 0) for r in rules]
            for r, n in zip(rules, counts, strict=True):
                totals[r.value] += n
            table.add(
                Cell(u["name"], self.url(org_unit=code, records="flags")),
                *(
                    Cell(n, self.url(org_unit=code, rule=r.value, records="flags"))
                    for r, n in zip(rules, counts, strict=True)
                ),
                Cell(sum(counts), self.url(org_unit=code, rule=None, records="flags")),
            )
        table.set_total(
            pgettext("report", "Total"),
            *(Cell(totals[r.value], self.url(rule=r.value, records="flags")) for r in rules),
            sum(totals.values()),
        )
        return table

    def _case_table(self) -> Table:
        table = Table(
            "cases_by_state",
            _("Exit cases by state"),
            [
                Column(_("State")),
                Column(_("Exit cases"), COUNT),
                Column(_("Amount to recover"), MONEY_WAN),
                Column(_("Recovered"), MONEY_WAN),
                Column(_("Outstanding"), MONEY_WAN),
            ],
        )
        for state, c in self._cases_by_state.items():
            url = self.url(case_state=state, records="cases")
            table.add(
                Cell(label_of(CaseState, state), url),
                Cell(c["n"], url),
                c["due"],
                c["recovered"],
                c["due"] - c["recovered"],
            )
        cases = self._cases_by_state.values()
        due, recovered = sum((c["due"] for c in cases), ZERO), sum((c["recovered"] for c in cases), ZERO)
        table.set_total(pgettext("report", "Total"), sum(c["n"] for c in cases), due, recovered, due - recovered)
        return table

    def _recovery_table(self) -> Table:
        table = Table(
            "recoveries_by_unit",
            _("Recoveries by unit"),
            [
                Column(_("Unit")),
                Column(_("Exit cases"), COUNT),
                Column(_("Exits"), COUNT),
                Column(_("Amount to recover"), MONEY_WAN),
                Column(_("Recovered"), MONEY_WAN),
                Column(_("Outstanding"), MONEY_WAN),
            ],
        )
        keys = ("n", "exited", "due", "recovered")
        totals = dict.fromkeys(keys, 0)
        for r in (
            self.cases.values(*unit_keys())
            .annotate(
                n=Count("id"),
                exited=Count("id", filter=Q(state=CaseState.EXITED)),
                due=sum_money("recovery_due"),
                recovered=sum_money("recovered"),
            )
            .order_by("org_unit__code")
        ):
            for k in keys:
                totals[k] += r[k]
            code = r["org_unit__code"]
            table.add(
                Cell(name_of(r, "org_unit"), self.url(org_unit=code, records="cases")),
                Cell(r["n"], self.url(org_unit=code, records="cases")),
                Cell(r["exited"], self.url(org_unit=code, case_state=CaseState.EXITED, records="cases")),
                r["due"],
                r["recovered"],
                r["due"] - r["recovered"],
            )
        table.set_total(pgettext("report", "Total"), *(totals[k] for k in keys), totals["due"] - totals["recovered"])
        return table

    def records(self) -> Records:
        if self.data["records"] == "cases":
            return self._case_records()
        items = self.flags.select_related("agreement__enterprise", "org_unit").order_by(
            "org_unit__code", "rule", "-raised_at", "pk"
        )
        columns = [
            Column(_("Agreement")),
            Column(_("Enterprise")),
            Column(_("Unit")),
            Column(_("Rule")),
            Column(_("State")),
            Column(_("Raised on"), DATE),
            Column(_("Evidence")),
        ]

        def row(f: ExitFlag) -> list:
            return [
                Cell(f.agreement.number, reverse("funding:agreement-detail", args=[f.agreement_id])),
                f.agreement.enterprise.name,
                f.org_unit.display_name,
                f.get_rule_display(),
                forms.FLAG_STATE_LABELS.get(f.state, f.state),
                timezone.localtime(f.raised_at).date(),
                f.evidence,
            ]

        return Records(_("Exit flags counted"), columns, items, row)

    def _case_records(self) -> Records:
        items = self.cases.select_related("agreement__enterprise", "org_unit").order_by("-opened_at", "pk")
        columns = [
            Column(_("Exit case")),
            Column(_("Enterprise")),
            Column(_("Unit")),
            Column(_("State")),
            Column(_("Opened on"), DATE),
            Column(_("Decided on"), DATE),
            Column(_("Amount to recover"), MONEY_WAN),
            Column(_("Recovered"), MONEY_WAN),
        ]

        def row(c: ExitCase) -> list:
            return [
                Cell(c.agreement.number, reverse("funding:case-detail", args=[c.pk])),
                c.agreement.enterprise.name,
                c.org_unit.display_name,
                c.get_state_display(),
                timezone.localtime(c.opened_at).date(),
                timezone.localtime(c.decided_at).date() if c.decided_at else None,
                c.recovery_due,
                c.recovered,
            ]

        return Records(_("Exit cases counted"), columns, items, row)
