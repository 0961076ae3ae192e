"""Who hears of what in funding (issue 16): set-based, so the recompute's findings for thousands of
agreements cost a few statements. Each key names one occurrence, so a recompute that runs again
tells nobody twice."""

from django.db.models import Q
from django.urls import reverse

from qinhuai_talent.core.links import record_urls
from qinhuai_talent.core.lookups import any_of
from qinhuai_talent.core.money import to_money
from qinhuai_talent.notifications.events import Said
from qinhuai_talent.notifications.services import (
    Message,
    notify_many,
    office_staff,
    officers_of_units,
    unit_officers,
)

from .models import ApproverLevel, ExitFlag, Milestone, Payout, PayoutState, UseOfFundsReport


def _agreement_url(agreement_id: int) -> str:
    return reverse("funding:agreement-detail", args=[agreement_id])


def milestones_met(milestone_ids) -> int:
    """The enterprise hears of each milestone now met. Only milestones of enterprises that have an
    account are read: most enterprises have none, and a recompute that meets thousands of
    milestones builds no message for nobody."""
    rows = Milestone.objects.filter(
        any_of("pk", milestone_ids), met=True, tranche__agreement__enterprise__account__isnull=False
    ).select_related("tranche__agreement__enterprise")
    agreement_url = record_urls("funding:agreement-detail")
    messages = [
        Message(
            recipients=[m.tranche.agreement.enterprise.account_id],
            key=f"milestone:{m.pk}:met:{m.met_on}",
            params={"agreement": m.tranche.agreement.number, "milestone": Said(lambda m=m: m.requirement)},
            url=agreement_url(m.tranche.agreement_id),
        )
        for m in rows
    ]
    return notify_many(event="milestone_met", messages=messages)


def payouts_waiting(payout_ids) -> int:
    """The approver (the unit's officers within its limit, the office above it) hears of each
    payout now proposed for approval (``payout_ids``: those that became proposed or were
    recomputed). Only payouts someone approves are read: a unit without an officer builds no
    message."""
    ids = list(payout_ids)
    if not ids:
        return 0
    office = office_staff()
    officers = officers_of_units(
        Payout.objects.filter(any_of("pk", ids)).order_by().values_list("org_unit_id", flat=True).distinct()
    )
    someone = Q(org_unit_id__in=list(officers)) & ~Q(approver_level=ApproverLevel.DISTRICT)
    if office:
        someone |= Q(approver_level=ApproverLevel.DISTRICT)
    # The few columns a message names, not the payouts with their agreements and tranches.
    rows = Payout.objects.filter(any_of("pk", ids), someone, state=PayoutState.PROPOSED).values_list(
        "pk", "approver_level", "org_unit_id", "agreement__number", "tranche__sequence", "amount"
    )
    payout_url = record_urls("funding:payout-detail")
    messages = [
        Message(
            recipients=office if level == ApproverLevel.DISTRICT else officers[unit],
            key=f"payout:{pk}:waiting",
            params=_params(number, sequence, amount),
            url=payout_url(pk),
        )
        for pk, level, unit, number, sequence, amount in rows
    ]
    return notify_many(event="payout_waiting", messages=messages)


def _params(agreement_number: str, tranche_sequence: int, amount, **extra) -> dict:
    return {"agreement": agreement_number, "tranche": tranche_sequence, "amount": f"{to_money(amount):,.2f}", **extra}


def _payout_params(p: Payout, **extra) -> dict:
    return _params(p.agreement.number, p.tranche.sequence, p.amount, **extra)


def payout_returned(payout: Payout, *, reason: str, key: str) -> int:
    """The preparer of a returned payout hears the approver's reason (the unit's officers when
    the recompute prepared it without anyone's verification)."""
    recipients = [payout.prepared_by_id] if payout.prepared_by_id else unit_officers(payout.org_unit_id)
    return notify_many(
        event="payout_returned",
        messages=[
            Message(
                recipients=recipients,
                key=key,
                params=_payout_params(payout, reason=reason),
                url=reverse("funding:payout-detail", args=[payout.pk]),
            )
        ],
    )


def payout_moved(payout: Payout, *, event: str, key: str, **extra) -> int:
    """The enterprise hears that its payout was approved or paid (not who approved it)."""
    return notify_many(
        event=event,
        messages=[
            Message(
                recipients=[payout.agreement.enterprise.account_id],
                key=key,
                params=_payout_params(payout, **extra),
                url=_agreement_url(payout.agreement_id),
            )
        ],
    )


def flags_raised(flag_filter) -> int:
    """The enterprise and its unit's officers hear of each exit flag raised. Only flags someone
    hears of are read (an enterprise with an account, or a unit with an officer)."""
    units = ExitFlag.objects.filter(flag_filter).order_by().values_list("org_unit_id", flat=True).distinct()
    officers = officers_of_units(units)
    rows = (
        ExitFlag.objects.filter(flag_filter)
        .filter(Q(agreement__enterprise__account__isnull=False) | Q(org_unit_id__in=list(officers)))
        .select_related("agreement__enterprise")
    )
    agreement_url = record_urls("funding:agreement-detail")
    messages = []
    for f in rows:
        messages.append(
            Message(
                recipients=[f.agreement.enterprise.account_id, *officers.get(f.org_unit_id, [])],
                key=f"exitflag:{f.pk}:raised",
                params={
                    "agreement": f.agreement.number,
                    "enterprise": f.agreement.enterprise.name,
                    "rule": Said(lambda f=f: f.get_rule_display()),
                },
                url=agreement_url(f.agreement_id),
            )
        )
    return notify_many(event="exit_flag_raised", messages=messages)


def case_opened(case) -> int:
    agreement = case.agreement
    return notify_many(
        event="exit_case_opened",
        messages=[
            Message(
                recipients=[agreement.enterprise.account_id, *unit_officers(agreement.org_unit_id)],
                key=f"exitcase:{case.pk}:opened",
                params={"agreement": agreement.number, "enterprise": agreement.enterprise.name},
                url=_agreement_url(agreement.pk),
            )
        ],
    )


def use_of_funds_submitted(report: UseOfFundsReport) -> int:
    """The officers of the agreement's unit (the office when the unit has none) hear of a
    use-of-funds report waiting for their acceptance."""
    agreement = report.tranche.agreement
    return notify_many(
        event="use_of_funds_submitted",
        messages=[
            Message(
                recipients=unit_officers(report.org_unit_id) or office_staff(),
                key=f"use_of_funds:{report.pk}:submitted",
                params={
                    "enterprise": agreement.enterprise.name,
                    "agreement": agreement.number,
                    "tranche": report.tranche.sequence,
                    "amount": f"{to_money(report.amount_used or 0):,.2f}",
                },
                url=_agreement_url(agreement.pk),
            )
        ],
    )


def use_of_funds_accepted(report: UseOfFundsReport) -> int:
    """The enterprise's account hears that its report was accepted."""
    agreement = report.tranche.agreement
    account = agreement.enterprise.account_id
    if account is None:
        return 0
    return notify_many(
        event="use_of_funds_accepted",
        messages=[
            Message(
                recipients=[account],
                key=f"use_of_funds:{report.pk}:accepted",
                params={"agreement": agreement.number, "tranche": report.tranche.sequence},
                url=reverse("funding:mine"),
            )
        ],
    )
