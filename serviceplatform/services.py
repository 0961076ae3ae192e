"""Every write of the service platform: providers and their accreditation, services, staff
accounts, service requests and their transitions. Each runs in a transaction, re-reads the row it
changes under a lock and refuses what the rules do not allow with a ``DomainError``."""

import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise, FinancingInstrument, FinancingRound, SupportPlanItem, SupportStatus
from enterprises.workflows import SUPPORT_WORKFLOW
from qinhuai_talent.core import clock
from qinhuai_talent.core.errors import ActionNotAllowed, DomainError
from qinhuai_talent.core.links import record_urls
from qinhuai_talent.core.models import Role, User
from qinhuai_talent.core.money import to_money
from qinhuai_talent.core.workflow import Notice, log_transition
from qinhuai_talent.notifications.services import Message, notify_many, officers_of_units, tell_notices, unit_officers

from . import policies
from .models import (
    FinancingRequest,
    FirstPurchase,
    FundBudget,
    OutcomeResult,
    Provider,
    ProviderStaff,
    ReviewThresholds,
    Service,
    ServiceCategory,
    ServiceRequest,
)
from .workflows import (
    CLOCKED_STATES,
    FILED_UNROUTED,
    OVERDUE,
    PROVIDER_WORKFLOW,
    REQUEST_WORKFLOW,
    check_routable,
)

# --- Providers, services and staff ------------------------------------------------------------------


def _check_office(actor: User) -> None:
    if not policies.can_manage_providers(actor):
        raise ActionNotAllowed(_("Only the district talent office keeps the register of service providers."))


@transaction.atomic
def provider_register(*, actor: User, name: str, category: str, **fields) -> Provider:
    """Enter a provider's application (申请) in the register; the office accredits it later."""
    _check_office(actor)
    name = name.strip()
    if not name:
        raise DomainError(_("Please give the provider's name."), field="name")
    if category not in ServiceCategory.values:
        raise DomainError(_("Unknown service category."), field="category")
    if Provider.objects.filter(name=name).exists():
        raise DomainError(_("A provider of this name is already registered."), field="name")
    provider = Provider.objects.create(name=name, category=category, **fields)
    log_transition(provider, action="apply", from_state="", to_state=provider.state, actor=actor)
    return provider


@transaction.atomic
def provider_transition(*, actor: User, provider: Provider, action: str, reason: str = "") -> Provider:
    """Accredit (认定), suspend (暂停), reinstate or revoke (撤销) a provider, with its day and reason."""
    provider = Provider.objects.select_for_update().get(pk=provider.pk)
    provider.state_changed_on = clock.today()
    provider.state_reason = reason.strip()
    PROVIDER_WORKFLOW.apply(
        provider, action=action, actor=actor, reason=reason.strip(), extra_fields=["state_changed_on", "state_reason"]
    )
    return provider


@transaction.atomic
def service_save(*, actor: User, provider: Provider, service: Service | None = None, **data) -> Service:
    """Add a service to a provider's offer or change one (the office keeps the catalogue)."""
    _check_office(actor)
    if data.get("category") is not None and data["category"] not in ServiceCategory.values:
        raise DomainError(_("Unknown service category."), field="category")
    price = data.get("price")
    if price is not None and Decimal(price) < 0:
        raise DomainError(_("A price cannot be negative."), field="price")
    days = data.get("expected_days")
    if days is not None and days < 1:
        raise DomainError(_("A service takes at least one day."), field="expected_days")
    name = (data.get("name") or (service.name if service else "")).strip()
    if not name:
        raise DomainError(_("Please give the service's name."), field="name")
    clash = Service.objects.filter(provider=provider, name=name)
    if service is not None:
        clash = clash.exclude(pk=service.pk)
    if clash.exists():
        raise DomainError(_("This provider already offers a service of this name."), field="name")
    data["name"] = name
    if service is None:
        return Service.objects.create(provider=provider, **data)
    service = Service.objects.select_for_update().get(pk=service.pk)
    for key, value in data.items():
        setattr(service, key, value)
    service.save()
    return service


