"""Changes to accounts: nobody changes their own role, unit or rights, whoever they are.

The one rule every path that edits an account asks (the admin today; any page or API tomorrow).
The change itself is kept in the account's history (who, when, old → new), which the office
reads on the account's page.
"""

from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

from .access import is_office
from .errors import ActionNotAllowed
from .models import User

# What decides what an account may see and do.
AUTHORITY_FIELDS = frozenset(
    {
        "role",
        "org_unit",
        "is_superuser",
        "is_staff",
        "is_active",
        "groups",
        "user_permissions",
        "granted_units",
        "grants_all_units",
    }
)


def account_change_check(*, actor: User, account: User, changed: Iterable[str]) -> None:
    """Refuse a change of ``changed`` fields of ``account`` by ``actor``: an account's authority
    is changed by the office, and never by the account's own holder (superusers included)."""
    touched = AUTHORITY_FIELDS & set(changed)
    if not touched:
        return
    if account.pk is not None and account.pk == actor.pk:
        raise ActionNotAllowed(
            _("Nobody changes their own role, unit or rights; ask another member of the district office."),
            code="own_account",
        )
    if not is_office(actor):
        raise ActionNotAllowed(_("Only the district office changes roles and units."))


def end_tokens_with_the_password(sender, instance: User, update_fields=None, **kwargs) -> None:
    """API tokens end when their owner's password changes (set, changed or reset, by any path) or
    the account is deactivated (issue 15 item 6). Runs before the save, comparing with the row."""
    if instance.pk is None or (update_fields is not None and not {"password", "is_active"} & set(update_fields)):
        return
    stored = User.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if stored is None:
        return
    if stored["password"] != instance.password or (stored["is_active"] and not instance.is_active):
        from knox.models import AuthToken

        AuthToken.objects.filter(user_id=instance.pk).delete()
