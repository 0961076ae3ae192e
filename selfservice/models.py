"""Self-registration (issue 16, item 2): a sign-up confirmed by a one-time code sent through the
notification channels, and an enterprise account's claim on its enterprise, confirmed by the
officer of the enterprise's unit or the office."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise
from talents.models import Talent


class AccountKind(models.TextChoices):
    TALENT = "talent", _("Talent (applicant)")
    ENTERPRISE = "enterprise", _("Talent enterprise")


class Registration(models.Model):
    """A sign-up waiting for its one-time code; the account exists only once the code is right."""

    token = models.CharField(max_length=43, unique=True)
    kind = models.CharField(_("account kind"), max_length=12, choices=AccountKind.choices)
    username = models.CharField(_("username"), max_length=150)
    name = models.CharField(_("name"), max_length=60)
    mobile = models.CharField(_("mobile number"), max_length=20)
    email = models.EmailField(_("email"), blank=True)
    password = models.CharField(max_length=128)  # hashed, as Django stores it
    id_number = models.CharField(_("ID number"), max_length=32, blank=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    channel = models.CharField(_("code sent by"), max_length=8)
    code_hash = models.CharField(max_length=128)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When the code now valid was sent, and how many times it was sent again ("resend the code").
    code_sent_at = models.DateTimeField(null=True, blank=True)
    resends = models.PositiveSmallIntegerField(default=0)
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="registration"
    )

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")

    def __str__(self) -> str:
        return f"{self.username} ({self.kind})"


class ClaimState(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    REFUSED = "refused", _("Refused")


class EnterpriseClaim(models.Model):
    """An enterprise account's claim on its enterprise; one live claim per enterprise."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="claims")
    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enterprise_claims")
    org_unit = models.ForeignKey("core.OrgUnit", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("state"), max_length=12, choices=ClaimState.choices, default=ClaimState.PENDING)
    created_at = models.DateTimeField(_("claimed"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("enterprise claim")
        verbose_name_plural = _("enterprise claims")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=Q(state__in=["pending", "confirmed"]),
                name="one_live_claim_per_enterprise",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} → {self.enterprise_id} ({self.state})"


class Invitation(models.Model):
    """An officer's invitation of an account for an existing talent or enterprise of their unit: a
    link and a one-time code sent by email or SMS; the invitee chooses a username and password and
    the account is bound to the record at once, without a claim."""

    token = models.CharField(max_length=43, unique=True)
    kind = models.CharField(_("account kind"), max_length=12, choices=AccountKind.choices)
    talent = models.ForeignKey(
        Talent, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations", verbose_name=_("talent")
    )
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name=_("enterprise"),
    )
    org_unit = models.ForeignKey("core.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    channel = models.CharField(_("sent by"), max_length=8)
    address = models.CharField(_("sent to"), max_length=254)
    code_hash = models.CharField(max_length=128)
    expires_at = models.DateTimeField(_("valid until"))
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("invited by")
    )
    created_at = models.DateTimeField(_("invited"), default=timezone.now)
    # The account the code reaches (inactive until the invitee accepts).
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitation", verbose_name=_("account")
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.CheckConstraint(
                name="invitation_for_one_record",
                condition=(Q(talent__isnull=False, enterprise__isnull=True, kind="talent"))
                | Q(talent__isnull=True, enterprise__isnull=False, kind="enterprise"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.talent or self.enterprise} ({self.address})"

    @property
    def whose(self):
        return self.talent if self.talent_id else self.enterprise
