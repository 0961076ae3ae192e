"""Log-in, lock-out, logout, password change and the two languages."""

import pytest
from django.urls import reverse

from qinhuai_talent.core.demo import ACCOUNTS

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese_by_default(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()
    assert "登录" in response.content.decode()


@pytest.mark.parametrize("username", [a[0] for a in ACCOUNTS])
def test_every_demo_account_logs_in_and_lands_on_its_home_page(client, units, password, username):
    response = client.post("/accounts/login/", {"username": username, "password": password}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("home")
    body = response.content.decode()
    # What waits for the person; a reader (leadership), whom nothing waits for, the key figures.
    assert any(words in body for words in (("主要数据",) if username == "leader" else ("需要您处理", "需要处理")))
    assert response.context["user"].username == username


def test_switching_language_keeps_the_page_and_shows_english(client, office):
    client.force_login(office)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/jobs/"})
    assert response.status_code == 302 and response.url == "/jobs/"
    page = client.get("/jobs/").content.decode()
    assert '<html lang="en">' in page
    assert "Background jobs" in page


def test_accept_language_english_is_honoured(client, units):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in page and "Log in" in page


def test_wrong_credentials_give_one_message_without_saying_which_part(client, units):
    wrong_user = client.post("/accounts/login/", {"username": "nobody", "password": "x"}).content.decode()
    wrong_pass = client.post("/accounts/login/", {"username": "office", "password": "x"}).content.decode()
    assert "请输入一个正确的" in wrong_user
    assert "请输入一个正确的" in wrong_pass


def test_repeated_failures_lock_the_account_out(client, units, password, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "street", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "street", "password": password})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()


def test_logout_is_a_post(client, office):
    client.force_login(office)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_password_change_page_works_in_the_portal_look(client, office, password):
    client.force_login(office)
    page = client.get("/accounts/password/")
    assert page.status_code == 200 and "修改密码" in page.content.decode()
    response = client.post(
        "/accounts/password/",
        {"old_password": password, "new_password1": "Qh-2017-new-secret", "new_password2": "Qh-2017-new-secret"},
    )
    assert response.status_code == 302
    office.refresh_from_db()
    assert office.check_password("Qh-2017-new-secret")


def test_pages_send_security_headers(client, units):
    response = client.get("/accounts/login/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
