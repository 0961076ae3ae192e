from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicePlatformConfig(AppConfig):
    name = "serviceplatform"
    verbose_name = _("Service platform (1+x)")

    def ready(self) -> None:
        from qinhuai_talent.core.models import Role
        from qinhuai_talent.core.registry import NavItem, register_attention, register_nav

        from .selectors import attention

        section = _("Services (1+x)")
        readers = (Role.OFFICE, Role.STREET, Role.PARK, Role.LEADER, Role.FINANCE, Role.PROVIDER)
        register_nav(
            NavItem(_("Service requests"), "serviceplatform:requests", readers, section, 60),
            NavItem(_("Service providers"), "serviceplatform:providers", readers, section, 61),
            NavItem(_("Service catalogue"), "serviceplatform:catalogue", readers, section, 62),
            NavItem(_("Provider review"), "serviceplatform:provider-review", (Role.OFFICE, Role.LEADER), section, 63),
            NavItem(_("My service requests"), "serviceplatform:requests", (Role.ENTERPRISE,), _("Mine"), 8),
            NavItem(_("Service catalogue"), "serviceplatform:catalogue", (Role.ENTERPRISE,), _("Mine"), 9),
            NavItem(
                _("First purchases"),
                "serviceplatform:first-purchases",
                (Role.OFFICE, Role.STREET, Role.PARK, Role.LEADER, Role.FINANCE),
                section,
                63,
            ),
            NavItem(
                _("Guidance fund budgets"),
                "serviceplatform:fund-budgets",
                (Role.OFFICE, Role.LEADER, Role.FINANCE),
                section,
                64,
            ),
        )
        register_attention(attention)
        declare_references()


def declare_references() -> None:
    """Providers and services are the district's register (the service refuses one that is not
    accredited, by name); a plan item is its enterprise's, in the caller's scope."""
    from enterprises.models import SupportPlanItem
    from enterprises.selectors import support_items_for
    from qinhuai_talent.core import references

    from .models import Provider, Service

    references.declare(Provider)
    references.declare(Service)
    if not references.declared(SupportPlanItem):
        references.declare(SupportPlanItem, support_items_for)
