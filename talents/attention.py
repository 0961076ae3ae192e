"""What the home page shows each role from the talents app."""

from django.urls import reverse
from django.utils.translation import gettext as _

from qinhuai_talent.core.models import Role
from qinhuai_talent.core.registry import Attention

from . import selectors


def attention(user) -> list:
    if not user.is_authenticated:
        return []
    if user.role == Role.EXPERT:
        return [
            Attention(_("Reviews assigned to me"), selectors.pending_reviews(user), reverse("talents:expert-queue"))
        ]
    if user.role not in (Role.OFFICE, Role.STREET, Role.PARK) and not user.is_superuser:
        return []
    counts = selectors.attention_counts(user)
    calls = reverse("talents:call-list")
    items = [
        Attention(_("Applications awaiting my preliminary review"), counts["preliminary"], calls),
        Attention(_("Applications returned for revision"), counts["returned"], calls, level="info"),
    ]
    if user.role == Role.OFFICE or user.is_superuser:
        items += [
            Attention(_("Candidates in public notice"), counts["notice"], calls, level="info"),
            Attention(_("Recommended upward, outcome to record"), counts["recommended"], calls, level="info"),
        ]
    return items
