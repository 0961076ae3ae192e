"""The system actor: who does the portal's own work (schedules, recomputes), never a person.

It is a user row so that the transition log and the record histories can name it, but not a
login: its password is unusable, it is inactive (no backend authenticates it, no token is issued
to it) and its role (``system``) is in no scope, so it sees nothing through the pages or the API.
History and the transition log show it as 系统 / System.
"""

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction

SYSTEM_USERNAME = "system"


def system_actor():
    """The one system user, created on first use."""
    from .models import Role, User

    user = User.objects.filter(username=SYSTEM_USERNAME, role=Role.SYSTEM).first()
    if user is not None:
        return user
    try:
        with transaction.atomic():
            return User.objects.create(
                username=SYSTEM_USERNAME, role=Role.SYSTEM, is_active=False, password=make_password(None)
            )
    except IntegrityError:  # created meanwhile by another process
        return User.objects.get(username=SYSTEM_USERNAME, role=Role.SYSTEM)


def is_system(user) -> bool:
    from .models import Role

    return getattr(user, "role", None) == Role.SYSTEM and getattr(user, "pk", None) is not None