@transaction.atomic
def staff_attach(*, actor: User, user: User, provider: Provider) -> ProviderStaff:
    """Make ``user`` an account of ``provider``'s staff (role `provider`, no unit)."""
    _check_office(actor)
    if user.role != Role.PROVIDER or user.org_unit_id is not None:
        raise DomainError(
            _("Only an account with the provider role and no unit can work for a provider."), field="user"
        )
    staff, _created = ProviderStaff.objects.update_or_create(user=user, defaults={"provider": provider})
    return staff


@transaction.atomic
def thresholds_set(
    *, actor: User, min_on_time_rate: Decimal, min_rating: Decimal, min_requests: int
) -> ReviewThresholds:
    """The office sets what it expects of providers (their yearly review flags those below)."""
    _check_office(actor)
    if not Decimal(0) <= min_on_time_rate <= Decimal(100):
        raise DomainError(
            _("The on-time rate is a percentage from 0 to 100."), field="min_on_time_rate", code="rate_out_of_range"
        )
    if not Decimal(1) <= min_rating <= Decimal(5):
        raise DomainError(
            _("The rating threshold lies between 1 and 5."), field="min_rating", code="rating_out_of_range"
        )
    if min_requests < 1:
        raise DomainError(
            _("A provider is judged from at least one request."), field="min_requests", code="not_positive"
        )
    row = ReviewThresholds.objects.select_for_update().order_by("pk").first() or ReviewThresholds()
    row.min_on_time_rate, row.min_rating, row.min_requests = min_on_time_rate, min_rating, min_requests
    row.updated_at, row.updated_by = clock.now(), actor
    row.save()
    return row


# --- Service requests ------------------------------------------------------------------------------


@transaction.atomic
def request_file(
    *,
    actor: User,
    enterprise: Enterprise,
    category: str,
    need: str,
    provider: Provider | None = None,
    service: Service | None = None,
    plan_item: SupportPlanItem | None = None,
    amount_wanted=None,
    use: str = "",
    instrument: str = "",
) -> ServiceRequest:
    """File a service request for ``enterprise``: by the enterprise's own account, its unit's
    officer on its behalf, or the office, possibly from one of its 一企一策 plan items (which then
    starts, and counts as done when the request closes). With a chosen provider (or service) it is
    routed at once; otherwise it waits for the unit to assign it. With ``amount_wanted``, ``use``
    and ``instrument`` it is a financing request (科技金融), which ends with its provider's outcome."""
    if not policies.can_file_for(actor, enterprise):
        raise ActionNotAllowed(
            _("Only the enterprise itself, its unit or the district office files its requests."),
            field="enterprise",
            code="not_your_enterprise",
        )
    if category not in ServiceCategory.values:
        raise DomainError(_("Unknown service category."), field="category")
    need = need.strip()
    if not need:
        raise DomainError(_("Please describe what the enterprise needs."), field="need")
    financing = None
    if amount_wanted not in (None, "") or use.strip() or instrument:
        financing = _financing_wanted(category=category, amount_wanted=amount_wanted, use=use, instrument=instrument)
    # Read afresh: the provider may have been suspended since the caller loaded them.
    if service is not None:
        service = Service.objects.select_related("provider").get(pk=service.pk)
        provider = provider or service.provider
    if provider is not None:
        provider = Provider.objects.get(pk=provider.pk)
    if provider is not None:
        check_routable(provider=provider, service=service, category=category)
    if plan_item is not None:
        plan_item = SupportPlanItem.objects.select_for_update().get(pk=plan_item.pk)
        if plan_item.enterprise_id != enterprise.pk:
            raise DomainError(
                _("The plan item belongs to another enterprise."), field="plan_item", code="plan_item_elsewhere"
            )
        if plan_item.status not in (SupportStatus.PLANNED, SupportStatus.IN_PROGRESS):
            raise DomainError(_("The plan item is no longer open."), field="plan_item", code="plan_item_closed")
        if ServiceRequest.objects.filter(plan_item=plan_item).exists():
            raise DomainError(
                _("A request has already been filed for this plan item."), field="plan_item", code="plan_item_taken"
            )
    request = ServiceRequest.objects.create(
        enterprise=enterprise,
        org_unit_id=enterprise.org_unit_id,
        category=category,
        need=need,
        service=service,
        plan_item=plan_item,
        filed_by=actor,
        filed_at=clock.now(),
    )
    entry = log_transition(request, action="submit", from_state="", to_state=request.state, actor=actor)
    if financing is not None:
        FinancingRequest.objects.create(request=request, **financing)
    if plan_item is not None and plan_item.status == SupportStatus.PLANNED:
        SUPPORT_WORKFLOW.apply(plan_item, action="request_filed", actor=actor, via="serviceplatform.submit")
    if provider is not None:
        return request_assign(actor=actor, request=request, provider=provider, service=service)
    tell_of_transition(request, FILED_UNROUTED, actor=actor, key=f"service_request:{request.pk}:submit:{entry.pk}")
    return request


