"""The Celery app. Without ``CELERY_BROKER_URL`` every task runs eagerly, in-process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qinhuai_talent.settings.main")

app = Celery("qinhuai_talent")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
