"""Who may see and do what on the service platform: the one place views, API and exports ask.

A provider's staff see only the requests routed to their organisation; an enterprise's unit
officer (and the office) file, route and follow its requests.
"""

from qinhuai_talent.core import access
from qinhuai_talent.core.models import Role, User


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


def is_requesting_side(user: User, request) -> bool:
    """The enterprise's unit officer or the office: they file, route, cancel and close."""
    return access.can_manage_unit(user, request.org_unit_id)


def is_assigned_provider(user: User, request) -> bool:
    return request.provider_id is not None and provider_id_of(user) == request.provider_id


def can_file(user: User) -> bool:
    return access.is_office(user) or access.is_unit_officer(user)


def can_read_requests(user: User) -> bool:
    return user.is_authenticated and user.role != Role.EXPERT
