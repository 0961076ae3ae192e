"""Registration with a one-time code, and enterprise claims (issue 16, item 2)."""

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.models import Enterprise
from enterprises.services import credit_code_clean
from qinhuai_talent.core.errors import ActionNotAllowed, DomainError
from qinhuai_talent.core.models import Role, User
from qinhuai_talent.notifications.models import Channel
from qinhuai_talent.notifications.services import notify, office_staff, unit_officers
from talents.models import Talent
from talents.services import validate_id_number

from .models import AccountKind, ClaimState, EnterpriseClaim, Registration
from .workflows import CLAIM_WORKFLOW, _may_decide

CODE_MINUTES = 10
CODE_ATTEMPTS = 5
MOBILE = re.compile(r"^1[3-9]\d{9}$")


def _code_hash(token: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{token}:{code}".encode(), hashlib.sha256).hexdigest()


def _already_claimed(enterprise: Enterprise) -> DomainError:
    return DomainError(
        _("%(name)s has already been claimed by another account.") % {"name": enterprise.name}
        + " "
        + _("If this is wrong, contact the officer of its unit."),
        field="credit_code",
        code="already_claimed",
    )


def _check_claimable(code: str) -> Enterprise:
    enterprise = Enterprise.objects.filter(credit_code=code).first()
    if enterprise is None:
        raise DomainError(
            _("No talent enterprise with the credit code %(code)s is registered in the district.") % {"code": code},
            field="credit_code",
            code="unknown_enterprise",
        )
    if (
        enterprise.account_id
        or EnterpriseClaim.objects.filter(
            enterprise=enterprise, state__in=(ClaimState.PENDING, ClaimState.CONFIRMED)
        ).exists()
    ):
        raise _already_claimed(enterprise)
    return enterprise


def registration_start(
    *,
    kind: str,
    username: str,
    name: str,
    mobile: str,
    email: str,
    password: str,
    password2: str,
    channel: str,
    id_number: str = "",
    credit_code: str = "",
) -> tuple[Registration, str]:
    """Check the sign-up, create the account inactive and send its one-time code by ``channel``.

    Returns the registration and the code's channel address (masked by the caller when shown)."""
    if kind not in AccountKind.values:
        raise DomainError(_("Choose a talent or an enterprise account."), field="kind")
    username, name, mobile, email = username.strip(), name.strip(), mobile.strip(), email.strip().lower()
    if not username or not name:
        raise DomainError(_("Please enter a username and your name."), field="username" if not username else "name")
    if not MOBILE.match(mobile):
        raise DomainError(_("Enter an 11-digit mainland mobile number."), field="mobile")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise DomainError(_("Enter a valid email address."), field="email") from None
    if channel not in (Channel.EMAIL, Channel.SMS) or (channel == Channel.EMAIL and not email):
        raise DomainError(_("Choose where the code is sent: your mobile number or your email."), field="channel")
    if password != password2:
        raise DomainError(_("The two passwords differ."), field="password2")
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(_("This username is taken; please choose another."), field="username")
    if kind == AccountKind.TALENT:
        try:
            id_number = validate_id_number(id_number)
        except DomainError:
            raise DomainError(
                _("This is not a valid resident ID number (length, birth date or check digit is wrong)."),
                field="id_number",
            ) from None
        credit_code = ""
    else:
        credit_code = credit_code_clean(credit_code)
        _check_claimable(credit_code)
        id_number = ""
    user = User(
        username=username,
        last_name=name,
        email=email,
        phone=mobile,
        role=Role.TALENT if kind == AccountKind.TALENT else Role.ENTERPRISE,
        is_active=False,
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="password") from None
    user.set_password(password)
    token = secrets.token_urlsafe(32)
    code = f"{secrets.randbelow(10**6):06d}"
    try:
        with transaction.atomic():
            user.save()
            registration = Registration.objects.create(
                token=token,
                kind=kind,
                username=username,
                name=name,
                mobile=mobile,
                email=email,
                password=user.password,
                id_number=id_number,
                credit_code=credit_code,
                channel=channel,
                code_hash=_code_hash(token, code),
                expires_at=timezone.now() + timedelta(minutes=CODE_MINUTES),
                account=user,
            )
            notify(
                event="account_code",
                recipients=[user],
                key=f"registration:{registration.pk}:code:{registration.code_hash[:12]}",
                params={"code": code, "minutes": CODE_MINUTES},
                channels=[channel],
            )
    except IntegrityError:
        raise DomainError(_("This username is taken; please choose another."), field="username") from None
    return registration, email if channel == Channel.EMAIL else mobile


def registration_confirm(*, token: str, code: str) -> User:
    """Check the one-time code; the account becomes active (a talent's, linked to their record
    when the ID number and the mobile number on file agree; an enterprise's, with a claim waiting
    for its unit's officer)."""
    with transaction.atomic():
        registration = Registration.objects.select_for_update().filter(token=token).first()
        if registration is None:
            raise DomainError(_("This registration link is not valid; please register again."), code="unknown")
        if registration.used_at is not None:
            raise DomainError(
                _("This code has already been used. Log in with your username and password."),
                field="code",
                code="code_used",
            )
        if timezone.now() > registration.expires_at:
            raise DomainError(
                _("The code has expired; please register again for a new one."), field="code", code="code_expired"
            )
        if registration.attempts >= CODE_ATTEMPTS:
            raise DomainError(
                _("Too many wrong codes; please register again for a new one."), field="code", code="code_locked"
            )
        wrong = not hmac.compare_digest(registration.code_hash, _code_hash(token, (code or "").strip()))
        if wrong:
            Registration.objects.filter(pk=registration.pk).update(attempts=registration.attempts + 1)
        else:
            registration.used_at = timezone.now()
            registration.save(update_fields=["used_at"])
            user = registration.account
            user.is_active = True
            user.save(update_fields=["is_active"])
            if registration.kind == AccountKind.TALENT:
                Talent.objects.filter(
                    id_number=registration.id_number, phone=registration.mobile, account__isnull=True
                ).update(account=user)
            else:
                _claim(user, registration.credit_code)
            return user
    left = CODE_ATTEMPTS - registration.attempts - 1
    raise DomainError(_("The code is wrong; %(left)s attempts left.") % {"left": left}, field="code", code="code_wrong")


def _claim(user: User, credit_code: str) -> EnterpriseClaim:
    enterprise = _check_claimable(credit_code)
    try:
        with transaction.atomic():
            claim = EnterpriseClaim.objects.create(enterprise=enterprise, account=user, org_unit=enterprise.org_unit)
    except IntegrityError:
        raise _already_claimed(enterprise) from None
    notify(
        event="enterprise_claim_pending",
        recipients=unit_officers(enterprise.org_unit_id) or office_staff(),
        key=f"claim:{claim.pk}:pending",
        params={"enterprise": enterprise.name, "name": user.get_full_name() or user.username},
        url=reverse("selfservice:claims"),
    )
    return claim


def registration_id_number(user: User) -> str:
    """The ID number a talent gave at registration, whole: read only by ``talents.services`` when it
    creates the applicant's talent record (``register_identity_source``)."""
    return Registration.objects.filter(account=user).values_list("id_number", flat=True).first() or ""


def claims_for(user: User):
    from qinhuai_talent.core.access import scope_units

    qs = EnterpriseClaim.objects.select_related("enterprise", "account", "org_unit")
    return scope_units(qs, user) if user.role != Role.OFFICE else qs


@transaction.atomic
def claim_decide(*, actor: User, claim_id: int, action: str, reason: str = "") -> EnterpriseClaim:
    claim = EnterpriseClaim.objects.select_for_update().select_related("enterprise").get(pk=claim_id)
    if not _may_decide(actor, claim):
        raise ActionNotAllowed(_("Only the officer of the enterprise's unit or the office decides this claim."))
    claim.decided_by, claim.decided_at = actor, timezone.now()
    entry = CLAIM_WORKFLOW.apply(
        claim, action=action, actor=actor, reason=reason, extra_fields=("decided_by", "decided_at")
    )
    if action == "confirm":
        enterprise = Enterprise.objects.select_for_update().get(pk=claim.enterprise_id)
        if enterprise.account_id:
            raise DomainError(_("%(name)s already has an account.") % {"name": enterprise.name}, code="already_claimed")
        Enterprise.objects.filter(pk=enterprise.pk).update(account=claim.account_id)
    notify(
        event="enterprise_claim_decided",
        recipients=[claim.account_id],
        key=f"claim:{claim.pk}:{action}:{entry.pk}",
        params={"enterprise": claim.enterprise.name, "outcome": claim.get_state_display(), "reason": reason},
        url=reverse("home"),
    )
    return claim
