"""Registration with a one-time code (issue 16, item 2), enterprise claims, and open calls in
public (item 3). Bad input: a clear message, nothing half-saved."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from stdnum.cn import uscc

from qinhuai_talent.core.models import User
from selfservice.models import EnterpriseClaim, Registration
from tests.funding.factories import agreement
from tests.talents.factories import CallFactory, valid_id_number

pytestmark = pytest.mark.django_db

PASSWORD = "Qinhuai-apply-2018"


def form(**over):
    data = {
        "kind": "talent",
        "username": "wangfang",
        "name": "王芳",
        "mobile": "13912345678",
        "email": "wangfang@example.cn",
        "password": PASSWORD,
        "password2": PASSWORD,
        "id_number": valid_id_number(),
        "credit_code": "",
        "channel": "email",
    }
    data.update(over)
    return data


def start(client, capture, **over):
    with capture(execute=True):
        response = client.post("/accounts/register/", form(**over))
    return response


def code_from_mail() -> str:
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


def test_a_talent_registers_with_the_code_sent_by_email_and_is_logged_in(
    client, units, django_capture_on_commit_callbacks
):
    response = start(client, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    confirm = response["Location"]
    assert not User.objects.get(username="wangfang").is_active
    assert "验证码" in mail.outbox[-1].subject
    wrong = client.post(confirm, {"code": "000000" if code_from_mail() != "000000" else "111111"})
    assert wrong.status_code == 400 and "验证码错误" in wrong.content.decode()
    assert client.post(confirm, {"code": code_from_mail()}).status_code == 302
    user = User.objects.get(username="wangfang")
    assert user.is_active and user.role == "talent" and user.org_unit is None
    assert client.get("/").context["user"] == user
    # The same code again: refused with its own message.
    client.logout()
    reused = client.post(confirm, {"code": code_from_mail()})
    assert reused.status_code == 400 and "已使用" in reused.content.decode()
    # The ID number is stored once, shown nowhere whole.
    registration = Registration.objects.get(account=user)
    assert registration.id_number not in client.get(confirm).content.decode()


def test_an_expired_code_is_refused(client, units, django_capture_on_commit_callbacks):
    confirm = start(client, django_capture_on_commit_callbacks)["Location"]
    Registration.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = client.post(confirm, {"code": code_from_mail()})
    assert response.status_code == 400 and "已过期" in response.content.decode()
    assert not User.objects.get(username="wangfang").is_active


def test_five_wrong_codes_lock_the_registration(client, units, django_capture_on_commit_callbacks):
    confirm = start(client, django_capture_on_commit_callbacks)["Location"]
    good = code_from_mail()
    bad = "000000" if good != "000000" else "111111"
    for _ in range(5):
        client.post(confirm, {"code": bad})
    response = client.post(confirm, {"code": good})
    assert response.status_code == 400 and not User.objects.get(username="wangfang").is_active


@pytest.mark.parametrize(
    ("over", "field_text"),
    [
        ({"id_number": "320104198001011234"}, "身份证号码"),
        ({"mobile": "12345"}, "手机号码"),
        ({"password2": "something-else-1"}, "两次输入的密码不一致"),
        ({"password": "12345678", "password2": "12345678"}, "密码"),
        ({"channel": "email", "email": ""}, "验证码"),
        ({"kind": "enterprise", "credit_code": "91320104MA1234567X"}, "信用代码"),
    ],
)
def test_bad_input_is_a_clear_message_and_nothing_is_saved(
    client, units, over, field_text, django_capture_on_commit_callbacks
):
    response = start(client, django_capture_on_commit_callbacks, **over)
    assert response.status_code == 400 and field_text in response.content.decode()
    assert not User.objects.filter(username="wangfang").exists() and not Registration.objects.exists()
    assert not mail.outbox


def test_an_enterprise_claims_by_credit_code_the_unit_confirms_and_a_second_claim_is_refused(
    client, units, office, park_officer, street_officer, web, django_capture_on_commit_callbacks
):
    a = agreement(office)
    body = "91320104MA1QH0001"
    code = body + uscc.calc_check_digit(body)
    type(a.enterprise).objects.filter(pk=a.enterprise_id).update(credit_code=code)
    confirm = start(
        client, django_capture_on_commit_callbacks, kind="enterprise", username="ent1", id_number="", credit_code=code
    )["Location"]
    client.post(confirm, {"code": code_from_mail()})
    claim = EnterpriseClaim.objects.get()
    assert claim.state == "pending" and claim.enterprise == a.enterprise
    assert park_officer.notifications.filter(event="enterprise_claim_pending").exists()
    # A second claim on the same enterprise, by anyone: refused, with the enterprise named.
    client.logout()
    second = start(
        client,
        django_capture_on_commit_callbacks,
        kind="enterprise",
        username="ent2",
        id_number="",
        credit_code=code,
        mobile="13912345679",
        email="x@example.cn",
    )
    assert second.status_code == 400 and "已被其他账号认领" in second.content.decode()
    # Only the officer of the enterprise's unit (or the office) decides: another unit's is a 404.
    assert web(street_officer).post(f"/selfservice/claims/{claim.pk}/confirm/").status_code == 404
    assert web(park_officer).post(f"/selfservice/claims/{claim.pk}/confirm/", {"confirmed": "1"}).status_code == 302
    a.enterprise.refresh_from_db()
    account = User.objects.get(username="ent1")
    assert a.enterprise.account == account
    assert code in web(account).get("/enterprises/mine/").content.decode()
    assert account.notifications.filter(event="enterprise_claim_decided").exists()


def test_open_calls_are_public_and_only_the_open_ones(client, units, settings):
    settings.PORTAL_AS_OF = "2018-02-01"
    open_call = CallFactory(
        title="2018年区高层次创业人才引进计划",
        year=2018,
        state="open",
        opens_on=datetime.date(2018, 1, 2),
        closes_on=datetime.date(2018, 3, 31),
        eligibility={"legal_representative": True, "min_own_capital": "1000000"},
    )
    closed = CallFactory(
        title="已截止的批次",
        year=2017,
        state="open",
        opens_on=datetime.date(2017, 1, 2),
        closes_on=datetime.date(2017, 3, 31),
    )
    draft = CallFactory(
        title="草稿批次",
        year=2019,
        state="draft",
        opens_on=datetime.date(2018, 1, 2),
        closes_on=datetime.date(2018, 3, 31),
    )
    page = client.get("/open-calls/").content.decode()
    assert open_call.title in page and closed.title not in page and draft.title not in page
    assert "法定代表人" in page and "1,000,000" in page
    assert client.get(f"/open-calls/{open_call.pk}/").status_code == 200
    assert client.get(f"/open-calls/{closed.pk}/").status_code == 404
    assert client.get(f"/open-calls/{draft.pk}/").status_code == 404
    english = client.get("/open-calls/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "legal representative" in english
