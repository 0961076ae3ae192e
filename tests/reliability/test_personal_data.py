"""ID numbers and phone numbers: masked in every list, export and log; in full only on the detail
page of a talent (and the ID number on an application's page) for those allowed to see them, the
district office and the talent's own unit officer.

Generated like the access matrix: every web page of the URLconf and every list of the OpenAPI
schema, with their CSV and XLSX variants, as every role, on the demo district. A new page, column
or export that shows a full number fails here the day it is added.
"""

import io
import logging
import re
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from qinhuai_talent.core.masking import mask_id_number, mask_phone
from qinhuai_talent.core.models import Role, User
from talents.models import Application, Talent

from .test_access_matrix import list_all, schema_paths, web_patterns

ROLES = ["office", "street", "street2", "park", "park2", "expert", "finance", "leader", "report-client"]
FORMATS = ("", "csv", "xlsx")

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(demo_district):
    """Every demo talent's full ID number and phone, and a report client that sees the district."""
    from reports.services import report_client_create

    if not User.objects.filter(username="report-client").exists():
        report_client_create(
            actor=User.objects.get(username="office"),
            username="report-client",
            name="统计局",
            grants_all_units=True,
            units=[],
        )
    secrets = {}
    for talent in Talent.objects.exclude(id_number="", phone=""):
        secrets[talent.pk] = [v for v in (talent.id_number, talent.phone) if v]
    assert len(secrets) > 50 and all(len(v) == 2 for v in secrets.values()), "the demo talents have both numbers"
    return secrets


def may_see(user: User, talent: Talent) -> bool:
    """The rule, written here independently of talents.policies."""
    if user.role == Role.OFFICE:
        return True
    return user.role in (Role.STREET, Role.PARK) and user.org_unit_id == talent.org_unit_id


