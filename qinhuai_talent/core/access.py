"""Who may see and do what, by role and unit: the one place every view, API, admin and export asks.

A list is filtered by scope (never checked row by row after the fact); a record outside the
caller's scope is a 404, exactly as one that does not exist.
"""

from django.db.models import Model, QuerySet
from django.http import Http404

from .models import OUTSIDE_ROLES, SELF_ROLES, Role, User

# Roles that read the whole district.
DISTRICT_READERS = (Role.OFFICE, Role.LEADER, Role.FINANCE)


def unit_scope(user: User) -> list[int] | None:
    """The unit ids whose records ``user`` may see, or ``None`` for the whole district."""
    if not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser or user.role in DISTRICT_READERS:
        return None
    if user.role in (Role.STREET, Role.PARK):
        return [user.org_unit_id] if user.org_unit_id else []
    if user.role == Role.API_CLIENT:
        if user.grants_all_units:
            return None
        return list(user.granted_units.values_list("pk", flat=True))
    return []


def is_self_service(user: User) -> bool:
    """A talent's or an enterprise's own account (issue 16): it sees only its own records."""
    return user.is_authenticated and user.role in SELF_ROLES


def is_outside(user: User) -> bool:
    """A self-service account or a provider's staff: people outside the district's offices."""
    return bool(user and user.is_authenticated and user.role in OUTSIDE_ROLES)


def names_to(reader: User | None, person: User) -> bool:
    """Whether ``reader`` is told who ``person`` is (who filed, prepared, approved or owns a record):
    the back office's people are named to the back office only, an outside account to everyone."""
    return person.role in OUTSIDE_ROLES or (reader is not None and reader.is_authenticated and not is_outside(reader))


def scope_own(qs: QuerySet, user: User, *, talent: str | None = None, enterprise: str | None = None) -> QuerySet:
    """A self-service account's own rows of ``qs``: ``talent`` and ``enterprise`` name the path from
    a row to the account that owns it for each role (``"talent__account"``,
    ``"enterprise__account"``); a role without a path owns nothing of ``qs``. Every other role
    gets nothing here: its records are scoped by unit (``scope_units``)."""
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    path = {Role.TALENT: talent, Role.ENTERPRISE: enterprise}.get(user.role)
    if path is None:
        return qs.none()
    owned = qs.filter(**{path: user})
    # A path through a to-many relation (an enterprise's founders) may repeat a row.
    return owned.distinct() if "founders" in path or "founded" in path else owned


def scope_units(qs: QuerySet, user: User, unit_field: str = "org_unit") -> QuerySet:
    """Filter ``qs`` to the records of units in the caller's scope (a self-service account: none;
    its own records are read through ``scope_own``)."""
    units = unit_scope(user)
    if units is None:
        return qs
    if not units:
        return qs.none()
    return qs.filter(**{f"{unit_field}__in": units})


def in_scope(user: User, unit_id: int | None) -> bool:
    units = unit_scope(user)
    return units is None or (unit_id is not None and unit_id in units)


def get_or_404(qs: QuerySet, **lookup) -> Model:
    """``qs`` is already scoped; a missing row and an out-of-scope row look the same."""
    try:
        return qs.get(**lookup)
    except qs.model.DoesNotExist:
        raise Http404 from None


def is_office(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role == Role.OFFICE)


def is_unit_officer(user: User) -> bool:
    return user.is_authenticated and user.role in (Role.STREET, Role.PARK)


def can_manage_unit(user: User, unit_id: int | None) -> bool:
    """Office staff manage every unit; a street or park officer manages only their own."""
    if is_office(user):
        return True
    return is_unit_officer(user) and unit_id is not None and unit_id == user.org_unit_id


def can_see_history(user: User) -> bool:
    """Audit history (who changed what) is for district office staff."""
    return is_office(user)


def can_write(user: User) -> bool:
    """Leadership and report clients only read; a self-service account writes only its own records,
    through the services made for it, never the back office's."""
    return user.is_authenticated and user.role not in (Role.LEADER, Role.API_CLIENT, *SELF_ROLES)


def users_for(user: User) -> QuerySet:
    """The accounts a user may see: office all; a unit officer their unit's; others themselves."""
    qs = User.objects.select_related("org_unit").order_by("username")
    if not user.is_authenticated:
        return qs.none()
    if is_office(user):
        return qs
    if is_unit_officer(user):
        return qs.filter(org_unit_id=user.org_unit_id)
    return qs.filter(pk=user.pk)
