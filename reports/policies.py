"""Who may read the reports and who manages report clients (built on qinhuai_talent.core.access)."""

from qinhuai_talent.core.access import is_office
from qinhuai_talent.core.models import Role, User

DASHBOARD_ROLES = (Role.OFFICE, Role.LEADER, Role.STREET, Role.PARK)


def can_see_dashboard(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role in DASHBOARD_ROLES)


def can_manage_report_clients(user: User) -> bool:
    """The district talent office issues and revokes report clients' tokens."""
    return is_office(user)
