import pytest

from qinhuai_talent.notifications.services import notify


@pytest.fixture(autouse=True)
def _delivered_in_process(deliver_in_process):
    """Every test here reads what was delivered (mail folder, SMS log): deliver in-process."""


def tell(user, key="k1", **kw):
    """One occurrence of an event with a recipient and both channels (inbox and e-mail)."""
    return notify(event="job_failed", recipients=[user], key=key, params={"kind": "x", "job": 1, "message": "m"}, **kw)
