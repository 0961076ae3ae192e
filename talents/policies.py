"""Who may see and do what in the talents app: every view, API endpoint and selector asks here.

- Office and leadership see the whole district; leadership only reads.
- A street or park officer sees and acts on their own unit's talents, titles and applications.
- An expert sees only the applications assigned to them, and no identity numbers.
- Finance sees talents and titles (payouts name them) but not applications and reviews.
- A report client sees the units its token is granted.
"""

from django.db.models import QuerySet

from qinhuai_talent.core import access
from qinhuai_talent.core.models import Role, User

from .models import Application, SelectionAuthority, Talent, Title


def talents_for(user: User) -> QuerySet:
    if not user.is_authenticated or user.role == Role.EXPERT:
        return Talent.objects.none()
    return access.scope_units(Talent.objects.all(), user, "org_unit")


def titles_for(user: User) -> QuerySet:
    if not user.is_authenticated or user.role == Role.EXPERT:
        return Title.objects.none()
    return access.scope_units(Title.objects.all(), user, "org_unit")


def applications_for(user: User) -> QuerySet:
    qs = Application.objects.all()
    if not user.is_authenticated:
        return qs.none()
    if user.role == Role.EXPERT:
        return qs.filter(assignments__expert=user)
    if user.role == Role.FINANCE:
        return qs.none()
    return access.scope_units(qs, user, "org_unit")


def can_see_id_number(user: User, talent: Talent) -> bool:
    """Only office staff and the talent's own unit officer see the full ID number and phone number,
    on the detail page; everywhere else they are masked (qinhuai_talent.core.masking)."""
    return access.is_office(user) or (access.is_unit_officer(user) and user.org_unit_id == talent.org_unit_id)


def is_unit_side(user: User, application: Application) -> bool:
    """The applicant's side: the hosting unit's officer, or office staff acting for the district."""
    return access.can_manage_unit(user, application.org_unit_id)


def is_own_applicant(user: User, application: Application) -> bool:
    """The applicant's own account (role ``talent``), applying online (issue 16, item 4)."""
    return (
        user.is_authenticated
        and user.role == Role.TALENT
        and application.talent_id is not None
        and Talent.objects.filter(pk=application.talent_id, account_id=user.pk).exists()
    )


def is_applicant_side(user: User, application: Application) -> bool:
    """Who submits, withdraws and changes a draft or returned application: the unit side (filing
    on the applicant's behalf) or the applicant's own account."""
    return is_unit_side(user, application) or is_own_applicant(user, application)


def is_selector(user: User, application: Application) -> bool:
    """District-level projects are selected by the hosting unit (delegated); the rest by the office."""
    if application.call.program.selection_authority == SelectionAuthority.HOST_UNIT:
        return access.can_manage_unit(user, application.org_unit_id)
    return access.is_office(user)


def is_office(user: User, application: Application | None = None) -> bool:
    return access.is_office(user)


def can_manage_talents(user: User, unit_id: int | None) -> bool:
    return access.can_manage_unit(user, unit_id)


def can_edit_application(user: User, application: Application) -> bool:
    """The unit side changes an application while it is a draft or returned for revision."""
    from .models import ApplicationState

    return is_unit_side(user, application) and application.state in (
        ApplicationState.DRAFT,
        ApplicationState.RETURNED,
    )


def can_assign_experts(user: User, application: Application) -> bool:
    """The office assigns for every program; a hosting unit for the district-level programs it selects."""
    return access.is_office(user) or (
        application.call.program.selection_authority == SelectionAuthority.HOST_UNIT
        and access.can_manage_unit(user, application.org_unit_id)
    )


def may_assign_any(user: User) -> bool:
    """Whether the person assigns experts at all (the expert-assignment queue): the office, and unit
    officers, for the district-level programs their unit selects."""
    return access.can_write(user) and (access.is_office(user) or access.is_unit_officer(user))


def assignable(user: User, qs):
    """``can_assign_experts`` as a filter on a scoped queryset of applications."""
    if access.is_office(user):
        return qs
    return qs.filter(call__program__selection_authority=SelectionAuthority.HOST_UNIT)


def can_manage_calls(user: User) -> bool:
    return access.is_office(user)


def can_record_objection(user: User, application: Application) -> bool:
    return access.is_office(user)
