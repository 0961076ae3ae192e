"""A tier that cannot run is skipped, except where CI requires it: there it fails."""

import pytest

from tests import tiers


def test_a_required_tier_that_cannot_run_fails_and_any_other_skips(monkeypatch):
    monkeypatch.setattr(tiers, "REQUIRED", {"postgres"})
    tiers.require("postgres", None)  # it can run: nothing happens
    with pytest.raises(pytest.fail.Exception, match="required here"):
        tiers.require("postgres", "needs initdb")
    with pytest.raises(pytest.skip.Exception, match="needs chromium"):
        tiers.require("browser", "needs chromium")
