"""The Celery app. Without ``CELERY_BROKER_URL`` every task runs eagerly, in-process."""

import os

from celery import Celery
from celery.signals import after_setup_logger, after_setup_task_logger, beat_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qinhuai_talent.settings.main")

app = Celery("qinhuai_talent")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _add_worker_heartbeat() -> None:
    from .core.schedule import WorkerHeartbeat

    app.steps["worker"].add(WorkerHeartbeat)


_add_worker_heartbeat()


@worker_init.connect
@beat_init.connect
def refuse_without_a_secret_key(**kwargs) -> None:
    """Celery logs and swallows a signal handler's exception: the refusal leaves as SystemExit."""
    from django.core.exceptions import ImproperlyConfigured

    from .core.checks import require_secret_key

    try:
        require_secret_key()
    except ImproperlyConfigured as exc:
        raise SystemExit(str(exc)) from exc


@after_setup_logger.connect
@after_setup_task_logger.connect
def mask_personal_data(logger, **kwargs) -> None:
    """A worker replaces Django's log handlers with its own: they mask personal numbers too."""
    from .core.masking import PersonalDataFilter

    for handler in logger.handlers:
        if not any(isinstance(f, PersonalDataFilter) for f in handler.filters):
            handler.addFilter(PersonalDataFilter())