def _locked(request: ServiceRequest) -> ServiceRequest:
    # OF the request alone: its provider and service are nullable (outer joins PostgreSQL won't lock).
    locked = ServiceRequest.objects.select_for_update(of=("self",))
    return locked.select_related("provider", "service", "enterprise").get(pk=request.pk)


@transaction.atomic
def request_assign(
    *, actor: User, request: ServiceRequest, provider: Provider, service: Service | None = None
) -> ServiceRequest:
    """Route the request to an accredited provider; it must accept within 3 working days."""
    return _step(request, action="assign", actor=actor, params={"provider": provider, "service": service})


@transaction.atomic
def request_transition(
    *,
    actor: User,
    request: ServiceRequest,
    action: str,
    reason: str = "",
    note: str = "",
    rating: int | None = None,
    comment: str = "",
) -> ServiceRequest:
    """Accept, decline (with a reason), start, deliver (with what was done), close (with the
    enterprise's rating) or cancel (with a reason) a request: ``workflows.REQUEST_WORKFLOW``
    checks the step, stamps what it writes and runs its effect. Assigning is ``request_assign``,
    a financing outcome ``financing_outcome_record``."""
    return _step(
        request,
        action=action,
        actor=actor,
        reason=(reason or note).strip(),
        params={"note": note, "rating": rating, "comment": comment},
    )


def _step(request: ServiceRequest, *, action: str, actor: User, reason: str = "", params: dict) -> ServiceRequest:
    request = _locked(request)
    # Out of order or not this person's step: refused before any input is read, in the step's words.
    refusal = REQUEST_WORKFLOW.refusal(request, actor, action)
    if refusal is not None:
        raise refusal
    entry = REQUEST_WORKFLOW.apply(request, action=action, actor=actor, reason=reason, params=params)
    tell_of_transition(
        request, REQUEST_WORKFLOW.get(action).notices, actor=actor, reason=reason, key=_key(request, action, entry)
    )
    return request


def _key(request: ServiceRequest, action: str, entry) -> str:
    """One occurrence of a step: telling of it again (a retry, a rerun) tells nobody twice."""
    return f"service_request:{request.pk}:{action}:{entry.pk}"


def tell_of_transition(
    request: ServiceRequest, notices: tuple[Notice, ...], *, actor: User | None, key: str, reason: str = ""
) -> int:
    """Send the notices a step declares, each to its audience but the person who took the step:
    the provider's staff, the requester (the enterprise's account, or whoever filed for an
    enterprise without one) or the unit's officers. Returns the rows written."""
    url = reverse("serviceplatform:request-detail", args=[request.pk])
    return tell_notices(
        notices,
        request,
        audiences={
            "provider": lambda: (staff_of(request.provider_id), url),
            "requester": lambda: ([request.enterprise.account_id or request.filed_by_id], url),
            "unit": lambda: (unit_officers(request.org_unit_id), url),
        },
        params=_told_params(request),
        key=key,
        reason=reason,
        actor=actor,
    )


