"""Who may see and do what with support funds: the one place views, API and services ask."""

from qinhuai_talent.core.access import can_manage_unit, can_write, is_office, is_unit_officer, unit_scope
from qinhuai_talent.core.models import Role, User

from .models import ApproverLevel


def can_see_funding(user: User) -> bool:
    """Office, leadership and finance see every unit's money; officers and report clients their scope."""
    return user.is_authenticated and user.role != Role.EXPERT and unit_scope(user) != []


def is_finance(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role == Role.FINANCE)


def can_manage_agreement(user: User, agreement) -> bool:
    return can_write(user) and can_manage_unit(user, agreement.org_unit_id)


def can_approve_payout(user: User, payout) -> bool:
    """Within the unit's delegated limit the unit's officer approves; above it the district office.
    The office may also approve a unit-level payout (it holds the authority it delegated)."""
    if is_office(user):
        return True
    return (
        payout.approver_level == ApproverLevel.UNIT and is_unit_officer(user) and user.org_unit_id == payout.org_unit_id
    )


def can_resubmit_payout(user: User, payout) -> bool:
    """A returned payout goes back to its approver from its unit (or from the office)."""
    return can_write(user) and can_manage_unit(user, payout.org_unit_id)


def can_record_payment(user: User, payout=None) -> bool:
    return is_finance(user)


def can_propose_reversal(user: User, payout=None) -> bool:
    """Finance proposes a payment's reversal (冲正)."""
    return is_finance(user)


def can_decide_reversal(user: User, reversal=None) -> bool:
    """The office approves or rejects a reversal, never the person who proposed it (four eyes,
    whatever roles they hold)."""
    return is_office(user) and (reversal is None or reversal.proposed_by_id != user.pk)


def can_withdraw_reversal(user: User, reversal=None) -> bool:
    return reversal is not None and reversal.proposed_by_id == user.pk


def can_open_case(user: User, obj) -> bool:
    return can_write(user) and can_manage_unit(user, obj.org_unit_id)


def can_dismiss_flag(user: User, flag) -> bool:
    return can_write(user) and can_manage_unit(user, flag.org_unit_id)


def can_decide_exit(user: User, case=None) -> bool:
    """Exiting a venture ends a district decision: the office decides."""
    return is_office(user)


def can_record_recovery(user: User, case=None) -> bool:
    return is_finance(user)


def can_set_budgets(user: User) -> bool:
    """Budgets and the units' delegated approval limits are the district office's."""
    return is_office(user)


def approver_queue_level(user: User) -> str | None:
    """Which payouts wait for this user: the office the district-level ones, an officer the unit's."""
    if is_office(user):
        return ApproverLevel.DISTRICT
    if is_unit_officer(user):
        return ApproverLevel.UNIT
    return None


def can_report_use_of_funds(user: User, tranche) -> bool:
    """The enterprise's own account reports how a paid tranche's funds were used."""
    return (
        user.is_authenticated
        and user.role == Role.ENTERPRISE
        and user.is_active
        and tranche.agreement.enterprise.account_id == user.pk
    )
