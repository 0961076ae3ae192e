from celery import shared_task


@shared_task(name="talents.tasks.remind_reviews_due")
def remind_reviews_due() -> int:
    """Beat, daily: each expert hears once of a review falling due within three days."""
    from .services import reviews_remind_due

    return reviews_remind_due()
