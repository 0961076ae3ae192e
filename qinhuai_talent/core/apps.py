from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "qinhuai_talent.core"
    label = "core"
    verbose_name = _("Portal core")

    def ready(self) -> None:
        from . import tasks  # noqa: F401  (registers the core job kinds)
