"""Issue 17 item 2, generated over every work queue of the URLconf (a view marked
``@core.bulk.serves``) and every demo role, on the demo district:

- a role that does not do the queue's work sees no queue (404), and no role that may take one
  of its transitions on a record is without it;
- a queue lists only records in the caller's scope, and an id outside it (forged) is never
  touched: the result says "not found" and nothing changes;
- the confirmation lists exactly the chosen records and changes nothing;
- a bulk run equals the sum of the single actions (the same service, record by record: the same
  states and the same refusals);
- the same POST run twice does nothing the second time (nothing paid twice);
- each page costs a constant number of queries.
"""

import re

import pytest
from django.db import transaction
from django.test import Client

from funding.models import LedgerEntry
from qinhuai_talent.core.bulk import Queue, offered
from qinhuai_talent.core.models import User

from .test_access_matrix import ROLES
from .test_buttons import _is_web, web_patterns

pytestmark = pytest.mark.django_db

REASON = "材料不全，请补充后重新提交"
VOUCHER = "PZ-2018-0099"


def _queues() -> list[tuple[str, Queue]]:
    return [
        ("/" + route, entry.callback.queue)
        for route, entry in web_patterns()
        if _is_web(route) and hasattr(entry.callback, "queue")
    ]


QUEUES = _queues()


def test_there_are_queues_to_test():
    keys = {q.key for _p, q in QUEUES}
    assert {"funding.to_approve", "funding.to_pay"} <= keys, keys


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _listed_ids(body: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'name="ids" value="(\d+)"', body)]


def _has_right(queue: Queue, user) -> bool:
    """Whether the person may take one of the queue's transitions on some record, by role and
    unit (the transition's ``allowed``), in a state the transition starts from."""
    for a in queue.actions:
        t = queue.workflow.get(a.action)
        rows = queue.workflow.model.objects.filter(**{f"{queue.workflow.state_field}__in": t.sources})
        if any(offered(queue.workflow, obj, user, a.action) for obj in rows[:500]):
            return True
    return False


def _states(queue: Queue, pks) -> dict[int, str]:
    field = queue.workflow.state_field
    return dict(queue.workflow.model._base_manager.filter(pk__in=list(pks)).values_list("pk", field))


def _post(client, path, action, pks, step):
    data = {"action": action.action, "ids": [str(pk) for pk in pks], "step": step, "reason": REASON}
    for pk in pks:
        data.update({f"{i.name}_{pk}": VOUCHER + f"-{pk}" for i in action.inputs})
    return client.post(path, data)


def _results(body: str) -> dict[int, str]:
    return {int(pk): code for pk, code in re.findall(r'data-item="(\d+)" data-result="([\w-]*)"', body)}


@pytest.fixture(scope="module")
def people(_demo_district_for_module, django_db_blocker):
    with django_db_blocker.unblock():
        return [User.objects.get(username=u) for u in ROLES]


@pytest.mark.parametrize("path,queue", QUEUES, ids=[q.key for _p, q in QUEUES])
def test_a_queue_is_seen_only_with_the_right_and_lists_only_what_is_in_scope(
    path, queue, people, django_assert_max_num_queries
):
    seen = 0
    for user in people:
        client = _client(user)
        # session, user, the page's count and rows (joined), filter choices, the nav's and
        # header's own: constant whatever the number of records
        with django_assert_max_num_queries(12):
            response = client.get(path)
        if not queue.may_see(user):
            assert response.status_code in (403, 404), f"{user.username} sees {path}"
            assert not _has_right(queue, user), f"{user.username} may act but has no queue {path}"
            continue
        assert response.status_code == 200, (user.username, response.status_code)
        seen += 1
        listed = _listed_ids(response.content.decode())
        in_scope = set(queue.scope(user).values_list("pk", flat=True))
        assert set(listed) <= in_scope, (user.username, set(listed) - in_scope)
        assert set(listed) == set(queue.listed(user).values_list("pk", flat=True)[:50])
    assert seen, f"nobody sees {path}"


@pytest.mark.parametrize("path,queue", QUEUES, ids=[q.key for _p, q in QUEUES])
def test_forged_ids_outside_the_scope_are_never_touched(path, queue, people):
    model = queue.workflow.model
    for user in people:
        if not _has_right(queue, user):
            continue
        outside = list(model.objects.exclude(pk__in=queue.scope(user).values("pk")).values_list("pk", flat=True)[:5])
        if not outside:
            continue
        before = _states(queue, outside)
        for action in queue.actions:
            with transaction.atomic():
                response = _post(_client(user), path, action, outside, "run")
                results = _results(response.content.decode())
                after = _states(queue, outside)
                transaction.set_rollback(True)
            assert results == dict.fromkeys(outside, "not_found"), (user.username, results)
            assert after == before


@pytest.mark.parametrize("path,queue", QUEUES, ids=[q.key for _p, q in QUEUES])
def test_the_confirmation_lists_exactly_the_chosen_records_and_changes_nothing(path, queue, people):
    checked = 0
    for user in people:
        if not _has_right(queue, user):
            continue
        client = _client(user)
        listed = _listed_ids(client.get(path).content.decode())
        chosen = listed[::2][:5]
        if not chosen:
            continue
        for action in queue.actions:
            before = _states(queue, listed)
            body = _post(client, path, action, chosen, "confirm").content.decode()
            shown = [int(pk) for pk in re.findall(r'<tr data-item="(\d+)">', body)]
            assert shown == chosen, (user.username, action.action, shown, chosen)
            assert _states(queue, listed) == before
            checked += 1
    assert checked


def _run_single(queue: Queue, action, user, pks) -> dict[int, str]:
    codes = {}
    for pk in pks:
        obj = queue.scope(user).get(pk=pk)
        values = {i.name: VOUCHER + f"-{pk}" for i in action.inputs}
        try:
            with transaction.atomic():
                action.run(actor=user, obj=obj, reason=REASON, **values)
            codes[pk] = "done"
        except Exception as exc:  # noqa: BLE001 - the refusal's code is what is compared
            codes[pk] = getattr(exc, "code", type(exc).__name__)
    return codes


@pytest.mark.parametrize("path,queue", QUEUES, ids=[q.key for _p, q in QUEUES])
def test_a_bulk_run_equals_the_single_actions_and_a_repeated_post_does_nothing_twice(path, queue, people):
    compared = 0
    for user in people:
        if not _has_right(queue, user):
            continue
        client = _client(user)
        listed = _listed_ids(client.get(path).content.decode())[:4]
        if not listed:
            continue
        for action in queue.actions:
            with transaction.atomic():
                results = _results(_post(client, path, action, listed, "run").content.decode())
                bulk_states = _states(queue, listed)
                ledger = LedgerEntry.objects.count()
                again = _results(_post(client, path, action, listed, "run").content.decode())
                assert _states(queue, listed) == bulk_states and LedgerEntry.objects.count() == ledger
                transaction.set_rollback(True)
            assert "done" not in again.values(), (user.username, action.action, again)
            with transaction.atomic():
                single = _run_single(queue, action, user, listed)
                single_states = _states(queue, listed)
                transaction.set_rollback(True)
            assert bulk_states == single_states, (user.username, action.action)
            assert results == single, (user.username, action.action, results, single)
            compared += 1
    assert compared
