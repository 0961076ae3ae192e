"""The demo district of a test module comes from a copy (``demo_district_in``, tests/conftest.py):
a module that starts from the copy sees every row a seed of its own would have written, and every
module leaves the database as it found it."""

import pytest
from django.apps import apps

from qinhuai_talent.core.models import User
from tests.conftest import demo_district_in


def _contents() -> dict[str, list[tuple]]:
    """Every row of every table of every model, as its values, ids included."""
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values_list())
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


@pytest.mark.django_db(transaction=True)  # no transaction around the test: a copy replaces the database
def test_a_module_from_the_copy_sees_what_the_seed_wrote_and_leaves_the_database_as_it_was():
    User.objects.create(username="before-the-demo")
    before = _contents()
    copies: dict = {}
    try:
        with demo_district_in(copies):  # seeds, and keeps a copy
            seeded = _contents()
            User.objects.create(username="written-by-a-module")
        assert _contents() == before
        assert "demo" in copies
        with demo_district_in(copies):  # from the copy
            assert _contents() == seeded
        assert _contents() == before
        assert sum(map(len, seeded.values())) > sum(map(len, before.values())) + 1000
    finally:
        for copy in copies.values():
            copy.close()
