"""The state machines of the service platform (qinhuai_talent.core.workflow).

A provider's accreditation::

    applied ─accredit→ accredited ─suspend→ suspended ─reinstate→ accredited
    applied / accredited / suspended ─revoke→ revoked

A service request::

    submitted ─assign→ assigned ─accept→ accepted ─start→ in_progress ─deliver→ delivered ─close→ closed
                          └─decline→ declined ─assign→ assigned (another provider)
    accepted ─deliver→ delivered
    accepted / in_progress ─record_outcome→ delivered   (a financing request: its outcome is the delivery)
    submitted / assigned / declined / accepted / in_progress ─cancel→ cancelled

The unit's officer or the office assign; the enterprise itself (or its unit, or the office, for it)
closes with a rating; the enterprise cancels only before a provider accepts. Each step declares
what it stamps on the request (``prepare``: the deadline, the reason, the delivery, the rating),
its effect (``effect``: a decline remembered against the provider, a closed request's plan item
done) and whom it tells (``notices``, sent by ``services.tell_of_transition``).
"""

import datetime

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from enterprises.models import SupportPlanItem, SupportStatus
from enterprises.workflows import SUPPORT_WORKFLOW
from qinhuai_talent.core import clock
from qinhuai_talent.core.errors import DomainError
from qinhuai_talent.core.workflow import Notice, Transition, Workflow

from . import policies
from .models import Provider, ProviderState, Service, ServiceRequest
from .models import ProviderState as P
from .models import RequestState as R

PROVIDER_WORKFLOW = Workflow(
    state_field="state",
    states=P,
    transitions=[
        Transition(
            "accredit",
            (P.APPLIED,),
            P.ACCREDITED,
            _("Accredit"),
            policies.can_accredit,
            confirm=_("The provider is accredited: enterprises can be served by it and requests assigned to it."),
        ),
        Transition(
            "suspend",
            (P.ACCREDITED,),
            P.SUSPENDED,
            _("Suspend"),
            policies.can_accredit,
            needs_reason=True,
            confirm=_("The provider is suspended with your reason: no request can be assigned to it until reinstated."),
            destructive=True,
        ),
        Transition(
            "reinstate",
            (P.SUSPENDED,),
            P.ACCREDITED,
            _("Reinstate"),
            policies.can_accredit,
            needs_reason=True,
            confirm=_("The provider is accredited again: requests can be assigned to it."),
        ),
        Transition(
            "revoke",
            (P.APPLIED, P.ACCREDITED, P.SUSPENDED),
            P.REVOKED,
            _("Revoke"),
            policies.can_accredit,
            needs_reason=True,
            confirm=_("The accreditation is revoked for good with your reason; this cannot be undone."),
            destructive=True,
        ),
    ],
    model=Provider,
)

# States in which the request waits on a provider, against a deadline.
CLOCKED_STATES = (R.ASSIGNED, R.ACCEPTED, R.IN_PROGRESS)
OPEN_STATES = (R.SUBMITTED, R.ASSIGNED, R.DECLINED, R.ACCEPTED, R.IN_PROGRESS, R.DELIVERED)
FINAL_STATES = (R.CLOSED, R.CANCELLED)
# Working days a provider has to accept or decline an assigned request.
ACCEPT_WORKING_DAYS = 3
# Days to deliver a request routed to a provider without a chosen service.
DEFAULT_DELIVERY_DAYS = 30


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """``days`` working days (Monday to Friday) after ``start``."""
    day = start
    while days > 0:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def check_routable(*, provider: Provider, service: Service | None, category: str) -> None:
    """A request reaches only an accredited provider, for a service it offers in the request's category."""
    if not provider.is_accredited:
        raise DomainError(
            _("%(provider)s is not accredited (%(state)s) and cannot take requests.")
            % {"provider": provider.display_name, "state": ProviderState(provider.state).label},
            field="provider",
            code="provider_not_accredited",
        )
    if service is not None:
        if service.provider_id != provider.pk:
            raise DomainError(_("This service is not offered by the chosen provider."), field="service")
        if not service.active:
            raise DomainError(_("This service is no longer offered."), field="service")
        if service.category != category:
            raise DomainError(_("The service belongs to another category."), field="service")


# What each step stamps on the request (``Transition.prepare``), from what the person gave.


