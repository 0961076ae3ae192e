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

from .models import AccountKind, ClaimState, EnterpriseClaim, Invitation, Registration
from .workflows import CLAIM_WORKFLOW, _may_decide

CODE_MINUTES = 10
CODE_ATTEMPTS = 5
# "Resend the code": not before a minute has passed since the last code, at most five times.
RESEND_SECONDS = 60
RESENDS = 5
INVITATION_DAYS = 7
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
                code_sent_at=timezone.now(),
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


def registration_resend(*, token: str) -> Registration:
    """Send a new one-time code to where the first one went; the code sent before stops working.
    Refused within a minute of the last code and after five resends (``resend_too_soon``,
    ``resend_limit``), and for a registration already confirmed (``code_used``)."""
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update(of=("self",)).select_related("account").filter(token=token).first()
        )
        if registration is None:
            raise DomainError(_("This registration link is not valid; please register again."), code="unknown")
        if registration.used_at is not None:
            raise DomainError(
                _("This code has already been used. Log in with your username and password."), code="code_used"
            )
        now = timezone.now()
        last = registration.code_sent_at or registration.created_at
        wait = RESEND_SECONDS - int((now - last).total_seconds())
        if wait > 0:
            raise DomainError(
                _("A new code can be sent in %(seconds)s seconds.") % {"seconds": wait}, code="resend_too_soon"
            )
        if registration.resends >= RESENDS:
            raise DomainError(_("The code has been sent too many times; please register again."), code="resend_limit")
        code = f"{secrets.randbelow(10**6):06d}"
        registration.code_hash = _code_hash(token, code)
        registration.expires_at = now + timedelta(minutes=CODE_MINUTES)
        registration.code_sent_at = now
        registration.attempts = 0
        registration.resends += 1
        registration.save(update_fields=["code_hash", "expires_at", "code_sent_at", "attempts", "resends"])
        notify(
            event="account_code",
            recipients=[registration.account_id],
            key=f"registration:{registration.pk}:code:{registration.code_hash[:12]}",
            params={"code": code, "minutes": CODE_MINUTES},
            channels=[registration.channel],
        )
    return registration


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


# ---------------------------------------------------------------- invitations


def invitations_for(user: User):
    """The invitations an officer sees: the office every one, a unit officer their unit's."""
    from qinhuai_talent.core.access import scope_units

    qs = Invitation.objects.select_related("talent", "enterprise", "org_unit", "invited_by", "account")
    return scope_units(qs, user) if user.role != Role.OFFICE else qs


def _address_check(channel: str, address: str) -> str:
    address = (address or "").strip()
    if channel == Channel.EMAIL:
        try:
            validate_email(address)
        except ValidationError:
            raise DomainError(_("Enter a valid email address."), field="address", code="address_invalid") from None
        return address.lower()
    if channel == Channel.SMS:
        if not MOBILE.match(address):
            raise DomainError(_("Enter an 11-digit mainland mobile number."), field="address", code="address_invalid")
        return address
    raise DomainError(_("Choose whether the invitation goes by email or SMS."), field="channel", code="channel_invalid")


def _check_unbound(record) -> None:
    if record.account_id:
        raise DomainError(
            _("%(name)s already has a portal account.") % {"name": record.name}, code="already_has_account"
        )
    if (
        isinstance(record, Enterprise)
        and EnterpriseClaim.objects.filter(
            enterprise=record, state__in=(ClaimState.PENDING, ClaimState.CONFIRMED)
        ).exists()
    ):
        raise _already_claimed(record)


