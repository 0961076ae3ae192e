"""Who may see and change what in the enterprise database: the one place views, API and exports ask.

Reading is scoped by unit through ``qinhuai_talent.core.access``; these are the write rules.
"""

from qinhuai_talent.core import access
from qinhuai_talent.core.models import Role, User


def can_edit_unit(user: User, unit_id: int | None) -> bool:
    """Office staff change every unit's enterprises; a street or park officer only their unit's."""
    return access.can_manage_unit(user, unit_id)


def can_edit(user: User, enterprise) -> bool:
    return can_edit_unit(user, enterprise.org_unit_id)


def can_create(user: User) -> bool:
    return access.is_office(user) or access.is_unit_officer(user)


def can_import(user: User) -> bool:
    """Office imports for any unit or the whole district; an officer for their own unit."""
    return access.is_office(user) or access.is_unit_officer(user)


def can_import_whole_district(user: User) -> bool:
    return access.is_office(user)


def can_edit_class_rules(user: User) -> bool:
    return access.is_office(user)


def can_edit_registries(user: User) -> bool:
    """Maker spaces and mentors are district registries kept by the office."""
    return access.is_office(user)


def can_read(user: User) -> bool:
    """Experts review applications only; they do not browse the enterprise database."""
    return user.is_authenticated and user.role != Role.EXPERT


def is_own_enterprise(user: User, enterprise) -> bool:
    """An enterprise account and the enterprise it holds (confirmed claim)."""
    return user.is_authenticated and user.role == Role.ENTERPRISE and enterprise.account_id == user.pk


def can_set_filing_windows(user: User) -> bool:
    return access.is_office(user)


def can_see_filing_board(user: User) -> bool:
    """Who has filed a quarter: the unit's officers for their unit, the office and leadership for all."""
    return (
        access.is_office(user) or access.is_unit_officer(user) or (user.is_authenticated and user.role == Role.LEADER)
    )