def _told_params(request: ServiceRequest) -> dict:
    """What every message of a request names: its number, enterprise, category and provider."""
    return {
        "number": request.pk,
        "enterprise": request.enterprise.name,
        "category": ServiceCategory(request.category).label,
        "provider": request.provider.name if request.provider_id else "",
    }


def staff_of(provider_id: int | None) -> list[int]:
    """The active accounts of a provider's staff."""
    if provider_id is None:
        return []
    return list(
        ProviderStaff.objects.filter(provider_id=provider_id, user__is_active=True).values_list("user_id", flat=True)
    )


def requests_remind_overdue() -> int:
    """Beat, daily: the unit's officers and the provider's staff hear once of each request past
    the deadline of its state (``workflows.OVERDUE``; a key per request, state and deadline: a
    rerun tells nobody twice, a new deadline missed is told again). A constant number of
    statements, however many requests; returns the rows written."""
    overdue = list(
        ServiceRequest.objects.filter(state__in=CLOCKED_STATES, due_on__lt=clock.today())
        .select_related("enterprise", "provider")
        .order_by("pk")
    )
    if not overdue:
        return 0
    audiences = {
        "unit": officers_of_units(r.org_unit_id for r in overdue),
        "provider": _grouped(
            ProviderStaff.objects.filter(
                provider_id__in={r.provider_id for r in overdue}, user__is_active=True
            ).values_list("provider_id", "user_id")
        ),
    }
    whose = {"unit": "org_unit_id", "provider": "provider_id"}
    request_url = record_urls("serviceplatform:request-detail")
    told = 0
    for event in dict.fromkeys(n.event for n in OVERDUE):
        messages = []
        for request in overdue:
            key = f"service_request:{request.pk}:overdue:{request.state}:{request.due_on.isoformat()}"
            for notice in (n for n in OVERDUE if n.event == event):
                own = notice.params(request, reason="") if notice.params else {}
                messages.append(
                    Message(
                        recipients=audiences[notice.audience].get(getattr(request, whose[notice.audience]), []),
                        key=key,
                        params={**_told_params(request), **own},
                        url=request_url(request.pk),
                    )
                )
        told += notify_many(event=event, messages=messages)
    return told


def _grouped(pairs) -> dict[int, list[int]]:
    grouped: dict[int, list[int]] = {}
    for owner, pk in pairs:
        grouped.setdefault(owner, []).append(pk)
    return grouped


# --- Financing channels (科技金融) -------------------------------------------------------------------

MAX_AMOUNT = Decimal("1000000000000")  # a trillion yuan: what the money columns hold
FIRST_YEAR = 2000
# The round a granted outcome is recorded as, by instrument (the enterprise's financing table).
ROUND_NAMES = {
    FinancingInstrument.EQUITY: "股权投资",
    FinancingInstrument.LOAN: "贷款",
    FinancingInstrument.GUARANTEE: "担保贷款",
}


def _amount(value, *, field: str) -> Decimal:
    """A positive yuan amount from input, or a refusal naming the field."""
    try:
        amount = to_money(value if value not in (None, "") else "x")
    except (InvalidOperation, ValueError, TypeError):
        raise DomainError(_("Enter an amount in yuan, such as 300000.00."), field=field, code="not_money") from None
    if not amount.is_finite() or amount >= MAX_AMOUNT:
        raise DomainError(_("Enter an amount in yuan, such as 300000.00."), field=field, code="not_money")
    if amount <= 0:
        raise DomainError(_("The amount must be greater than zero."), field=field, code="not_positive")
    return amount