def readable(response) -> str:
    """The body as text; a workbook (a zip) as the text of all its parts."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as book:
            return " ".join(book.read(n).decode("utf-8", "replace") for n in book.namelist())
    return body.decode("utf-8", "replace")


def shown(text: str, secrets: dict, *, except_for: set[int] = frozenset()) -> list[str]:
    return [
        f"talent {pk}: {value}"
        for pk, values in secrets.items()
        if pk not in except_for
        for value in values
        if value in text
    ]


def _user(username: str) -> User:
    return User.objects.select_related("org_unit").get(username=username)


def test_no_web_page_or_export_shows_a_full_number(people, client):
    pages = sorted(
        {
            "/" + route
            for route, _ in web_patterns()
            if "<" not in route and not route.startswith(("api/", "admin/", "static/", "^")) and "\\" not in route
        }
    )
    leaks, fetched, exports = [], 0, 0
    client.raise_request_exception = False  # a page that fails is the access matrix's finding
    for username in ROLES:
        client.force_login(_user(username))
        for page in pages:
            response = client.get(page)
            # The CSV and XLSX variants of the pages that offer them (and of the export routes).
            offers = response.status_code == 200 and b"format=" in response.content
            for fmt in FORMATS if offers or "export" in page else ("",):
                if fmt:
                    response = client.get(page, {"format": fmt})
                if response.status_code != 200:
                    continue
                fetched += 1
                leaks += [f"{username} GET {page}?format={fmt}: {x}" for x in shown(readable(response), people)]
                exports += fmt != ""
    print(f"personal data (web pages and exports): {fetched} responses ({exports} exports), {len(leaks)} full numbers")
    assert fetched > 200 and exports > 30
    assert not leaks, "\n".join(leaks[:40])


def test_a_talents_page_shows_the_full_numbers_only_to_those_allowed(people, client):
    talents = list(Talent.objects.filter(pk__in=people).order_by("org_unit__code", "pk"))
    sample = {t.org_unit_id: t for t in talents}.values()  # one talent of every unit
    wrong = []
    for username in ROLES:
        user = _user(username)
        client.force_login(user)
        for talent in sample:
            response = client.get(f"/talents/{talent.pk}/")
            if response.status_code == 404:
                continue
            assert response.status_code == 200
            text = readable(response)
            full = [v for v in people[talent.pk] if v in text]
            if may_see(user, talent):
                if len(full) != 2:
                    wrong.append(f"{username} does not see talent {talent.pk}'s numbers on its page")
            else:
                if full:
                    wrong.append(f"{username} sees {full} on talent {talent.pk}'s page")
                if mask_id_number(talent.id_number) not in text or mask_phone(talent.phone) not in text:
                    wrong.append(f"{username} sees no masked number on talent {talent.pk}'s page")
            wrong += [f"{username} on /talents/{talent.pk}/: {x}" for x in shown(text, people, except_for={talent.pk})]
    assert not wrong, "\n".join(wrong)


def test_an_applications_page_shows_the_id_number_only_to_those_allowed_and_no_phone(people, client):
    apps = list(Application.objects.select_related("talent").order_by("org_unit_id", "pk"))
    sample = list({a.org_unit_id: a for a in apps}.values())
    sample += [a for a in apps if a.assignments.filter(expert__username="expert").exists()][:2]
    wrong = []
    for username in ROLES:
        user = _user(username)
        client.force_login(user)
        for app in sample:
            response = client.get(f"/talents/applications/{app.pk}/")
            if response.status_code == 404:
                continue
            text = readable(response)
            id_number, phone = people[app.talent_id]
            if (id_number in text) != may_see(user, app.talent):
                wrong.append(f"{username} on application {app.pk}: full ID number shown={id_number in text}")
            if phone in text:
                wrong.append(f"{username} sees the phone on application {app.pk}")
            others = shown(text, people, except_for={app.talent_id})
            wrong += [f"{username} on application {app.pk}: {x}" for x in others]
    assert not wrong, "\n".join(wrong)


def test_no_other_detail_page_shows_a_full_number(people, client):
    """Every `…/<int:pk>/` page (enterprises, agreements, payouts, scorecards …) for a few records each."""
    paths = schema_paths()
    api_lists = {p.rstrip("/").rsplit("/", 1)[-1]: p for p, ops in paths.items() if "get" in ops and "{" not in p}
    office = APIClient()
    office.force_authenticate(_user("office"))
    routes = []
    for route, _ in web_patterns():
        match = re.fullmatch(r"(?:[\w-]+/)*?([\w-]+)/<int:(\w+)>/", route)
        if match and not route.startswith(("api/", "admin/", "talents/applications/")) and route != "talents/<int:pk>/":
            resource, param = match.groups()
            if resource in api_lists:
                ids = [r["id"] for r in list_all(office, api_lists[resource], limit_pages=1) if "id" in r][:4]
                routes += [route.replace(f"<int:{param}>", str(i)) for i in ids]
    assert len(routes) >= 10, routes
    leaks = []
    for username in ("office", "street", "park", "finance", "leader"):
        client.force_login(_user(username))
        for url in routes:
            response = client.get("/" + url)
            if response.status_code == 200:
                leaks += [f"{username} GET /{url}: {x}" for x in shown(readable(response), people)]
    assert not leaks, "\n".join(leaks[:40])


def _api(username: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(_user(username))
    return client


def test_no_api_list_shows_a_full_number(people):
    paths = schema_paths()
    lists = [p for p, ops in paths.items() if "get" in ops and "{" not in p]
    leaks, rows = [], 0
    for username in ROLES:
        client = _api(username)
        for path in lists:
            listed = list_all(client, path)
            rows += len(listed)
            leaks += [f"{username} GET {path}: {x}" for x in shown(str(listed), people)]
            for fmt in ("csv", "xlsx"):
                if any(p.get("name") == "format" for p in paths[path]["get"].get("parameters", [])):
                    response = client.get(path, {"format": fmt, "year": 2017})
                    leaks += [f"{username} GET {path}?format={fmt}: {x}" for x in shown(readable(response), people)]
    print(f"personal data (API lists): {rows} rows, {len(leaks)} full numbers shown")
    assert rows > 1000
    assert not leaks, "\n".join(leaks[:40])


def test_an_api_talent_shows_the_full_numbers_only_to_those_allowed(people):
    talents = list(Talent.objects.filter(pk__in=people).order_by("org_unit__code", "pk"))
    sample = {t.org_unit_id: t for t in talents}.values()
    wrong = []
    for username in ROLES:
        user = _user(username)
        client = _api(username)
        for talent in sample:
            response = client.get(f"/api/v1/talents/{talent.pk}/")
            if user.role == Role.API_CLIENT:  # reads the report endpoints only
                assert response.status_code == 403
                continue
            if response.status_code == 404:
                continue
            body = response.json()
            full = (body["id_number"], body["phone"]) == (talent.id_number, talent.phone)
            masked = (body["id_number"], body["phone"]) == (mask_id_number(talent.id_number), mask_phone(talent.phone))
            if may_see(user, talent) != full or not (full or masked):
                wrong.append(f"{username} GET talent {talent.pk}: {body['id_number']} {body['phone']}")
    assert not wrong, "\n".join(wrong)


def test_experts_see_no_identity_numbers_at_all(people, client):
    expert = _user("expert")
    client.force_login(expert)
    for app in Application.objects.filter(assignments__expert=expert)[:3]:
        text = readable(client.get(f"/talents/applications/{app.pk}/"))
        assert people[app.talent_id][0] not in text
        assert mask_id_number(people[app.talent_id][0]) not in text


# ---------------------------------------------------------------- logs


@pytest.fixture
def console_log(settings):
    """The output of the portal's configured log handler, at DEBUG, as a string buffer."""
    root = logging.getLogger()
    handler = next(h for h in root.handlers if h.get_name() == "console")
    buffer = io.StringIO()
    old_stream, old_level = handler.setStream(buffer), root.level
    root.setLevel(logging.DEBUG)
    logging.getLogger("django.db.backends").setLevel(logging.DEBUG)
    yield buffer
    handler.setStream(old_stream)
    root.setLevel(old_level)
    logging.getLogger("django.db.backends").setLevel(logging.NOTSET)


