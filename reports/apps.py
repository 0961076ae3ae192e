from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from qinhuai_talent.core.models import Role
        from qinhuai_talent.core.registry import NavItem, register_key_figures, register_nav

        from .home import key_figures
        from .pages import REPORTS

        register_key_figures(key_figures)
        section = _("Reports")
        register_nav(
            NavItem(
                _("District dashboard"),
                "reports:dashboard",
                (Role.OFFICE, Role.LEADER, Role.STREET, Role.PARK),
                section,
                order=90,
            ),
            *(
                NavItem(report.title, f"reports:{key}", report.roles, section, order=91 + i)
                for i, (key, report) in enumerate(REPORTS.items())
            ),
            NavItem(_("Report clients"), "reports:client-list", (Role.OFFICE,), section, order=99),
        )
