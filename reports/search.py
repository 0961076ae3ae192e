"""The header's search: one box finding applications, talents, enterprises, agreements and
payouts by name, application number, agreement number, credit code or ID number.

Every kind is read through the selector that scopes its list, so a search reaches exactly what
the lists reach. A resident ID number is matched in full only (never a part of it) and shown as
the role may see it (masked unless ``talents.policies.can_see_id_number``). On PostgreSQL the
``contains`` lookups are served by trigram indexes (migration ``reports.0001``); on SQLite they
scan, which the embedded district's size allows.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from stdnum.cn import ric, uscc

from enterprises.selectors import enterprises_for
from funding.selectors import agreements_in_scope, payouts_for
from qinhuai_talent.core.masking import mask_id_number
from qinhuai_talent.core.models import SEARCH_ROLES, User
from talents import policies as talent_policies

MIN_LENGTH = 2
MAX_LENGTH = 60
PER_KIND = 10

KINDS = {
    "applications": pgettext_lazy("search results", "Applications"),
    "talents": pgettext_lazy("search results", "Talents"),
    "enterprises": pgettext_lazy("search results", "Enterprises"),
    "agreements": pgettext_lazy("search results", "Agreements"),
    "payouts": pgettext_lazy("search results", "Payouts"),
}
# An application's number as people write it: its id, alone or after "#" or "No.".
_APPLICATION_NUMBER = re.compile(r"(?:#|no\.?\s*|申报\s*)?(\d{1,9})", re.IGNORECASE)


def can_search(user: User) -> bool:
    return user.is_authenticated and user.role in SEARCH_ROLES


@dataclass
class Hit:
    kind: str
    title: str
    detail: str
    url: str
    pk: int


@dataclass
class Results:
    query: str
    groups: dict[str, list[Hit]] = field(default_factory=dict)
    more: dict[str, bool] = field(default_factory=dict)
    # Why the query was not run ("" when it was).
    refused: str = ""

    @property
    def sections(self) -> list[tuple[str, str, list[Hit], bool]]:
        """(kind, its heading, its hits, whether more match) for each kind found."""
        return [(kind, KINDS[kind], hits, self.more.get(kind, False)) for kind, hits in self.groups.items()]

    @property
    def hits(self) -> list[Hit]:
        return [hit for hits in self.groups.values() for hit in hits]

    @property
    def count(self) -> int:
        return sum(len(hits) for hits in self.groups.values())


def normalise(query: str) -> str:
    """Full-width letters and digits folded (ＡＢＣ１２３ → ABC123), spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", query or "").split())[:MAX_LENGTH]


def _first(qs, query_filter: Q) -> tuple[list, bool]:
    rows = list(qs.filter(query_filter).distinct()[: PER_KIND + 1])
    return rows[:PER_KIND], len(rows) > PER_KIND


def search(user: User, raw: str) -> Results:
    query = normalise(raw)
    results = Results(query=query)
    if not can_search(user):
        results.refused = _("Your role has no search.")
        return results
    if len(query) < MIN_LENGTH:
        results.refused = _("Type at least %(n)s characters.") % {"n": MIN_LENGTH}
        return results
    compact = query.replace(" ", "").upper()
    is_id_number = len(compact) == 18 and ric.is_valid(compact)
    is_credit_code = len(compact) == 18 and uscc.is_valid(compact)
    number = _APPLICATION_NUMBER.fullmatch(query)

    # Applications: by applicant, venture or number; a full ID number finds the person's.
    applications = talent_policies.applications_for(user).select_related("talent", "call__program", "org_unit")
    if is_id_number:
        by = Q(talent__id_number=compact)
    else:
        by = Q(talent__name__icontains=query) | Q(venture_name__icontains=query)
        if number:
            by |= Q(pk=int(number.group(1)))
    rows, more = _first(applications.order_by("-created_at", "-id"), by)
    results.groups["applications"] = [
        Hit(
            "applications",
            f"{a.talent.name} · {a.venture_name}",
            f"#{a.pk} · {a.call.program.display_name} {a.call.year} · {a.org_unit} · {a.get_state_display()}",
            reverse("talents:application-detail", args=[a.pk]),
            a.pk,
        )
        for a in rows
    ]
    results.more["applications"] = more

    # Talents: by name, or by the whole ID number (never by a part of it).
    talents = talent_policies.talents_for(user).select_related("org_unit")
    by = Q(id_number=compact) if is_id_number else Q(name__icontains=query)
    rows, more = _first(talents.order_by("name", "id"), by)
    results.groups["talents"] = [
        Hit(
            "talents",
            t.name,
            " · ".join(
                part
                for part in (
                    str(t.org_unit),
                    t.id_number if talent_policies.can_see_id_number(user, t) else mask_id_number(t.id_number),
                )
                if part
            ),
            reverse("talents:talent-detail", args=[t.pk]),
            t.pk,
        )
        for t in rows
    ]
    results.more["talents"] = more

    # Enterprises: by name or credit code (a code is no personal number: a part of it finds too).
    by = Q(credit_code=compact) if is_credit_code else Q(name__icontains=query) | Q(credit_code__icontains=compact)
    rows, more = _first(enterprises_for(user).order_by("name", "id"), by)
    results.groups["enterprises"] = [
        Hit("enterprises", e.name, f"{e.credit_code} · {e.org_unit}", reverse("enterprises:detail", args=[e.pk]), e.pk)
        for e in rows
    ]
    results.more["enterprises"] = more

    # Agreements and payouts: by agreement number, enterprise or talent.
    if is_id_number:
        by = Q(talent__id_number=compact)
    elif is_credit_code:
        by = Q(enterprise__credit_code=compact)
    else:
        by = Q(number__icontains=query) | Q(enterprise__name__icontains=query) | Q(talent__name__icontains=query)
    rows, more = _first(agreements_in_scope(user).order_by("-starts_on", "-id"), by)
    results.groups["agreements"] = [
        Hit(
            "agreements",
            f"{a.number} · {a.enterprise.name}",
            f"{a.talent.name} · {a.get_state_display()}",
            reverse("funding:agreement-detail", args=[a.pk]),
            a.pk,
        )
        for a in rows
    ]
    results.more["agreements"] = more

    rows, more = _first(payouts_for(user).order_by("-computed_at", "-id"), _prefixed(by, "agreement__"))
    results.groups["payouts"] = [
        Hit(
            "payouts",
            f"{p.agreement.number} · {p.agreement.enterprise.name}",
            _("%(amount)s yuan · %(state)s") % {"amount": f"{p.amount:,.2f}", "state": p.get_state_display()},
            reverse("funding:payout-detail", args=[p.pk]),
            p.pk,
        )
        for p in rows
    ]
    results.more["payouts"] = more
    results.groups = {kind: hits for kind, hits in results.groups.items() if hits}
    return results


def _prefixed(condition: Q, prefix: str) -> Q:
    """``condition`` with every lookup read through ``prefix`` (an agreement's filter for its payouts)."""
    out = Q()
    out.connector, out.negated = condition.connector, condition.negated
    for child in condition.children:
        out.children.append(_prefixed(child, prefix) if isinstance(child, Q) else (prefix + child[0], child[1]))
    return out
