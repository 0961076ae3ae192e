"""What the home page shows each role from the talents app: each card opens exactly its items."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qinhuai_talent.core.models import Role
from qinhuai_talent.core.registry import Attention

from . import policies, selectors
from .models import ApplicationState

# (key, state, label, level, office only): the application cards, each listing its state across
# calls and years on the applications list.
APPLICATION_CARDS = (
    (
        "talents.preliminary",
        ApplicationState.SUBMITTED,
        gettext_lazy("Applications awaiting my preliminary review"),
        "warning",
        False,
    ),
    ("talents.returned", ApplicationState.RETURNED, gettext_lazy("Applications returned for revision"), "info", False),
    ("talents.notice", ApplicationState.PUBLIC_NOTICE, gettext_lazy("Candidates in public notice"), "info", True),
    (
        "talents.recommended",
        ApplicationState.RECOMMENDED,
        gettext_lazy("Recommended upward, outcome to record"),
        "info",
        True,
    ),
)


def attention(user) -> list:
    if not user.is_authenticated:
        return []
    if user.role == Role.EXPERT:
        return [
            Attention(
                key="talents.reviews",
                label=_("Reviews assigned to me"),
                items=selectors.pending_assignments(user),
                url=reverse("talents:expert-queue"),
            )
        ]
    if user.role not in (Role.OFFICE, Role.STREET, Role.PARK) and not user.is_superuser:
        return []
    office = user.role == Role.OFFICE or user.is_superuser
    counts = selectors.attention_counts(user)
    mine = policies.applications_for(user)
    url = reverse("talents:application-list")
    return [
        Attention(
            key=key,
            label=str(label),
            items=mine.filter(state=state),
            count=counts[state],
            url=f"{url}?state={state}",
            level=level,
        )
        for key, state, label, level, office_only in APPLICATION_CARDS
        if office or not office_only
    ]
