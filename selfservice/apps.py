from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SelfServiceConfig(AppConfig):
    name = "selfservice"
    verbose_name = _("Self-service accounts")

    def ready(self) -> None:
        from qinhuai_talent.core.models import Role
        from qinhuai_talent.core.registry import NavItem, register_nav
        from talents.services import register_identity_source

        from .services import registration_id_number

        register_identity_source(registration_id_number)

        register_nav(
            NavItem(
                _("Enterprise claims"),
                "selfservice:claims",
                (Role.OFFICE, Role.STREET, Role.PARK),
                _("Enterprises"),
                36,
            )
        )
        register_nav(
            NavItem(
                _("Account invitations"),
                "selfservice:invitations",
                (Role.OFFICE, Role.STREET, Role.PARK),
                _("Enterprises"),
                37,
            )
        )
