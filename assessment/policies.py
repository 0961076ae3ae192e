"""Who may see and do what in the assessment: the one place views, API and services ask."""

from qinhuai_talent.core import access
from qinhuai_talent.core.models import User


def can_configure(user: User) -> bool:
    """Schemes, indicators, grade bands, targets, publication and work funds are the office's."""
    return access.is_office(user)


def can_enter_manual_value(user: User, unit_id: int | None) -> bool:
    """The office only. An assessed unit never changes its own assessment input: the figures by
    hand are third parties' (a satisfaction survey, an award) and those computed from records take
    none; the unit confirms its scorecard or objects to it."""
    return access.is_office(user)


def can_answer_for_unit(user: User, assessment) -> bool:
    """Only the assessed unit's own officer confirms or objects (一把手 answers for the unit)."""
    return access.is_unit_officer(user) and user.org_unit_id == assessment.org_unit_id


def can_record_activity(user: User, unit_id: int | None) -> bool:
    return access.can_manage_unit(user, unit_id)