def _assigned(request: ServiceRequest, *, actor, reason: str, provider=None, service=None, **_given) -> tuple:
    """Routed to an accredited provider (not one that declined it), to accept within 3 working days."""
    if provider is None:
        raise DomainError(_("Choose the provider to assign the request to."), field="provider")
    if service is None and request.service_id is not None and request.service.provider_id == provider.pk:
        service = request.service
    check_routable(provider=provider, service=service, category=request.category)
    if request.state == R.DECLINED and request.provider_id == provider.pk:
        raise DomainError(_("This provider has declined the request; choose another."), field="provider")
    request.provider, request.service = provider, service
    request.due_on = add_working_days(clock.today(), ACCEPT_WORKING_DAYS)
    return ("provider", "service", "due_on")


def _accepted(request: ServiceRequest, **_given) -> tuple:
    """To deliver within the service's expected days (kept as ``deliver_by`` to judge "on time")."""
    days = request.service.expected_days if request.service_id else DEFAULT_DELIVERY_DAYS
    request.accepted_on = clock.today()
    request.deliver_by = request.due_on = request.accepted_on + datetime.timedelta(days=days)
    return ("due_on", "accepted_on", "deliver_by")


def _declined(request: ServiceRequest, *, reason: str, **_given) -> tuple:
    request.decline_reason = reason.strip()
    request.due_on = None
    return ("decline_reason", "due_on")


def _delivered(request: ServiceRequest, *, note: str = "", **_given) -> tuple:
    if not note.strip():
        raise DomainError(_("Please describe what was done."), field="note")
    request.delivery_note = note.strip()
    request.delivered_on = clock.today()
    return ("delivery_note", "delivered_on")


def _outcome_recorded(request: ServiceRequest, **_given) -> tuple:
    """The outcome is written first (``services.financing_outcome_record``): it is the delivery."""
    if not request.financing.outcome:
        raise DomainError(_("Give the outcome: granted with its amount, or refused with a reason."), field="outcome")
    return ()


def _rated(request: ServiceRequest, *, rating=None, comment: str = "", **_given) -> tuple:
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise DomainError(_("Please rate the service from 1 to 5."), field="rating", code="rating_out_of_range")
    request.rating, request.rating_comment = rating, comment.strip()
    request.due_on = None
    return ("rating", "rating_comment", "due_on")


def _off_the_clock(request: ServiceRequest, **_given) -> tuple:
    request.due_on = None
    return ("due_on",)


# Its effects (``Transition.effect``), in the same transaction.


def _remember_decline(request: ServiceRequest, **_given) -> None:
    """A decline counts in the provider's performance though the request goes to another."""
    request.declined_by.add(request.provider_id)


def _complete_plan_item(request: ServiceRequest, *, actor, **_given) -> None:
    """A plan item whose request is closed counts as done, with the delivery as its outcome
    (whoever closed it: the enterprise, its unit or the office)."""
    if request.plan_item_id is None:
        return
    item = SupportPlanItem.objects.select_for_update().get(pk=request.plan_item_id)
    if item.status in (SupportStatus.PLANNED, SupportStatus.IN_PROGRESS):
        item.outcome = str(
            _("Service request #%(id)s closed: %(note)s") % {"id": request.pk, "note": request.delivery_note}
        )
        item.completed_on = clock.today()
        SUPPORT_WORKFLOW.apply(
            item,
            action="request_closed",
            actor=actor,
            reason=item.outcome,
            extra_fields=["outcome", "completed_on"],
            via="serviceplatform.close",
        )


# Whom each step tells (issue 18): the provider of work routed to it, the requester (the
# enterprise's account, or whoever filed for an enterprise without one) of its answer and the
# delivery, the unit's officers of what waits on them (a request to assign, a declined one to
# reassign, an overdue one). ``services.tell_of_transition`` resolves the audiences.
def _due(request: ServiceRequest, **_given) -> dict:
    return {"due": request.due_on.isoformat() if request.due_on else ""}


def _reason(request: ServiceRequest, *, reason: str, **_given) -> dict:
    return {"reason": reason}


def _delivery(request: ServiceRequest, **_given) -> dict:
    return {"note": request.delivery_note}


def _rating(request: ServiceRequest, **_given) -> dict:
    return {"rating": request.rating}


# Filed without a provider: the unit assigns it (``services.request_file`` sends it).
FILED_UNROUTED = (Notice("service_request_to_assign", "unit"),)
DELIVERED = (Notice("service_request_delivered", "requester", _delivery),)
# A beat's finding, not a step: the unit and the provider hear once per deadline missed.
OVERDUE = (Notice("service_request_overdue", "unit", _due), Notice("service_request_overdue", "provider", _due))


