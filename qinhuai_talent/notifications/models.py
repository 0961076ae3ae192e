"""The outbox: one row per recipient, channel and event key, written in the caller's transaction.

A row is delivered by a task after commit (``tasks.deliver``) and retried until it goes out;
the unique key makes an event reach a recipient on a channel exactly once, however often the
code that raised it runs. Delivery is tracked by timestamps, not a state field: a message is
not a business record with a workflow, it is pending until ``delivered_at`` or ``gave_up_at``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qinhuai_talent.core import clock


class Channel(models.TextChoices):
    INBOX = "inbox", _("In-app inbox")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    event = models.CharField(_("event"), max_length=40)
    key = models.CharField(_("key"), max_length=120)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    # The address at the time of the event (an email or a mobile number; empty for the inbox).
    address = models.CharField(_("address"), max_length=254, blank=True)
    created_at = models.DateTimeField(_("created"), default=clock.now)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    gave_up_at = models.DateTimeField(_("gave up"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["key", "recipient", "channel"], name="notification_once_per_channel"),
            models.CheckConstraint(
                name="notification_read_only_in_inbox", condition=Q(read_at__isnull=True) | Q(channel="inbox")
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "channel", "read_at"], name="notification_inbox"),
            models.Index(fields=["delivered_at", "gave_up_at", "next_attempt_at"], name="notification_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.recipient_id} ({self.channel})"

    @property
    def is_pending(self) -> bool:
        return self.delivered_at is None and self.gave_up_at is None

    @property
    def subject(self) -> str:
        from .events import render

        return render(self.event, self.params)[0]

    @property
    def body(self) -> str:
        from .events import render

        return render(self.event, self.params)[1]


class ChannelPreference(models.Model):
    """A user's choice for one channel; no row means the channel is on (the inbox is always on)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel_preferences")
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("channel preference")
        verbose_name_plural = _("channel preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "channel"], name="one_preference_per_channel"),
            models.CheckConstraint(name="inbox_always_on", condition=~Q(channel="inbox") | Q(enabled=True)),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.channel}={self.enabled}"