def test_the_logs_never_hold_a_full_number(units, office, console_log):
    """With SQL logged at DEBUG (an operator chasing a problem), a talent registered, changed and
    refused, and a job that fails on a parameter echoed in its traceback: the log holds masked
    numbers only."""
    from qinhuai_talent.core.jobs import job_run
    from qinhuai_talent.core.models import Job

    id_number, phone, other = "110101199003070038", "13912345678", "110101199003070054"
    client = APIClient()
    client.force_authenticate(office)
    with CaptureQueriesContext(connection):  # SQL with its parameters goes to django.db.backends
        created = client.post(
            "/api/v1/talents/",
            {"name": "王测试", "id_number": id_number, "phone": phone, "org_unit": "fuzimiao"},
            format="json",
        )
        assert created.status_code == 201, created.content
        duplicate = client.post("/api/v1/talents/", {"name": "王重复", "id_number": id_number}, format="json")
        assert duplicate.status_code == 400
        Talent.objects.filter(pk=created.json()["id"]).update(id_number=other)
    job = Job.objects.create(kind="recompute_payouts", params={"as_of": f"{id_number} {phone}"})
    assert job_run(job.pk).state == "failed"
    logging.getLogger("talents").error("import refused for %s, phone %s", id_number, phone)
    try:
        raise ValueError(f"row 3: {other} / {phone}")
    except ValueError:
        logging.getLogger("enterprises").exception("unexpected")
    output = console_log.getvalue()
    assert "INSERT" in output and "job " in output and "Traceback" in output, "the log captured nothing"
    for value in (id_number, phone, other):
        assert value not in output, f"{value} in the log"
    assert mask_id_number(id_number) in output and mask_phone(phone) in output


@pytest.mark.worker
@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_workers_log_never_holds_a_full_number(units, office, tmp_path):
    """A real worker (which sets up its own log handlers) runs a job that fails on a parameter
    holding an ID number and a phone number; its log output shows them masked."""
    import os
    import subprocess
    import sys
    import time

    from django.conf import settings

    from qinhuai_talent.core.jobs import job_enqueue
    from qinhuai_talent.core.models import Job

    id_number, phone = "110101199003070038", "13912345678"
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "DJANGO_SETTINGS_MODULE": "qinhuai_talent.settings.test",
    }
    log_path = tmp_path / "worker.log"
    with open(log_path, "wb") as log_file:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "qinhuai_talent", "worker", "-P", "solo", "-c", "1",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO"],
            env=env, cwd=settings.BASE_DIR, stdout=log_file, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            job = Job.objects.create(kind="recompute_payouts", params={"as_of": f"{id_number} {phone}"})
            job_enqueue(job.pk)
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and not Job.objects.filter(pk=job.pk, state="failed").exists():
                time.sleep(0.2)
            assert Job.objects.get(pk=job.pk).state == "failed"
            time.sleep(0.5)  # the traceback is written after the state
        finally:
            worker.terminate()
            worker.wait(timeout=20)
    output = log_path.read_text("utf-8", "replace")
    assert "Traceback" in output, output[-2000:]
    assert id_number not in output and phone not in output, output[-2000:]
    assert mask_id_number(id_number) in output and mask_phone(phone) in output
