"""The service tiers a test may need, and what happens when one cannot run.

Elsewhere a tier that cannot run is skipped with its one-line reason. CI names the tiers it must
run in ``REQUIRE_TIERS`` (comma-separated markers: ``browser,postgres,redis,worker``): there a
tier that cannot run fails instead, so a green CI never hides a tier it did not run.
"""

import os

import pytest

REQUIRED = {t.strip() for t in os.environ.get("REQUIRE_TIERS", "").split(",") if t.strip()}


def refusal(tier: str, reason: str) -> str:
    return f"the {tier} tier is required here (REQUIRE_TIERS) but {reason}"


def require(tier: str, reason: str | None) -> None:
    """Inside a test: go on when ``reason`` is None, else skip, or fail where ``tier`` is required."""
    if reason is None:
        return
    if tier in REQUIRED:
        pytest.fail(refusal(tier, reason))
    pytest.skip(reason)
