import pytest


@pytest.fixture(autouse=True)
def _delivered_in_process(deliver_in_process):
    """Every test here reads what was delivered (mail folder, SMS log): deliver in-process."""
