"""Schemathesis against /api/schema/ as each role: no 5xx, every response conforms to the schema.

`make test` runs a fixed seed and a modest number of examples per operation; `make fuzz` sets
FUZZ_EXAMPLES higher.
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from qinhuai_talent.core.models import User
from qinhuai_talent.wsgi import application

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
ROLES = ["office", "street", "park", "expert", "finance", "leader"]

pytestmark = pytest.mark.django_db


def _token(username: str) -> str:
    from knox.models import AuthToken

    return AuthToken.objects.create(User.objects.get(username=username))[1]


@pytest.mark.parametrize("username", ROLES)
def test_no_operation_answers_5xx_or_breaks_its_schema(username, demo_district, wsgi_in_test_transaction):
    # The schema is for signed-in callers: read it with the role's token.
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/",
        application,
        headers={"Authorization": f"Token {_token(username)}", "Accept-Encoding": "identity"},
    )
    failures, calls = [], []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, "the schema lists no operations"
    for operation in operations:
        # A fresh token per operation: fuzzing POST /auth/logout/ revokes the one it carries. The
        # WSGI transport asks for gzip and never inflates the answer: the caller takes it plain.
        headers = {"Authorization": f"Token {_token(username)}", "Accept-Encoding": "identity"}

        @seed(2017)
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case):
            calls.append(case.call_and_validate(headers=headers, checks=CHECKS).status_code)

        try:
            check()
        except (Exception, BaseExceptionGroup) as exc:  # collect every failure, then report them together
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:1500]}")
    # A 5xx or a response outside the schema fails its check and lands in ``failures``.
    print(f"fuzz as {username}: {len(operations)} operations, {len(calls)} conforming answers, {len(failures)} failing")
    assert not failures, "\n\n".join(failures)
