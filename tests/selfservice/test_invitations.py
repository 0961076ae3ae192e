"""Issue 16, item 2: "Officers can also invite an account by email or mobile for an existing talent
or enterprise" (of their unit; the office for any): an invitation with a one-time link and code
through the notification service; the invitee sets a password and the account is bound to the
record without a claim step. And "resend the code" on the registration's confirm page: limited in
rate, the code sent before stops working."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone

from qinhuai_talent.core.errors import ActionNotAllowed
from qinhuai_talent.core.models import User
from selfservice import services
from selfservice.models import EnterpriseClaim, Invitation, Registration
from tests.domain import raises_domain
from tests.enterprises.factories import EnterpriseFactory
from tests.funding.factories import TalentFactory, unit
from tests.talents.factories import valid_id_number

pytestmark = pytest.mark.django_db

PASSWORD = "Qinhuai-invite-2018"


def last_code() -> str:
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


def other_code(code: str) -> str:
    return "000000" if code != "000000" else "111111"


@pytest.fixture
def park_enterprise(units):
    return EnterpriseFactory(name="南京邀请测试科技有限公司", org_unit=unit("gaoxin_park"))


@pytest.fixture
def street_talent(units):
    return TalentFactory(name="邀请测试人", org_unit=unit("fuzimiao"))


def invite(client, capture, **data):
    with capture(execute=True):
        return client.post("/selfservice/invitations/", data)


def test_the_park_officer_invites_its_enterprise_by_email_and_the_account_is_bound_without_a_claim(
    web, client, park_officer, park_enterprise, django_capture_on_commit_callbacks
):
    officer = web(park_officer)
    assert park_enterprise.name in officer.get("/selfservice/invitations/").content.decode()
    response = invite(
        officer,
        django_capture_on_commit_callbacks,
        enterprise=park_enterprise.pk,
        channel="email",
        address="ceo@example.cn",
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    message = mail.outbox[-1]
    assert message.to == ["ceo@example.cn"] and "邀请" in message.subject
    assert f"/accounts/invitation/{invitation.token}/" in message.body
    code = last_code()
    client.logout()
    page = client.get(f"/accounts/invitation/{invitation.token}/")
    assert page.status_code == 200 and park_enterprise.name in page.content.decode()
    # A wrong code: refused, nothing bound.
    form = {"username": "yaoqing", "password": PASSWORD, "password2": PASSWORD}
    wrong = client.post(f"/accounts/invitation/{invitation.token}/", {**form, "code": other_code(code)})
    assert wrong.status_code == 400 and "验证码错误" in wrong.content.decode()
    park_enterprise.refresh_from_db()
    assert park_enterprise.account is None
    done = client.post(f"/accounts/invitation/{invitation.token}/", {**form, "code": code})
    assert done.status_code == 302
    account = User.objects.get(username="yaoqing")
    park_enterprise.refresh_from_db()
    assert account.is_active and account.role == "enterprise" and park_enterprise.account == account
    assert not EnterpriseClaim.objects.exists()  # no claim step
    assert client.get("/").context["user"] == account
    assert park_enterprise.credit_code in client.get("/enterprises/mine/").content.decode()
    # The link and code are used up.
    client.logout()
    again = client.post(f"/accounts/invitation/{invitation.token}/", {**form, "username": "x2", "code": code})
    assert again.status_code == 400 and "已接受" in again.content.decode()


def test_the_street_officer_invites_its_talent_by_sms(
    web, client, street_officer, street_talent, django_capture_on_commit_callbacks, caplog
):
    invitation_page = invite(
        web(street_officer),
        django_capture_on_commit_callbacks,
        talent=street_talent.pk,
        channel="sms",
        address="13912345670",
    )
    assert invitation_page.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.account.notifications.filter(event="account_invited", channel="sms").exists()
    sent = invitation.account.notifications.get(event="account_invited", channel="sms")
    assert sent.address == "13912345670"
    code = sent.params["code"]
    client.logout()
    response = client.post(
        f"/accounts/invitation/{invitation.token}/",
        {"code": code, "username": "rencai1", "password": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    street_talent.refresh_from_db()
    assert street_talent.account.username == "rencai1" and street_talent.account.role == "talent"


def test_an_officer_cannot_invite_for_another_units_record_and_the_office_can_for_any(
    web, street_officer, park_officer, office, park_enterprise, street_talent, django_capture_on_commit_callbacks
):
    # The other unit's records are not among the choices: the form refuses them, nothing sent.
    response = invite(
        web(street_officer),
        django_capture_on_commit_callbacks,
        enterprise=park_enterprise.pk,
        channel="email",
        address="a@example.cn",
    )
    assert response.status_code == 400 and not Invitation.objects.exists() and not mail.outbox
    with pytest.raises(ActionNotAllowed):
        services.invitation_send(
            actor=street_officer, enterprise_id=park_enterprise.pk, channel="email", address="a@example.cn"
        )
    assert park_enterprise.name not in web(street_officer).get("/selfservice/invitations/").content.decode()
    # The office invites for any unit.
    services.invitation_send(actor=office, talent_id=street_talent.pk, channel="email", address="t@example.cn")
    assert Invitation.objects.get().org_unit == street_talent.org_unit
    # The park officer does not see the street's invitation.
    assert "t@example.cn" not in web(park_officer).get("/selfservice/invitations/").content.decode()


def test_a_record_with_an_account_or_a_live_claim_is_not_invited(park_officer, park_enterprise, street_talent):
    EnterpriseClaim.objects.create(
        enterprise=park_enterprise,
        account=User.objects.create_user("claimer", role="enterprise"),
        org_unit=park_enterprise.org_unit,
    )
    with raises_domain("already_claimed"):
        services.invitation_send(
            actor=park_officer, enterprise_id=park_enterprise.pk, channel="email", address="a@example.cn"
        )
    with raises_domain("address_invalid"):
        services.invitation_send(actor=park_officer, enterprise_id=park_enterprise.pk, channel="sms", address="12345")
    assert not Invitation.objects.exists()


def test_an_expired_invitation_and_a_superseded_one_stop_working(
    park_officer, park_enterprise, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.invitation_send(
            actor=park_officer, enterprise_id=park_enterprise.pk, channel="email", address="a@example.cn"
        )
    first_code = last_code()
    with django_capture_on_commit_callbacks(execute=True):
        second = services.invitation_send(
            actor=park_officer, enterprise_id=park_enterprise.pk, channel="email", address="b@example.cn"
        )
    form = {"username": "ent9", "password": PASSWORD, "password2": PASSWORD}
    with raises_domain("code_expired"):
        services.invitation_accept(token=first.token, code=first_code, **form)
    Invitation.objects.filter(pk=second.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with raises_domain("code_expired"):
        services.invitation_accept(token=second.token, code=last_code(), **form)
    park_enterprise.refresh_from_db()
    assert park_enterprise.account is None


def test_a_weak_password_binds_nothing_and_keeps_the_code(
    park_officer, park_enterprise, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_send(
            actor=park_officer, enterprise_id=park_enterprise.pk, channel="email", address="a@example.cn"
        )
    code = last_code()
    with raises_domain("password_weak"):
        services.invitation_accept(token=invitation.token, code=code, username="ent9", password="123", password2="123")
    park_enterprise.refresh_from_db()
    assert park_enterprise.account is None
    user = services.invitation_accept(
        token=invitation.token, code=code, username="ent9", password=PASSWORD, password2=PASSWORD
    )
    assert user.is_active and Invitation.objects.get().used_at is not None


# ---------------------------------------------------------------- resend the code


def _register(client, capture):
    data = {
        "kind": "talent",
        "username": "chongfa",
        "name": "重发",
        "mobile": "13912345678",
        "email": "chongfa@example.cn",
        "password": PASSWORD,
        "password2": PASSWORD,
        "id_number": valid_id_number(),
        "credit_code": "",
        "channel": "email",
    }
    with capture(execute=True):
        return client.post("/accounts/register/", data)["Location"]


def _a_minute_passes():
    Registration.objects.update(code_sent_at=timezone.now() - datetime.timedelta(seconds=61))


def test_resend_sends_a_new_code_and_the_old_one_stops_working(client, units, django_capture_on_commit_callbacks):
    confirm = _register(client, django_capture_on_commit_callbacks)
    old = last_code()
    assert f"{confirm}resend/" in client.get(confirm).content.decode()
    _a_minute_passes()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{confirm}resend/")
    assert response.status_code == 302 and response["Location"] == confirm
    assert len(mail.outbox) == 2
    new = last_code()
    if new != old:
        stale = client.post(confirm, {"code": old})
        assert stale.status_code == 400 and not User.objects.get(username="chongfa").is_active
    assert client.post(confirm, {"code": new}).status_code == 302
    assert User.objects.get(username="chongfa").is_active


def test_resend_is_limited_in_rate_and_count(client, units, django_capture_on_commit_callbacks):
    confirm = _register(client, django_capture_on_commit_callbacks)
    token = Registration.objects.get().token
    # Within a minute of the last code: refused, no mail.
    with raises_domain("resend_too_soon"):
        services.registration_resend(token=token)
    response = client.post(f"{confirm}resend/", follow=True)
    assert "秒后" in response.content.decode() and len(mail.outbox) == 1
    for _ in range(services.RESENDS):
        _a_minute_passes()
        with django_capture_on_commit_callbacks(execute=True):
            services.registration_resend(token=token)
    _a_minute_passes()
    with raises_domain("resend_limit"):
        services.registration_resend(token=token)
    assert len(mail.outbox) == 1 + services.RESENDS


def test_resend_after_confirmation_or_for_an_unknown_link_is_refused(client, units, django_capture_on_commit_callbacks):
    confirm = _register(client, django_capture_on_commit_callbacks)
    client.post(confirm, {"code": last_code()})
    _a_minute_passes()
    with raises_domain("code_used"):
        services.registration_resend(token=Registration.objects.get().token)
    assert client.post("/accounts/register/not-a-token/resend/").status_code == 404


def test_resend_resets_the_wrong_code_lock(client, units, django_capture_on_commit_callbacks):
    confirm = _register(client, django_capture_on_commit_callbacks)
    for _ in range(services.CODE_ATTEMPTS):
        client.post(confirm, {"code": other_code(last_code())})
    _a_minute_passes()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{confirm}resend/")
    assert client.post(confirm, {"code": last_code()}).status_code == 302
