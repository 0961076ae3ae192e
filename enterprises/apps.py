from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "enterprises"
    verbose_name = _("Talent enterprises")

    def ready(self) -> None:
        from qinhuai_talent.core.models import Role
        from qinhuai_talent.core.registry import NavItem, register_attention, register_nav

        from . import tasks  # noqa: F401  (registers recompute_enterprise_figures)
        from .selectors import attention

        readers = (Role.OFFICE, Role.STREET, Role.PARK, Role.LEADER, Role.FINANCE)
        officers = (Role.OFFICE, Role.STREET, Role.PARK)
        section = _("Enterprises")
        register_nav(
            NavItem(_("Talent enterprises"), "enterprises:list", readers, section, 30),
            NavItem(_("My enterprise"), "enterprises:mine", (Role.ENTERPRISE,), _("Mine"), 6),
            NavItem(_("Support plans (一企一策)"), "enterprises:support-plan", officers, section, 31),
            NavItem(_("Import operating data"), "enterprises:imports", officers, section, 32),
            NavItem(_("Quarterly filing"), "enterprises:filing", (*officers, Role.LEADER), section, 32),
            NavItem(_("Maker spaces"), "enterprises:maker-spaces", readers, section, 33),
            NavItem(_("Mentors"), "enterprises:mentors", readers, section, 34),
            NavItem(_("Class rules"), "enterprises:class-rules", (Role.OFFICE, Role.LEADER), section, 35),
        )
        register_attention(attention)
        declare_references()


def declare_references() -> None:
    from qinhuai_talent.core import references

    from .models import ClassRule, Enterprise, MakerSpace, Mentor
    from .selectors import enterprises_for

    references.declare(Enterprise, enterprises_for)
    references.declare(MakerSpace, lambda user: references.unit_or_district(MakerSpace.objects.all(), user))
    references.declare(Mentor, lambda user: references.unit_or_district(Mentor.objects.all(), user))
    references.declare(ClassRule)
