"""One page's address for many records, at the cost of one ``reverse``.

A notice per record (the recompute's twelve thousand payouts waiting for approval) names the
record's page. ``reverse`` resolves the name, its namespace and the script prefix on every call
(about 20 µs each here: a quarter of a second for the recompute's notices). ``record_urls(name)``
reverses once, with a marker for the record's key, and gives a function that puts each key in the
marker's place: the same text ``reverse(name, args=[pk])`` gives, for any page whose only
argument is an integer key (``<int:pk>``). A page whose address is not of that shape falls back to
``reverse`` per call.

Made for one loop: the script prefix is read when the function is made.
"""

from collections.abc import Callable

from django.urls import reverse

# An integer no real key reaches and no route spells: it marks where the key goes.
MARKER = 987_654_321_987_654_321


def record_urls(viewname: str) -> Callable[[int], str]:
    """``pk → reverse(viewname, args=[pk])``, reversing once."""
    marker = str(MARKER)
    head, found, tail = reverse(viewname, args=[MARKER]).partition(marker)
    if not found or marker in tail:
        return lambda pk: reverse(viewname, args=[pk])
    return lambda pk: f"{head}{int(pk)}{tail}"
