"""What each app contributes to the shared shell: navigation and the home page's attention list.

Apps register in ``AppConfig.ready``; the shell renders what the current user may see.
"""

from collections.abc import Callable
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Attention:
    label: str
    count: int
    url: str
    level: str = "warning"


NAV: list[NavItem] = []
ATTENTION: list[Callable] = []


def register_nav(*items: NavItem) -> None:
    NAV.extend(i for i in items if i not in NAV)
    NAV.sort(key=lambda i: i.order)


def register_attention(provider: Callable) -> Callable:
    """``provider(user) -> list[Attention]``: what needs this user's attention."""
    if provider not in ATTENTION:
        ATTENTION.append(provider)
    return provider


def nav_for(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    return [i for i in NAV if user.is_superuser or user.role in i.roles]


def attention_for(user) -> list[Attention]:
    items: list[Attention] = []
    for provider in ATTENTION:
        items.extend(a for a in provider(user) if a.count)
    return items
