from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "assessment"
    verbose_name = _("Unit assessment")

    def ready(self) -> None:
        from qinhuai_talent.core.models import Role
        from qinhuai_talent.core.registry import NavItem, register_attention, register_nav

        from . import tasks  # noqa: F401  (registers recompute_assessments)
        from .selectors import attention

        section = _("Assessment")
        everyone = (Role.OFFICE, Role.LEADER, Role.FINANCE, Role.STREET, Role.PARK)
        register_nav(
            NavItem(_("League tables"), "assessment:league", everyone, section, 60),
            NavItem(_("Scorecards"), "assessment:assessment-list", everyone, section, 61),
            NavItem(_("Schemes and indicators"), "assessment:scheme-list", everyone, section, 62),
            NavItem(_("Targets"), "assessment:target-list", everyone, section, 63),
            NavItem(_("Activities"), "assessment:activity-list", everyone, section, 64),
            NavItem(_("Work funds"), "assessment:pool-list", (Role.OFFICE, Role.LEADER, Role.FINANCE), section, 65),
        )
        register_attention(attention)
        declare_references()


def declare_references() -> None:
    """Schemes and their indicators are the district's; only the office edits them."""
    from qinhuai_talent.core import references

    from .models import AssessmentScheme, Indicator, WorkFundPool

    for model in (AssessmentScheme, Indicator, WorkFundPool):
        references.declare(model)
