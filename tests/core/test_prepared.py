"""Statements planned once per connection (``qinhuai_talent.core.prepared``) and the API's token
statement built on it (``qinhuai_talent.core.api.auth``): the same answers as the ORM's query, on
either database, and on PostgreSQL one PREPARE per connection that outlives a rollback."""

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken

from qinhuai_talent.core import prepared
from qinhuai_talent.core.api.auth import _tokens_with_users, token_statement


def _fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


@pytest.mark.django_db
def test_the_token_statement_builds_what_the_orm_builds_for_every_field_of_token_and_user(office, street_officer):
    """Every column of the token and of its user, converted as the ORM converts it (date-times,
    booleans, decimals on SQLite as on PostgreSQL), for each user's token; an unknown key, none."""
    for user in (office, street_officer):
        instance, _key = AuthToken.objects.create(user)
        (ours,) = list(_tokens_with_users(instance.token_key))
        orm = AuthToken.objects.select_related("user").get(token_key=instance.token_key)
        assert _fields(ours) == _fields(orm)
        assert _fields(ours.user) == _fields(orm.user) and ours.user.pk == user.pk
        assert not ours._state.adding and ours._state.db == orm._state.db
        # The user is attached: reading it costs no query.
        with CaptureQueriesContext(connection) as ctx:
            assert ours.user.username == user.username
        assert len(ctx) == 0
    assert list(_tokens_with_users("00000000")) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_statement_is_prepared_once_per_connection_and_outlives_a_rollback():
    sql = "SELECT %s::int + 1"
    name = prepared.statement_name(sql)
    connections.close_all()

    def run(value):
        with connection.cursor() as cursor:
            prepared.execute(cursor, sql, [value])
            return cursor.fetchone()[0]

    with CaptureQueriesContext(connection) as ctx:
        assert run(1) == 2 and run(2) == 3
    assert [q["sql"].split(" ")[0] for q in ctx.captured_queries] == ["PREPARE", "EXECUTE", "EXECUTE"]
    assert all(name in q["sql"] for q in ctx.captured_queries)
    with pytest.raises(RuntimeError), transaction.atomic():
        assert run(3) == 4
        raise RuntimeError("rolled back")
    with CaptureQueriesContext(connection) as ctx:
        assert run(4) == 5
    assert [q["sql"].split(" ")[0] for q in ctx.captured_queries] == ["EXECUTE"]
    # A new connection has no prepared statements: it prepares again.
    connection.close()
    with CaptureQueriesContext(connection) as ctx:
        assert run(5) == 6
    assert [q["sql"].split(" ")[0] for q in ctx.captured_queries] == ["PREPARE", "EXECUTE"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_token_statement_is_prepared_once_on_a_connection(office):
    instance, _key = AuthToken.objects.create(office)
    connection.close()
    executed = "EXECUTE " + prepared.statement_name(token_statement(connection).sql)
    with CaptureQueriesContext(connection) as ctx:
        for _ in range(3):
            assert [t.pk for t in _tokens_with_users(instance.token_key)] == [instance.pk]
    kinds = [q["sql"].split("(")[0].strip() for q in ctx.captured_queries]
    assert kinds == [kinds[0], executed, executed, executed] and kinds[0].startswith("PREPARE ")