def _financing_wanted(*, category: str, amount_wanted, use: str, instrument: str) -> dict:
    if category != ServiceCategory.TECH_FINANCE:
        raise DomainError(
            _("Financing is asked of a technology finance (科技金融) provider."),
            field="category",
            code="not_financing_category",
        )
    if instrument not in FinancingInstrument.values:
        raise DomainError(
            _("Choose the instrument: equity, loan or guaranteed loan."), field="instrument", code="instrument_invalid"
        )
    if not use.strip():
        raise DomainError(_("Please say what the money is for."), field="use", code="use_missing")
    amount = _amount(amount_wanted, field="amount_wanted")
    return {"amount_wanted": amount, "use": use.strip(), "instrument": instrument}


def max_outcome(amount_wanted: Decimal) -> Decimal:
    """The most an outcome may grant: the request plus the share the office allows
    (``FINANCING_OUTCOME_MAX_EXCESS_PERCENT``)."""
    share = Decimal(settings.FINANCING_OUTCOME_MAX_EXCESS_PERCENT) / 100
    return to_money(amount_wanted * (1 + share))


@transaction.atomic
def financing_outcome_record(
    *,
    actor: User,
    request: ServiceRequest,
    outcome: str,
    amount=None,
    instrument: str = "",
    rate=None,
    valuation=None,
    decided_on: datetime.date | None = None,
    reason: str = "",
) -> ServiceRequest:
    """The provider records a financing request's outcome, once, after accepting it: granted
    (amount, instrument, rate or valuation, date) or refused (with a reason). The request is then
    delivered. A granted outcome becomes a financing round of the enterprise under its instrument;
    a guidance fund's equity draws on the fund's budget of the year (``FundBudget``)."""
    request = _locked(request)
    REQUEST_WORKFLOW.check_actor("record_outcome", actor, request)
    refusal = REQUEST_WORKFLOW.refusal(request, actor, "record_outcome")
    if refusal is not None:
        raise refusal
    financing = FinancingRequest.objects.select_for_update().get(request=request)
    if financing.outcome:
        raise DomainError(_("The outcome of this request has already been recorded."), code="outcome_recorded")
    today = clock.today()
    decided_on = decided_on or today
    if decided_on > today:
        raise DomainError(_("The decision date lies in the future."), field="decided_on", code="date_in_future")
    if decided_on < timezone.localdate(request.filed_at):
        raise DomainError(
            _("The decision date lies before the request was filed."), field="decided_on", code="date_before_request"
        )
    if outcome == OutcomeResult.REFUSED:
        if not reason.strip():
            raise DomainError(_("Please give a reason."), field="reason", code="reason_missing")
        financing.outcome, financing.refusal_reason = OutcomeResult.REFUSED, reason.strip()
        note = _("Financing refused: %(reason)s") % {"reason": reason.strip()}
    elif outcome == OutcomeResult.GRANTED:
        granted = _amount(amount, field="amount")
        ceiling = max_outcome(financing.amount_wanted)
        if granted > ceiling:
            raise DomainError(
                _(
                    "The amount granted exceeds the %(wanted)s yuan asked for by more than the office allows "
                    "(at most %(ceiling)s yuan)."
                )
                % {"wanted": financing.amount_wanted, "ceiling": ceiling},
                field="amount",
                code="outcome_exceeds_request",
            )
        instrument = instrument or financing.instrument
        if instrument not in FinancingInstrument.values:
            raise DomainError(
                _("Choose the instrument: equity, loan or guaranteed loan."),
                field="instrument",
                code="instrument_invalid",
            )
        rate, valuation = _terms(instrument=instrument, granted=granted, rate=rate, valuation=valuation)
        if instrument == FinancingInstrument.EQUITY:
            _draw_on_fund(provider=request.provider, year=decided_on.year, amount=granted)
        financing.financing_round = FinancingRound.objects.create(
            enterprise_id=request.enterprise_id,
            investor=request.provider.name[:160],
            round=ROUND_NAMES[FinancingInstrument(instrument)],
            amount=granted,
            closed_on=decided_on,
            instrument=instrument,
        )
        financing.outcome, financing.granted_amount, financing.granted_instrument = outcome, granted, instrument
        financing.rate, financing.valuation = rate, valuation
        note = _("Financing granted: %(amount)s yuan, %(instrument)s") % {
            "amount": granted,
            "instrument": FinancingInstrument(instrument).label,
        }
    else:
        raise DomainError(_("The outcome is granted or refused."), field="outcome", code="outcome_invalid")
    financing.decided_on = decided_on
    financing.recorded_by, financing.recorded_at = actor, clock.now()
    financing.save()
    request.financing = financing
    request.delivery_note, request.delivered_on = str(note), today
    entry = REQUEST_WORKFLOW.apply(
        request,
        action="record_outcome",
        actor=actor,
        reason=str(note),
        extra_fields=["delivery_note", "delivered_on"],
    )
    tell_of_transition(
        request,
        REQUEST_WORKFLOW.get("record_outcome").notices,
        actor=actor,
        reason=str(note),
        key=_key(request, "record_outcome", entry),
    )
    return request


