"""The API's throttles (``core.api.throttles.CountedHistory``): a caller's history stays a few
numbers whatever the rate, no more than the rate pass in any period, a request is refused only
when DRF's exact history would refuse it a slice of the period later, and the 429's
``Retry-After`` is the moment a request passes again.

Generated over every throttle class of every API view, and over random arrival times."""

import math
import uuid
from types import SimpleNamespace

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.urls import URLPattern
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.settings import api_settings

from qinhuai_talent.core.api.throttles import SLICES, CountedHistory
from qinhuai_talent.core.models import Role

from ..reliability.test_access_matrix import web_patterns

PERIOD = 60  # the tests' rates are per minute


def api_throttles() -> list[type]:
    found = set()
    for route, pattern in web_patterns():
        if not isinstance(pattern, URLPattern) or not route.startswith("api/"):
            continue
        view = getattr(pattern.callback, "cls", None) or getattr(pattern.callback, "view_class", None)
        if view is not None:
            found.update(getattr(view, "throttle_classes", api_settings.DEFAULT_THROTTLE_CLASSES))
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__name__}")


THROTTLES = api_throttles()
USER_RATE = next(c for c in THROTTLES if c.__name__ == "UserRateThrottle")
SIGNED_IN = SimpleNamespace(is_authenticated=True, pk=7, role=Role.API_CLIENT)
ANONYMOUS = SimpleNamespace(is_authenticated=False, pk=None, role="")


class Clock:
    def __init__(self, now: float = 1_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def throttle_of(base: type, rate: str, clock: Clock, cache: LocMemCache):
    """An instance of ``base`` at ``rate`` reading ``clock``, and a request it counts."""
    cls = type(f"Test{base.__name__}", (base,), {"rate": rate, "cache": cache, "timer": staticmethod(clock)})
    throttle = cls()
    for user in (SIGNED_IN, ANONYMOUS):
        request = SimpleNamespace(user=user, META={"REMOTE_ADDR": "203.0.113.9"})
        if throttle.get_cache_key(request, None) is not None:
            return throttle, request
    raise AssertionError(f"{base.__name__} counts neither a signed-in nor an anonymous request")


def _cache() -> LocMemCache:
    return LocMemCache(f"throttle-test-{uuid.uuid4().hex}", {})  # a store of its own (locmem shares by name)


def test_the_class_is_every_throttle_of_the_api():
    names = {c.__name__ for c in THROTTLES}
    assert {"UserRateThrottle", "AnonRateThrottle", "ReportClientThrottle"} <= names
    assert [c for c in THROTTLES if not issubclass(c, CountedHistory)] == []


@pytest.mark.parametrize("base", THROTTLES, ids=lambda c: c.__name__)
def test_the_history_stays_a_few_numbers_whatever_the_rate(base):
    # An unlimited rate (make bench's): 6,000 requests over two periods leave at most SLICES + 1
    # counts in the cache, where DRF kept a timestamp per request of the period.
    clock, cache = Clock(), _cache()
    throttle, request = throttle_of(base, "100000000/minute", clock, cache)
    for i in range(6000):
        clock.now += 2 * PERIOD / 6000
        assert throttle.allow_request(request, None)
    stored = cache.get(throttle.key)
    assert isinstance(stored, dict) and len(stored) <= SLICES + 1
    assert sum(stored.values()) <= 6000 * (PERIOD + PERIOD / SLICES) / (2 * PERIOD) + 1


@pytest.mark.parametrize("base", THROTTLES, ids=lambda c: c.__name__)
def test_the_rate_passes_then_a_429_until_retry_after(base):
    clock, cache = Clock(), _cache()
    throttle, request = throttle_of(base, "3/minute", clock, cache)
    assert [throttle.allow_request(request, None) for _ in range(5)] == [True, True, True, False, False]
    refused_at, wait = clock.now, throttle.wait()
    assert PERIOD <= wait <= PERIOD + PERIOD / SLICES
    clock.now = refused_at + wait - 0.01
    assert not throttle.allow_request(request, None)
    clock.now = refused_at + math.ceil(wait)  # Retry-After is whole seconds, rounded up
    assert throttle.allow_request(request, None)


@settings(max_examples=150, deadline=None)
@given(
    rate=st.integers(min_value=1, max_value=6),
    gaps=st.lists(st.floats(min_value=0, max_value=40, allow_nan=False), min_size=1, max_size=60),
)
def test_never_more_than_the_rate_in_a_period_and_refused_only_when_drf_would_be(rate, gaps):
    clock, cache = Clock(), _cache()
    throttle, request = throttle_of(USER_RATE, f"{rate}/minute", clock, cache)
    slice_ = PERIOD / SLICES
    passed: list[float] = []
    for gap in gaps:
        clock.now += gap
        now = clock.now
        if throttle.allow_request(request, None):
            passed.append(now)
            # Safety: with this one, no more than the rate within the period before it.
            assert sum(1 for t in passed if t > now - PERIOD) <= rate
            continue
        # Refused: DRF's exact history, kept a slice longer, holds the rate already.
        assert sum(1 for t in passed if t > now - PERIOD - slice_) >= rate
        # Retry-After (whole seconds, rounded up): one request passes then, none a little before.
        stored, wait = cache.get(throttle.key), throttle.wait()
        assert wait is not None and 0 <= wait <= PERIOD + slice_
        probe, _ = throttle_of(USER_RATE, f"{rate}/minute", Clock(now + math.ceil(wait)), cache)
        assert probe.allow_request(request, None)
        cache.set(throttle.key, stored)
        if wait > 0.001:
            probe, _ = throttle_of(USER_RATE, f"{rate}/minute", Clock(now + wait - 0.001), cache)
            assert not probe.allow_request(request, None)
            cache.set(throttle.key, stored)


@pytest.mark.parametrize("unit", ["s", "m", "h", "d"])
def test_the_history_is_kept_while_its_oldest_slice_counts(unit, monkeypatch):
    # Redis keeps a key for whole seconds: a timeout rounded down would forget a per-second
    # caller's last slice before it stops counting.
    clock, cache = Clock(), _cache()
    throttle, request = throttle_of(USER_RATE, f"5/{unit}", clock, cache)
    timeouts = []
    real_set = cache.set

    def recording_set(key, value, timeout):
        timeouts.append(timeout)
        real_set(key, value, timeout)

    monkeypatch.setattr(cache, "set", recording_set)
    assert throttle.allow_request(request, None)
    period = throttle.duration
    assert timeouts == [math.ceil(period + period / SLICES)] and isinstance(timeouts[0], int)
