"""Who may see and do what on the service platform: the one place views, API and exports ask.

A provider's staff see only the requests routed to their organisation; an enterprise's unit
officer (and the office) file, route and follow its requests; the enterprise's own account
files its requests, follows them, cancels one before a provider accepts it and rates it.
"""

from django.utils.translation import gettext_lazy as _

from qinhuai_talent.core import access
from qinhuai_talent.core.errors import ActionNotAllowed
from qinhuai_talent.core.models import Role, User

# States in which the enterprise itself may still cancel: no provider has accepted the work.
CANCELLABLE_BY_ENTERPRISE = ("submitted", "assigned", "declined")


def provider_id_of(user: User) -> int | None:
    if not user.is_authenticated or user.role != Role.PROVIDER:
        return None
    staff = getattr(user, "provider_staff", None)
    return staff.provider_id if staff is not None else None


def can_accredit(user: User, provider=None) -> bool:
    """Accreditation (认定, 暂停, 撤销) is the office's."""
    return access.is_office(user)


def can_manage_providers(user: User) -> bool:
    return access.is_office(user)


def can_see_performance(user: User) -> bool:
    """Providers' performance is for those who route requests and review providers."""
    return (
        access.is_office(user) or access.is_unit_officer(user) or (user.is_authenticated and user.role == Role.LEADER)
    )


def can_review_providers(user: User) -> bool:
    """The yearly provider review (every provider's figures against the thresholds, by page and
    API) is the office's; leadership reads it."""
    return access.is_office(user) or (user.is_authenticated and user.role == Role.LEADER)


def can_set_thresholds(user: User) -> bool:
    return access.is_office(user)


def is_enterprise_account(user: User) -> bool:
    return user.is_authenticated and user.role == Role.ENTERPRISE


def is_own_request(user: User, request) -> bool:
    """The enterprise's own account (its confirmed claim) and one of its requests."""
    return is_enterprise_account(user) and request is not None and request.enterprise.account_id == user.pk


def is_routing_side(user: User, request) -> bool:
    """The enterprise's unit officer or the office: they file on its behalf, route and follow."""
    return request is not None and access.can_manage_unit(user, request.org_unit_id)


def may_assign(user: User, request) -> bool:
    """The unit or the office route a request; the enterprise chooses its provider itself until
    then (from the catalogue when it files), never after a provider declined."""
    if is_routing_side(user, request):
        return True
    return is_own_request(user, request) and request.state == "submitted"


def is_requesting_side(user: User, request) -> bool:
    """Who closes a delivered request with a rating: the enterprise, or its unit or the office for it."""
    return is_routing_side(user, request) or is_own_request(user, request)


def may_cancel(user: User, request) -> bool:
    """The unit and the office cancel an open request; the enterprise only before acceptance."""
    if is_routing_side(user, request):
        return True
    if not is_own_request(user, request):
        return False
    if request.state not in CANCELLABLE_BY_ENTERPRISE:
        raise ActionNotAllowed(
            _("The provider has accepted this request; ask your unit's officer to cancel it."),
            code="accepted_already",
        )
    return True


def is_assigned_provider(user: User, request) -> bool:
    return request is not None and request.provider_id is not None and provider_id_of(user) == request.provider_id


def can_file(user: User) -> bool:
    """Officers file for their unit's enterprises, the office for any, an enterprise for itself."""
    return access.is_office(user) or access.is_unit_officer(user) or is_enterprise_account(user)


def can_file_for(user: User, enterprise) -> bool:
    if is_enterprise_account(user):
        return enterprise.account_id == user.pk
    return access.can_manage_unit(user, enterprise.org_unit_id)


def can_enter_purchase(user: User, unit_id: int | None) -> bool:
    """First purchases (产品首购订购): the office, and a unit's officer for its enterprises."""
    return access.can_manage_unit(user, unit_id)


def can_enter_purchases(user: User) -> bool:
    return access.is_office(user) or access.is_unit_officer(user)


def can_read_purchases(user: User) -> bool:
    """The office, the units, leadership and finance read first purchases (their scope's)."""
    return user.is_authenticated and user.role in (Role.OFFICE, Role.STREET, Role.PARK, Role.LEADER, Role.FINANCE)


def can_read_requests(user: User) -> bool:
    return user.is_authenticated and user.role not in (Role.EXPERT, Role.TALENT)