def _terms(*, instrument: str, granted: Decimal, rate, valuation) -> tuple[Decimal | None, Decimal | None]:
    """A loan's or guarantee's yearly rate (0–100 %), an equity round's valuation (at least the
    amount invested); each only with its instrument."""
    if instrument == FinancingInstrument.EQUITY:
        if rate not in (None, ""):
            raise DomainError(_("An equity investment has a valuation, not a rate."), field="rate", code="rate_invalid")
        if valuation in (None, ""):
            return None, None
        valuation = _amount(valuation, field="valuation")
        if valuation < granted:
            raise DomainError(
                _("The valuation cannot be less than the amount invested."),
                field="valuation",
                code="valuation_below_amount",
            )
        return None, valuation
    if valuation not in (None, ""):
        raise DomainError(_("A loan has a rate, not a valuation."), field="valuation", code="valuation_invalid")
    if rate in (None, ""):
        return None, None
    bad_rate = DomainError(_("Enter the rate in percent a year, such as 4.35."), field="rate", code="rate_invalid")
    try:
        rate = Decimal(str(rate)).quantize(Decimal("0.001"))
    except (InvalidOperation, ValueError, TypeError):
        raise bad_rate from None
    if not rate.is_finite() or not 0 <= rate <= 100:
        raise bad_rate
    return rate, None


def fund_figures(budget: FundBudget) -> dict:
    """A guidance fund's year: ``committed`` (its budget), ``invested`` (equity its outcomes granted
    that year) and ``available``."""
    invested = FinancingRequest.objects.filter(
        request__provider_id=budget.provider_id,
        outcome=OutcomeResult.GRANTED,
        granted_instrument=FinancingInstrument.EQUITY,
        decided_on__year=budget.year,
    ).aggregate(s=Sum("granted_amount"))["s"] or Decimal("0.00")
    invested = to_money(invested)
    return {"committed": budget.amount, "invested": invested, "available": budget.amount - invested}


def _draw_on_fund(*, provider: Provider, year: int, amount: Decimal) -> None:
    """A guidance fund (a provider with fund budgets) invests within its budget of the year."""
    if not FundBudget.objects.filter(provider=provider).exists():
        return
    budget = FundBudget.objects.select_for_update().filter(provider=provider, year=year).first()
    if budget is None:
        raise DomainError(
            _("%(fund)s has no budget for %(year)s.") % {"fund": provider.display_name, "year": year},
            field="amount",
            code="no_fund_budget",
        )
    available = fund_figures(budget)["available"]
    if amount > available:
        raise DomainError(
            _("%(fund)s has %(available)s yuan available for %(year)s: the investment exceeds it.")
            % {"fund": provider.display_name, "available": available, "year": year},
            field="amount",
            code="fund_exhausted",
        )