def _rated_only_after_delivery(state: str) -> DomainError:
    if state == R.CLOSED:
        return DomainError(_("This request has already been rated."), field="rating", code="already_rated")
    return DomainError(
        _("A request is rated only after delivery: it is not possible while it is “%(state)s”.")
        % {"state": R(state).label},
        field="rating",
        code="not_delivered",
    )


def is_financing(request: ServiceRequest) -> bool:
    return hasattr(request, "financing")


def delivered_by_outcome(request: ServiceRequest) -> None:
    """A financing request is delivered by recording its outcome (granted or refused)."""
    if is_financing(request):
        raise DomainError(
            _("A financing request is delivered by recording its outcome."), field="action", code="outcome_missing"
        )


def has_financing(request: ServiceRequest) -> None:
    if not is_financing(request):
        raise DomainError(_("Only a financing request has an outcome."), field="action", code="not_financing")


def outcome_wrong_state(state: str) -> DomainError | None:
    if state in (R.SUBMITTED, R.ASSIGNED, R.DECLINED):
        return DomainError(
            _("The provider records the outcome after accepting the request."), code="outcome_before_acceptance"
        )
    if state in (R.DELIVERED, R.CLOSED):
        return DomainError(_("The outcome of this request has already been recorded."), code="outcome_recorded")
    return None


REQUEST_WORKFLOW = Workflow(
    state_field="state",
    states=R,
    transitions=[
        Transition(
            "assign",
            (R.SUBMITTED, R.DECLINED),
            R.ASSIGNED,
            _("Assign to a provider"),
            policies.may_assign,
            prepare=_assigned,
            notices=(Notice("service_request_assigned", "provider", _due),),
        ),
        Transition(
            "accept",
            (R.ASSIGNED,),
            R.ACCEPTED,
            pgettext_lazy("service request", "Accept"),
            policies.is_assigned_provider,
            prepare=_accepted,
            notices=(Notice("service_request_accepted", "requester", _due),),
        ),
        Transition(
            "decline",
            (R.ASSIGNED,),
            R.DECLINED,
            pgettext_lazy("service request", "Decline"),
            policies.is_assigned_provider,
            needs_reason=True,
            destructive=True,
            confirm=_("The request goes back to its requester with your reason, to be assigned to another provider."),
            prepare=_declined,
            effect=_remember_decline,
            notices=(
                Notice("service_request_declined", "requester", _reason),
                Notice("service_request_declined", "unit", _reason),
            ),
        ),
        Transition(
            "start",
            (R.ACCEPTED,),
            R.IN_PROGRESS,
            pgettext_lazy("service request", "Start work"),
            policies.is_assigned_provider,
        ),
        Transition(
            "deliver",
            (R.ACCEPTED, R.IN_PROGRESS),
            R.DELIVERED,
            _("Mark delivered"),
            policies.is_assigned_provider,
            condition=delivered_by_outcome,
            prepare=_delivered,
            notices=DELIVERED,
            confirm=_(
                "The request is marked delivered and the requester is asked to "
                "close it with a rating; this cannot be undone."
            ),
        ),
        Transition(
            "record_outcome",
            (R.ACCEPTED, R.IN_PROGRESS),
            R.DELIVERED,
            _("Record the financing outcome"),
            policies.is_assigned_provider,
            condition=has_financing,
            wrong_state=outcome_wrong_state,
            prepare=_outcome_recorded,
            notices=DELIVERED,
            confirm=_(
                "The financing outcome is recorded and the request is marked delivered; "
                "the requester is asked to close it with a rating."
            ),
        ),
        Transition(
            "close",
            (R.DELIVERED,),
            R.CLOSED,
            _("Close with a rating"),
            policies.is_requesting_side,
            wrong_state=_rated_only_after_delivery,
            prepare=_rated,
            effect=_complete_plan_item,
            notices=(Notice("service_request_closed", "provider", _rating),),
            confirm=_("The request is closed with your rating of the provider; this cannot be undone."),
        ),
        Transition(
            "cancel",
            (R.SUBMITTED, R.ASSIGNED, R.DECLINED, R.ACCEPTED, R.IN_PROGRESS),
            R.CANCELLED,
            _("Cancel"),
            policies.may_cancel,
            needs_reason=True,
            confirm=_("The request is cancelled for good with your reason; the provider is told."),
            destructive=True,
            prepare=_off_the_clock,
            notices=(Notice("service_request_cancelled", "provider", _reason),),
        ),
    ],
    model=ServiceRequest,
)
