"""A call's 公示名单 (issue 17 item 11): everyone of the call whose public notice has begun, with
the notice period and how to object, as a notice page and as XLSX, scoped like the call's board;
on the demo district, where candidates of 2017 are on notice on its day."""

import io

import openpyxl
import pytest

from qinhuai_talent.core import clock
from qinhuai_talent.core.models import User
from talents import selectors
from talents.models import Application, Call

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_notice(demo_district, settings):
    settings.PORTAL_AS_OF = clock.DEMO_DAY.isoformat()
    call_id = (
        Application.objects.filter(notice_starts_on__isnull=False)
        .values_list("call", flat=True)
        .order_by("call")
        .first()
    )
    assert call_id is not None, "the demo has candidates on notice"
    return Call.objects.get(pk=call_id)


@pytest.mark.parametrize("username", ["office", "leader", "street", "park"])
def test_the_notice_lists_exactly_the_calls_candidates_on_notice_in_the_readers_scope(on_notice, client, username):
    user = User.objects.get(username=username)
    client.force_login(user)
    expected = list(
        selectors.applications_list(user)
        .filter(call=on_notice, notice_starts_on__isnull=False)
        .order_by("notice_starts_on", "org_unit__code", "talent__name", "id")
    )
    page = client.get(f"/talents/calls/{on_notice.pk}/notice/")
    assert page.status_code == 200
    assert [a.pk for a in page.context["rows"]] == [a.pk for a in expected]
    html = page.content.decode()
    for a in expected:
        assert a.talent.name in html and a.venture_name in html and a.notice_ends_on.isoformat() in html
    assert ("公示期" in html and "异议" in html) if expected else 'id="notice-empty"' in html
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/talents/calls/{on_notice.pk}/notice.xlsx").content))
    rows = list(book.worksheets[0].iter_rows(min_row=3, values_only=True))
    assert [(r[1], r[4], r[6].date()) for r in rows] == [
        (a.talent.name, a.venture_name, a.notice_ends_on) for a in expected
    ]
    if username in ("office", "leader"):
        assert expected, "the district's readers see every candidate on notice"


def test_the_call_board_links_to_its_notice_and_finance_has_none(on_notice, client):
    client.force_login(User.objects.get(username="office"))
    assert (
        f'href="/talents/calls/{on_notice.pk}/notice/"'
        in client.get(f"/talents/calls/{on_notice.pk}/").content.decode()
    )
    assert client.get(f"/talents/calls/{on_notice.pk}/notice.pdf").status_code == 404
    client.force_login(User.objects.get(username="finance"))
    assert client.get(f"/talents/calls/{on_notice.pk}/notice/").status_code == 404
    assert client.get(f"/talents/calls/{on_notice.pk}/notice.xlsx").status_code == 404


def test_a_call_without_candidates_on_notice_says_so(on_notice, client):
    call = Call.objects.exclude(applications__notice_starts_on__isnull=False).first()
    client.force_login(User.objects.get(username="office"))
    page = client.get(f"/talents/calls/{call.pk}/notice/")
    assert page.status_code == 200 and 'id="notice-empty"' in page.content.decode()