@transaction.atomic
def fund_budget_set(*, actor: User, provider: Provider, year, amount) -> FundBudget:
    """The office sets a guidance fund's budget of a year (one per fund and year; never below
    what the fund has already invested that year). It is the fund's own money, not a grant budget."""
    _check_office(actor)
    if provider.category != ServiceCategory.TECH_FINANCE:
        raise DomainError(
            _("Only a technology finance (科技金融) provider has a fund budget."),
            field="provider",
            code="not_financing_category",
        )
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise DomainError(_("Enter a year, such as 2017."), field="year", code="year_invalid") from None
    last = clock.today().year + 1
    if not FIRST_YEAR <= year <= last:
        raise DomainError(
            _("A budget is set for a year from %(first)s to %(last)s.") % {"first": FIRST_YEAR, "last": last},
            field="year",
            code="year_invalid",
        )
    try:
        amount = to_money(amount if amount not in (None, "") else "x")
    except (InvalidOperation, ValueError, TypeError):
        raise DomainError(_("Enter an amount in yuan, such as 300000.00."), field="amount", code="not_money") from None
    if not amount.is_finite() or amount >= MAX_AMOUNT:
        raise DomainError(_("Enter an amount in yuan, such as 300000.00."), field="amount", code="not_money")
    if amount < 0:
        raise DomainError(_("The amount cannot be negative."), field="amount", code="not_positive")
    budget = FundBudget.objects.select_for_update().filter(provider=provider, year=year).first()
    if budget is None:
        return FundBudget.objects.create(provider=provider, year=year, amount=amount)
    invested = fund_figures(budget)["invested"]
    if amount < invested:
        raise DomainError(
            _("The fund has already invested %(invested)s yuan in %(year)s.") % {"invested": invested, "year": year},
            field="amount",
            code="below_invested",
        )
    budget.amount = amount
    budget.save(update_fields=["amount"])
    return budget


# --- First purchase (产品首购订购) --------------------------------------------------------------------


@transaction.atomic
def first_purchase_add(
    *,
    actor: User,
    enterprise: Enterprise,
    buyer: str,
    product: str,
    amount,
    purchased_on: datetime.date,
    contract_number: str,
) -> FirstPurchase:
    """Enter a government department's first purchase of an enterprise's new product, by the
    office or the enterprise's unit officer. A contract number is entered once."""
    if not policies.can_enter_purchase(actor, enterprise.org_unit_id):
        raise ActionNotAllowed(_("Only the enterprise's unit or the district office enters its first purchases."))
    buyer, product, contract_number = buyer.strip(), product.strip(), contract_number.strip()
    if not buyer:
        raise DomainError(_("Please name the buying department."), field="buyer", code="buyer_missing")
    if not product:
        raise DomainError(_("Please name the product."), field="product", code="product_missing")
    if not contract_number:
        raise DomainError(_("Please give the contract number."), field="contract_number", code="number_missing")
    amount = _amount(amount, field="amount")
    if purchased_on > clock.today():
        raise DomainError(_("The purchase date lies in the future."), field="purchased_on", code="date_in_future")
    if purchased_on < enterprise.registered_on:
        raise DomainError(
            _("The purchase date lies before the enterprise was registered."),
            field="purchased_on",
            code="date_before_registration",
        )
    if FirstPurchase.objects.filter(contract_number=contract_number).exists():
        raise DomainError(
            _("Contract %(number)s has already been entered.") % {"number": contract_number},
            field="contract_number",
            code="number_taken",
        )
    return FirstPurchase.objects.create(
        enterprise=enterprise,
        org_unit_id=enterprise.org_unit_id,
        buyer=buyer,
        product=product,
        amount=amount,
        purchased_on=purchased_on,
        contract_number=contract_number,
        entered_by=actor,
        entered_at=clock.now(),
    )
