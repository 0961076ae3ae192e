"""Scheduled work of the service platform."""

from celery import shared_task


@shared_task(name="serviceplatform.tasks.remind_overdue_requests")
def remind_overdue_requests() -> int:
    """Beat, daily: the unit and the provider hear once of each request past its deadline."""
    from .services import requests_remind_overdue

    return requests_remind_overdue()
