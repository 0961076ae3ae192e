"""What each app contributes to the shared shell: navigation and the home page's attention list.

Apps register in ``AppConfig.ready``; the shell renders what the current user may see.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    label: object
    url_name: str
    roles: tuple[str, ...]
    section: object
    order: int = 50

    @property
    def url(self) -> str:
        return reverse(self.url_name)


@dataclass(frozen=True, kw_only=True)
class Attention:
    """One to-do card: ``count`` of ``items``, and ``url`` lists exactly those items.

    ``key`` is stable (``app.what``): tests and scripts name a card by it, never by its translated
    label. ``items`` is the queryset the card counts; the page at ``url`` lists the same records
    (the page's ``page.paginator.object_list``), across calls and years, which a test checks for
    every card of every role. ``count`` may be given when one query counts several cards.
    """

    key: str
    label: str
    items: QuerySet
    url: str
    level: str = "warning"
    count: int = -1

    def __post_init__(self) -> None:
        if self.count < 0:
            object.__setattr__(self, "count", self.items.count())


@dataclass(frozen=True, kw_only=True)
class KeyFigure:
    """One figure of a reader's home page (the leader's): ``value`` as shown, units included, and
    ``url`` the records it counts. ``key`` is stable, like an attention card's."""

    key: str
    label: str
    value: str
    url: str


NAV: list[NavItem] = []
ATTENTION: list[Callable] = []
KEY_FIGURES: list[Callable] = []


def register_nav(*items: NavItem) -> None:
    NAV.extend(i for i in items if i not in NAV)
    NAV.sort(key=lambda i: i.order)


def register_attention(provider: Callable) -> Callable:
    """``provider(user) -> list[Attention]``: what needs this user's attention."""
    if provider not in ATTENTION:
        ATTENTION.append(provider)
    return provider


def register_key_figures(provider: Callable) -> Callable:
    """``provider(user) -> list[KeyFigure]``: the figures this user's home page leads with."""
    if provider not in KEY_FIGURES:
        KEY_FIGURES.append(provider)
    return provider


def key_figures_for(user) -> list[KeyFigure]:
    return [figure for provider in KEY_FIGURES for figure in provider(user)]


def nav_for(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    return [i for i in NAV if user.is_superuser or user.role in i.roles]


def attention_cards(user) -> list[Attention]:
    """Every card of every provider for this user, zero counts included."""
    cards: list[Attention] = []
    for provider in ATTENTION:
        cards.extend(provider(user))
    return cards


def attention_for(user) -> list[Attention]:
    """The cards the home page shows: those with something waiting."""
    return [a for a in attention_cards(user) if a.count]
