from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "enterprises"
    verbose_name = _("Talent enterprises")

    def ready(self) -> None:
        from . import tasks  # noqa: F401  (registers recompute_enterprise_figures)
