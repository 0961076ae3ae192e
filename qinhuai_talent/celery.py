"""The Celery app. Without ``CELERY_BROKER_URL`` every task runs eagerly, in-process."""

import os

from celery import Celery
from celery.signals import after_setup_logger, after_setup_task_logger

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qinhuai_talent.settings.main")

app = Celery("qinhuai_talent")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _add_worker_heartbeat() -> None:
    from .core.schedule import WorkerHeartbeat

    app.steps["worker"].add(WorkerHeartbeat)


_add_worker_heartbeat()


@after_setup_logger.connect
@after_setup_task_logger.connect
def mask_personal_data(logger, **kwargs) -> None:
    """A worker replaces Django's log handlers with its own: they mask personal numbers too."""
    from .core.masking import PersonalDataFilter

    for handler in logger.handlers:
        if not any(isinstance(f, PersonalDataFilter) for f in handler.filters):
            handler.addFilter(PersonalDataFilter())
