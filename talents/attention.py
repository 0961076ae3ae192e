"""What the home page shows each role from the talents app: each card opens exactly its items."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qinhuai_talent.core.models import Role
from qinhuai_talent.core.registry import Attention

from . import policies, selectors
from .models import ApplicationState

# (key, state, label, level, office only, where it opens): the application cards, each listing its
# state across calls and years. Where a work queue takes these items at once (issue 17 item 2), the
# card opens that queue at the card's stage; else the applications list filtered by the state.
PRELIMINARY, DECISIONS, LIST = "talents:preliminary-queue", "talents:decision-queue", "talents:application-list"
APPLICATION_CARDS = (
    (
        "talents.preliminary",
        ApplicationState.SUBMITTED,
        gettext_lazy("Applications awaiting my preliminary review"),
        "warning",
        False,
        PRELIMINARY,
    ),
    (
        "talents.returned",
        ApplicationState.RETURNED,
        gettext_lazy("Applications returned for revision"),
        "info",
        False,
        LIST,
    ),
    (
        "talents.notice",
        ApplicationState.PUBLIC_NOTICE,
        gettext_lazy("Candidates in public notice"),
        "info",
        True,
        DECISIONS,
    ),
    (
        "talents.recommended",
        ApplicationState.RECOMMENDED,
        gettext_lazy("Recommended upward, outcome to record"),
        "info",
        True,
        LIST,
    ),
)


def _opens(route: str, state: str) -> str:
    """The card's page: the queue (the preliminary one holds one stage, the decisions' filter by
    it), or the applications list of the state."""
    url = reverse(route)
    return url if route == PRELIMINARY else f"{url}?state={state}"


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
    return [
        Attention(
            key=key,
            label=str(label),
            items=mine.filter(state=state),
            count=counts[state],
            url=_opens(route, state),
            level=level,
        )
        for key, state, label, level, office_only, route in APPLICATION_CARDS
        if office or not office_only
    ]
