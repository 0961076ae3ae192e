"""A client generated from the served schema works (issue 15 item 10).

The schema a signed-in caller reads lints (openapi-spec-validator); openapi-python-client
generates a client project from it into a temporary folder, its package named after the schema's
(ASCII) title; every module of that package imports from there; and the
client, against a live portal, logs in for a token and pulls the reports as a report client
would: the caller, a paginated list, a detail, the summary, an error parsed from its declared
schema. Skipped, with the reason, where the generator is not installed (requirements.txt
installs it, so `make test` and CI run it)."""

import importlib
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from qinhuai_talent.core.models import Role, User

pytest.importorskip("openapi_python_client", reason="openapi-python-client is not installed")
validator = pytest.importorskip("openapi_spec_validator", reason="openapi-spec-validator is not installed")

PACKAGE = "qinhuai_talent_portal_api_client"
# Transactional (the live server reads what the test writes): pytest-django then runs these after
# the suite's other tests, whose data the flush at the end of a transactional test would empty.
pytestmark = pytest.mark.django_db(transaction=True)


def _schema_text() -> bytes:
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(User(username="schema-reader", role=Role.OFFICE))
    response = client.get("/api/schema/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    return response.content


@pytest.fixture
def generated(tmp_path):
    schema = tmp_path / "schema.yaml"
    schema.write_bytes(_schema_text())
    validator.validate(yaml.safe_load(schema.read_text()))  # the linter: raises on an invalid schema
    generator = shutil.which("openapi-python-client", path=str(Path(sys.executable).parent))
    assert generator, "the generator's command is installed beside the test's Python"
    out = tmp_path / "client"
    run = subprocess.run(
        [generator, "generate", "--path", str(schema), "--output-path", str(out), "--meta", "setup"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={"PATH": str(Path(sys.executable).parent), "HOME": str(tmp_path)},
    )
    assert run.returncode == 0, run.stdout + run.stderr
    # The package is named after the schema's title: an importable name, not one in Chinese.
    assert sorted(p.name for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")) == [PACKAGE]
    site = out  # the project folder: its package imports from there, as pip would put it
    sys.path.insert(0, str(site))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(site))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def test_the_generated_client_imports_every_module_with_names_in_no_language(generated):
    modules = [m.name for m in pkgutil.walk_packages(generated.__path__, PACKAGE + ".")]
    failures = []
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as exc:  # every failure is reported, not just the first
            failures.append(f"{name}: {exc!r}")
    assert len(modules) > 300 and failures == [], failures[:20]
    foreign = [name for name in modules if not name.isascii()]
    assert foreign == [], foreign[:20]  # component names do not depend on the request's language


def test_every_record_id_in_a_path_is_an_integer_to_a_client():
    """A generated client takes a record's id as an int (``calls_open_create.sync(id=7)``), never a
    string of digits: every ``{…}`` of every path is an int64, as the router admits only digits."""
    schema = yaml.safe_load(_schema_text())
    found = {}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if parameter["in"] == "path" and parameter["name"] != "code":  # org units, programs: by code
                    found[(method, path, parameter["name"])] = parameter["schema"].get("type")
    assert len(found) > 100
    assert {key: kind for key, kind in found.items() if kind != "integer"} == {}


def test_the_generated_client_pulls_the_reports_from_a_live_portal(generated, live_server, units, password):
    from importlib import import_module

    api = f"{PACKAGE}.api"
    client_module = import_module(f"{PACKAGE}.client")
    models = import_module(f"{PACKAGE}.models")
    token_create = import_module(f"{api}.auth.auth_token_create")
    me_retrieve = import_module(f"{api}.me.me_retrieve")
    users_list = import_module(f"{api}.users.users_list")
    users_retrieve = import_module(f"{api}.users.users_retrieve")
    summary = import_module(f"{api}.reports.reports_summary")

    anonymous = client_module.Client(base_url=live_server.url, raise_on_unexpected_status=True)
    refused = token_create.sync_detailed(
        client=anonymous, body=models.TokenRequestRequest(username="office", password="wrong")
    )
    assert refused.status_code == 401 and isinstance(refused.parsed, models.Error)
    issued = token_create.sync(client=anonymous, body=models.TokenRequestRequest(username="office", password=password))
    assert isinstance(issued, models.TokenResponse) and issued.expiry.utcoffset().total_seconds() == 8 * 3600

    client = client_module.AuthenticatedClient(
        base_url=live_server.url, token=issued.token, prefix="Token", raise_on_unexpected_status=True
    )
    me = me_retrieve.sync(client=client)
    assert (me.username, getattr(me.role, "value", me.role)) == ("office", "office")

    page = users_list.sync(client=client, page_size=2)
    assert isinstance(page, models.PaginatedUserList) and page.count > 2 and len(page.results) == 2
    assert isinstance(page.next_, str)
    first = users_retrieve.sync(client=client, id=page.results[0].id)
    assert first.username == page.results[0].username

    missing = users_retrieve.sync_detailed(client=client, id=10**9)
    assert missing.status_code == 404 and isinstance(missing.parsed, models.Error)

    figures = summary.sync(client=client, year=2017)
    assert isinstance(figures, models.Summary) and figures.year == 2017
    bad_year = summary.sync_detailed(client=client, year=1)
    assert bad_year.status_code == 400 and isinstance(bad_year.parsed, models.Error)


def test_the_generated_client_writes_and_moves_a_record_through_its_workflow(generated, live_server, units, password):
    """A write and a transition through the generated client: the office creates a call, opens it,
    and the second opening is a 400 parsed as the schema's Error; a street officer's call a 403."""
    import datetime
    from importlib import import_module

    api = f"{PACKAGE}.api"
    client_module = import_module(f"{PACKAGE}.client")
    models = import_module(f"{PACKAGE}.models")
    token_create = import_module(f"{api}.auth.auth_token_create")
    calls_create = import_module(f"{api}.calls.calls_create")
    calls_open = import_module(f"{api}.calls.calls_open_create")
    calls_retrieve = import_module(f"{api}.calls.calls_retrieve")

    def signed_in(username):
        anonymous = client_module.Client(base_url=live_server.url, raise_on_unexpected_status=True)
        token = token_create.sync(
            client=anonymous, body=models.TokenRequestRequest(username=username, password=password)
        )
        return client_module.AuthenticatedClient(
            base_url=live_server.url, token=token.token, prefix="Token", raise_on_unexpected_status=True
        )

    office = signed_in("office")
    today = datetime.date.today()
    body = models.CallRequest(
        program="district_high_level_entrepreneur",
        year=today.year + 1,
        title="客户端生成的申报批次",
        opens_on=today,
        closes_on=today + datetime.timedelta(days=30),
        criteria=[models.CriterionRequest(code="innovation", label="技术创新性", weight="100")],
        quota=5,
    )
    created = calls_create.sync_detailed(client=office, body=body)
    assert created.status_code == 201, created.content
    call = created.parsed
    assert isinstance(call, models.Call) and isinstance(call.id, int)
    assert getattr(call.state, "value", call.state) == "draft"

    opened = calls_open.sync(client=office, id=call.id)
    assert isinstance(opened, models.Call) and getattr(opened.state, "value", opened.state) == "open"
    assert getattr(calls_retrieve.sync(client=office, id=call.id).state, "value", None) == "open"

    again = calls_open.sync_detailed(client=office, id=call.id)
    assert again.status_code == 400 and isinstance(again.parsed, models.Error)

    body.year += 1
    refused = calls_create.sync_detailed(client=signed_in("street"), body=body)
    assert refused.status_code == 403 and isinstance(refused.parsed, models.Error)