def invitation_send(
    *, actor: User, channel: str, address: str, talent_id: int | None = None, enterprise_id: int | None = None
) -> Invitation:
    """Invite an account for an existing talent or enterprise of the actor's unit (the office: any):
    a link and a one-time code by email or SMS, valid for ``INVITATION_DAYS`` days. An invitation
    sent before for the same record stops working."""
    from qinhuai_talent.core.access import can_manage_unit, can_write

    if bool(talent_id) == bool(enterprise_id):
        raise DomainError(_("Choose the talent or the enterprise the account is for."), code="record_missing")
    address = _address_check(channel, address)
    with transaction.atomic():
        model = Talent if talent_id else Enterprise
        record = model.objects.select_for_update().filter(pk=talent_id or enterprise_id).first()
        if record is None or not can_write(actor) or not can_manage_unit(actor, record.org_unit_id):
            raise ActionNotAllowed(_("You may invite accounts only for your own unit's talents and enterprises."))
        _check_unbound(record)
        now = timezone.now()
        Invitation.objects.filter(
            **{"talent" if talent_id else "enterprise": record}, used_at__isnull=True, expires_at__gt=now
        ).update(expires_at=now)
        token = secrets.token_urlsafe(32)
        code = f"{secrets.randbelow(10**6):06d}"
        kind = AccountKind.TALENT if talent_id else AccountKind.ENTERPRISE
        account = User(
            username=f"invited-{token[:12].lower()}",
            last_name=record.name[:150],
            email=address if channel == Channel.EMAIL else "",
            phone=address if channel == Channel.SMS else "",
            role=Role.TALENT if talent_id else Role.ENTERPRISE,
            is_active=False,
        )
        account.set_unusable_password()
        account.save()
        invitation = Invitation.objects.create(
            token=token,
            kind=kind,
            talent=record if talent_id else None,
            enterprise=record if enterprise_id else None,
            org_unit_id=record.org_unit_id,
            channel=channel,
            address=address,
            code_hash=_code_hash(token, code),
            expires_at=now + timedelta(days=INVITATION_DAYS),
            invited_by=actor,
            account=account,
        )
        notify(
            event="account_invited",
            recipients=[account],
            key=f"invitation:{invitation.pk}:sent",
            params={
                "inviter": actor.org_unit.name if actor.org_unit_id else actor.get_full_name() or actor.username,
                "whose": record.name,
                "code": code,
            },
            url=reverse("selfservice:invitation-accept", args=[token]),
            channels=[channel],
            address=address,
        )
    return invitation


def invitation_accept(*, token: str, code: str, username: str, password: str, password2: str) -> User:
    """Check the invitation's code; the invitee's account gets the username and password chosen,
    becomes active and is bound to the talent or enterprise at once (no claim to confirm)."""
    username = (username or "").strip()
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().select_related("account").filter(token=token).first()
        if invitation is None:
            raise DomainError(_("This invitation link is not valid."), code="unknown")
        if invitation.used_at is not None:
            raise DomainError(
                _("This invitation has already been accepted. Log in with your username and password."),
                field="code",
                code="code_used",
            )
        if timezone.now() > invitation.expires_at:
            raise DomainError(
                _("The invitation has expired; ask the officer who invited you for a new one."),
                field="code",
                code="code_expired",
            )
        if invitation.attempts >= CODE_ATTEMPTS:
            raise DomainError(
                _("Too many wrong codes; ask the officer who invited you for a new invitation."),
                field="code",
                code="code_locked",
            )
        if hmac.compare_digest(invitation.code_hash, _code_hash(token, (code or "").strip())):
            return _bind_invited(invitation, username, password, password2)
        Invitation.objects.filter(pk=invitation.pk).update(attempts=invitation.attempts + 1)
    left = CODE_ATTEMPTS - invitation.attempts - 1
    raise DomainError(_("The code is wrong; %(left)s attempts left.") % {"left": left}, field="code", code="code_wrong")


def _bind_invited(invitation: Invitation, username: str, password: str, password2: str) -> User:
    user = invitation.account
    if not username:
        raise DomainError(_("Please choose a username."), field="username", code="username_missing")
    if User.objects.filter(username__iexact=username).exclude(pk=user.pk).exists():
        raise DomainError(_("This username is taken; please choose another."), field="username", code="username_taken")
    if password != password2:
        raise DomainError(_("The two passwords differ."), field="password2", code="password_mismatch")
    user.username = username
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="password", code="password_weak") from None
    model = Talent if invitation.talent_id else Enterprise
    record = model.objects.select_for_update().get(pk=invitation.talent_id or invitation.enterprise_id)
    _check_unbound(record)
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["username", "password", "is_active"])
    model.objects.filter(pk=record.pk).update(account=user)
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    return user
