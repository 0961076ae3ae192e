from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "qinhuai_talent.core"
    label = "core"
    verbose_name = _("Portal core")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import checks, tasks  # noqa: F401  (registers the start-up checks and the core job kinds)
        from .audit import AUDIT_CHECKS
        from .chains import verify_transition_heads
        from .resultcache import install_triggers

        name_schema_enums()
        declare_references()
        stamp_history_on_the_portal_clock()
        if verify_transition_heads not in AUDIT_CHECKS:
            AUDIT_CHECKS.append(verify_transition_heads)
        # The result cache's change triggers, on tables that migrations add later too.
        post_migrate.connect(install_triggers, sender=self, dispatch_uid="core.resultcache.install_triggers")
        # Operations: failed log-ins counted, the request id carried into Celery tasks.
        from django.contrib.auth.signals import user_login_failed

        from . import health  # noqa: F401  (registers the readiness checks)
        from .metrics import login_failed
        from .observability import connect_celery_signals

        user_login_failed.connect(login_failed, dispatch_uid="core.metrics.login_failed")
        connect_celery_signals()
        # API tokens end with their owner's password or account.
        from django.db.models.signals import pre_save

        from .accounts import end_tokens_with_the_password
        from .models import User

        pre_save.connect(end_tokens_with_the_password, sender=User, dispatch_uid="core.accounts.end_tokens")


def stamp_history_on_the_portal_clock() -> None:
    """History entries are stamped by the portal's clock, like every other stamp (issue 14, item 9)."""
    from simple_history.signals import pre_create_historical_record

    from . import clock

    def stamp(sender, instance, history_instance, **kwargs):
        if not hasattr(instance, "_history_date"):
            history_instance.history_date = clock.now()

    pre_create_historical_record.connect(stamp, dispatch_uid="core.history.portal_clock", weak=False)


def declare_references() -> None:
    """A unit officer points only at their own unit, and at accounts of their unit or the district's
    office staff and expert pool (a liaison officer, an expert to assign)."""
    from django.db.models import Q

    from . import access, references
    from .models import FIELD_UNIT_KINDS, OrgUnit, Role, User

    def units(user):
        if user is not None and user.is_authenticated and user.role == Role.TALENT:
            # An applicant chooses the street or park that would host their venture.
            return OrgUnit.objects.filter(kind__in=FIELD_UNIT_KINDS, active=True)
        scope = access.unit_scope(user)
        return OrgUnit.objects.all() if scope is None else OrgUnit.objects.filter(pk__in=scope)

    def accounts(user):
        scope = access.unit_scope(user)
        if scope is None:
            return User.objects.all()
        return User.objects.filter(Q(org_unit__in=scope) | Q(role__in=[Role.OFFICE, Role.EXPERT]))

    references.declare(OrgUnit, units)
    references.declare(User, accounts)


def name_schema_enums() -> None:
    """Name every choice set of the project's models after its class in the OpenAPI schema.

    Without this drf-spectacular names enums by field ("state", "source") and warns when two
    models share a field name with different choices.
    """
    import inspect

    from django.apps import apps
    from django.conf import settings
    from django.db.models import Choices

    overrides = settings.SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {})
    for config in apps.get_app_configs():
        module = config.models_module
        path = str(config.path)
        if module is None or not path.startswith(str(settings.BASE_DIR)) or "site-packages" in path:
            continue
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and issubclass(obj, Choices) and obj.__module__ == module.__name__:
                overrides.setdefault(f"{name}Enum", f"{module.__name__}.{name}")
