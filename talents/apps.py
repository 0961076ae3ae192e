from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TalentsConfig(AppConfig):
    name = "talents"
    verbose_name = _("Talents and programs")

    def ready(self) -> None:
        from qinhuai_talent.core.models import Role
        from qinhuai_talent.core.registry import NavItem, register_attention, register_nav

        from .attention import attention

        section = _("Talents")
        register_nav(
            NavItem(
                _("Calls and pipeline"),
                "talents:call-list",
                (Role.OFFICE, Role.STREET, Role.PARK, Role.LEADER),
                section,
                10,
            ),
            NavItem(
                _("Applications"),
                "talents:application-list",
                (Role.OFFICE, Role.STREET, Role.PARK, Role.LEADER),
                section,
                10,
            ),
            NavItem(
                _("Talent registry"),
                "talents:talent-list",
                (Role.OFFICE, Role.STREET, Role.PARK, Role.LEADER, Role.FINANCE),
                section,
                11,
            ),
            NavItem(
                _("Preliminary review"), "talents:preliminary-queue", (Role.OFFICE, Role.STREET, Role.PARK), section, 11
            ),
            NavItem(_("Decisions"), "talents:decision-queue", (Role.OFFICE, Role.STREET, Role.PARK), section, 11),
            NavItem(
                _("Expert assignment"), "talents:assignment-queue", (Role.OFFICE, Role.STREET, Role.PARK), section, 11
            ),
            NavItem(
                _("New application"), "talents:application-create", (Role.OFFICE, Role.STREET, Role.PARK), section, 12
            ),
            NavItem(_("My review queue"), "talents:expert-queue", (Role.EXPERT,), section, 13),
            NavItem(_("My applications"), "talents:mine", (Role.TALENT,), _("Mine"), 5),
            NavItem(_("Open calls"), "open-calls", (Role.TALENT,), _("Mine"), 6),
        )
        register_attention(attention)
        declare_references()


def declare_references() -> None:
    """Calls and the district's vocabularies are district-wide; people and applications are scoped."""
    from qinhuai_talent.core import references

    from .models import Application, Call, Industry, Program, RubricCriterion, Talent, Title
    from .policies import applications_for, talents_for, titles_for

    references.declare(Talent, talents_for)
    references.declare(Title, titles_for)
    references.declare(Application, applications_for)
    for model in (Call, Industry, Program, RubricCriterion):
        references.declare(model)
