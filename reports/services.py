"""Report clients: named accounts (role ``api_client``) with granted units and knox tokens."""

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _
from knox.models import AuthToken

from qinhuai_talent.core.api.auth import purge_expired
from qinhuai_talent.core.errors import ActionNotAllowed, DomainError
from qinhuai_talent.core.models import OrgUnit, Role, User

from .policies import can_manage_report_clients


def _require_manager(actor: User) -> None:
    if not can_manage_report_clients(actor):
        raise ActionNotAllowed(_("Only the district talent office manages report clients."))


def _locked_client(client_id: int) -> User:
    client = User.objects.select_for_update().filter(pk=client_id, role=Role.API_CLIENT).first()
    if client is None:
        raise DomainError(_("There is no such report client."))
    return client


@transaction.atomic
def report_client_create(
    *, actor: User, username: str, name: str, grants_all_units: bool, units: list[OrgUnit]
) -> tuple[User, str]:
    """A new report client with its grant and a first token; returns the client and the token
    (shown once: only its hash is stored)."""
    _require_manager(actor)
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(_("The username “%(name)s” is taken.") % {"name": username}, field="username")
    if not grants_all_units and not units:
        raise DomainError(_("Grant the whole district or at least one unit."), field="units")
    client = User(username=username, first_name=name.strip(), role=Role.API_CLIENT, grants_all_units=grants_all_units)
    client.set_unusable_password()
    client.save()
    if not grants_all_units:
        client.granted_units.set(units)
    _instance, token = AuthToken.objects.create(client)
    return client, token


@transaction.atomic
def report_client_issue_token(*, actor: User, client_id: int) -> tuple[str, datetime | None]:
    """A further token for an active client (e.g. a second system); returns it once."""
    _require_manager(actor)
    client = _locked_client(client_id)
    if not client.is_active:
        raise DomainError(_("This report client has been revoked; issue a new client instead."))
    purge_expired(client)
    instance, token = AuthToken.objects.create(client)
    return token, instance.expiry


@transaction.atomic
def report_client_revoke(*, actor: User, client_id: int) -> int:
    """Deactivate the client and delete every token it holds; returns how many tokens ended."""
    _require_manager(actor)
    client = _locked_client(client_id)
    deleted, _details = AuthToken.objects.filter(user=client).delete()
    if client.is_active:
        client.is_active = False
        client.save(update_fields=["is_active"])
    return deleted
