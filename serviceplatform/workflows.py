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
closes with a rating; the enterprise cancels only before a provider accepts. The services add the
rules that depend on data (an accredited provider, the deadlines, the rating).
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qinhuai_talent.core.errors import DomainError
from qinhuai_talent.core.workflow import Transition, Workflow

from . import policies
from .models import Provider, ServiceRequest
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
        Transition("assign", (R.SUBMITTED, R.DECLINED), R.ASSIGNED, _("Assign to a provider"), policies.may_assign),
        Transition(
            "accept",
            (R.ASSIGNED,),
            R.ACCEPTED,
            pgettext_lazy("service request", "Accept"),
            policies.is_assigned_provider,
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
        ),
    ],
    model=ServiceRequest,
)
