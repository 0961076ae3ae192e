"""Sending one outbox row on its channel. Each sender raises on failure; the task records it."""

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from .events import render
from .models import Channel, Notification
from .sms import get_backend


def _link(url: str) -> str:
    if not url:
        return ""
    return settings.PORTAL_BASE_URL.rstrip("/") + url if url.startswith("/") else url


def send_email(n: Notification, language: str) -> None:
    subject, body = render(n.event, n.params, language)
    link = _link(n.url)
    text = f"{body}\n\n{link}\n" if link else f"{body}\n"
    # A connection per message: the file backend of the embedded mode writes one file per message.
    message = EmailMessage(
        subject=f"[{settings.EMAIL_SUBJECT_BRAND}] {subject}",
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[n.address],
        connection=get_connection(fail_silently=False),
    )
    message.send()


def send_sms(n: Notification, language: str) -> None:
    _subject, body = render(n.event, n.params, language)
    get_backend().send(number=n.address, text=body)


SENDERS = {Channel.EMAIL: send_email, Channel.SMS: send_sms}
