from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    name = "funding"
    verbose_name = _("Staged funding")

    def ready(self) -> None:
        from qinhuai_talent.core.audit import AUDIT_CHECKS
        from qinhuai_talent.core.models import Role
        from qinhuai_talent.core.registry import NavItem, register_attention, register_nav

        from . import support, tasks  # noqa: F401  (register the job kinds and the agreements' awards)
        from .selectors import attention
        from .services import verify_ledger

        if verify_ledger not in AUDIT_CHECKS:
            AUDIT_CHECKS.append(verify_ledger)
        money_readers = (Role.OFFICE, Role.STREET, Role.PARK, Role.FINANCE, Role.LEADER)
        section = _("Funding")
        register_nav(
            NavItem(_("Agreements"), "funding:agreement-list", money_readers, section, 40),
            NavItem(_("My agreements"), "funding:mine", (Role.TALENT, Role.ENTERPRISE), _("Mine"), 7),
            NavItem(
                _("Payouts to approve"), "funding:payout-queue", (Role.OFFICE, Role.STREET, Role.PARK), section, 41
            ),
            NavItem(_("Payments to record"), "funding:finance-queue", (Role.FINANCE,), section, 42),
            NavItem(_("Ledger"), "funding:ledger", money_readers, section, 43),
            NavItem(_("Payment reversals"), "funding:reversal-queue", money_readers, section, 43),
            NavItem(_("Budgets"), "funding:budget-list", money_readers, section, 44),
            NavItem(_("Approval limits"), "funding:limit-list", money_readers, section, 44),
            NavItem(
                _("Exit board"), "funding:exit-board", (Role.OFFICE, Role.STREET, Role.PARK, Role.LEADER), section, 45
            ),
            NavItem(_("Cash-flow forecast"), "funding:forecast", money_readers, section, 46),
        )
        register_attention(attention)
        declare_references()


def declare_references() -> None:
    from qinhuai_talent.core import references

    from .models import Agreement, Budget, PlanTemplate
    from .selectors import agreements_for, budgets_for

    references.declare(Agreement, agreements_for)
    references.declare(Budget, budgets_for)
    references.declare(PlanTemplate)
