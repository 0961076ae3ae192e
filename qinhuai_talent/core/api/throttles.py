"""The API's throttles, keyed on the client address of ``qinhuai_talent.core.clients`` (an
anonymous caller) or the account (a signed-in one), never on a header DRF would read itself.

Each keeps its history as counts per sixtieth of its period (``CountedHistory``), not DRF's list
with one timestamp per request: DRF reads that list from the cache and writes it back whole on
every request, so a caller's every request cost more the more requests it had made in the period
(a report client at 600 an hour, an account at 2,000; ``make bench``, whose rates are unlimited,
pickled a list of every request of its web phase on each request, its later lists slowing run
after run). Here the history is at most 61 numbers whatever the rate.
"""

import math

from rest_framework import throttling

from ..clients import client_address

# The period's slices: a request counts for at least the whole period and at most a slice more.
SLICES = 60


class ClientAddressMixin:
    def get_ident(self, request):
        return client_address(request)


class CountedHistory:
    """DRF's ``SimpleRateThrottle`` with the history as ``{slice: requests}``.

    A request made in slice ``s`` (``now // (period / SLICES)``) counts until slice
    ``s + SLICES + 1`` begins: never fewer requests are counted than DRF's exact history counts
    (no more than the rate pass in any period), and a request is forgotten at most one slice
    (a minute of an hour) later than DRF forgets it. ``wait`` is the time until enough slices
    have been forgotten for one more request, which the 429's ``Retry-After`` says."""

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        self.width = self.duration / SLICES
        current = int(self.now // self.width)
        oldest = current - SLICES
        stored = self.cache.get(self.key)
        self.history = {s: n for s, n in stored.items() if s >= oldest} if isinstance(stored, dict) else {}
        if sum(self.history.values()) >= self.num_requests:
            return self.throttle_failure()
        self.history[current] = self.history.get(current, 0) + 1
        # Kept while its oldest slice still counts; whole seconds, as Redis keeps them.
        self.cache.set(self.key, self.history, math.ceil(self.duration + self.width))
        return True

    def wait(self):
        """Seconds until the oldest slices have left the period and a request would pass."""
        excess = sum(self.history.values()) - self.num_requests + 1
        for s in sorted(self.history):
            excess -= self.history[s]
            if excess <= 0:
                return max((s + SLICES + 1) * self.width - self.now, 0.0)
        return None


class AnonRateThrottle(ClientAddressMixin, CountedHistory, throttling.AnonRateThrottle):
    """Anonymous callers (the token endpoint among them), per client address."""


class UserRateThrottle(ClientAddressMixin, CountedHistory, throttling.UserRateThrottle):
    """Signed-in callers per account; an anonymous request here counts per client address."""
