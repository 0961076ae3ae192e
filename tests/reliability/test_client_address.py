"""Client identity behind the proxy (issue 15 item 5).

One setting, ``TRUSTED_PROXY_COUNT``, says how many proxies are trusted; the API's throttles, the
log-in lock-out, the request log and /metrics read the client through one function
(``qinhuai_talent.core.clients.client_address``). The lock-out counts per (username, address)
and per address across usernames, so it cannot be turned against a named account."""

import logging

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern
from rest_framework.test import APIClient

from qinhuai_talent.core.api.throttles import AnonRateThrottle, ClientAddressMixin
from qinhuai_talent.core.clients import client_address

from .test_access_matrix import web_patterns

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
LOGIN = "/accounts/login/"


@pytest.fixture
def anon_rate(monkeypatch):
    """The anonymous rate (the token endpoint's) at three a minute, counted from an empty cache."""
    cache.clear()
    monkeypatch.setattr(AnonRateThrottle, "rate", "3/minute", raising=False)
    yield
    cache.clear()


def _token(client: APIClient, username: str, password: str, **meta):
    return client.post(TOKEN, {"username": username, "password": password}, format="json", **meta)


class _Request:
    def __init__(self, remote: str, forwarded: str | None = None):
        self.META = {"REMOTE_ADDR": remote}
        if forwarded is not None:
            self.META["HTTP_X_FORWARDED_FOR"] = forwarded


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "client"),
    [
        (0, "203.0.113.7", "1.2.3.4", "203.0.113.7"),  # no proxy: the header is the caller's own words
        (0, "203.0.113.7", None, "203.0.113.7"),
        (1, "127.0.0.1", "198.51.100.1, 203.0.113.7", "203.0.113.7"),  # nginx appended the right-most
        (1, "127.0.0.1", "203.0.113.7", "203.0.113.7"),
        (1, "203.0.113.7", None, "203.0.113.7"),  # straight to gunicorn: its peer
        (2, "127.0.0.1", "9.9.9.9, 198.51.100.1, 10.0.0.2", "198.51.100.1"),
        (2, "127.0.0.1", "198.51.100.1", "198.51.100.1"),  # fewer hops than proxies: the left-most
        (1, "127.0.0.1", "1.1.1.1, not-an-address", "127.0.0.1"),  # garbage is not believed
    ],
)
def test_the_client_is_the_address_the_outermost_trusted_proxy_saw(settings, proxies, remote, forwarded, client):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_address(_Request(remote, forwarded)) == client


def test_every_api_view_throttles_by_the_one_client_address():
    """Generated over the URLconf: every throttle of every API view reads the address through
    ``client_address`` (a DRF throttle left alone would read X-Forwarded-For by NUM_PROXIES)."""
    from rest_framework.settings import api_settings

    checked, strays = 0, []
    for route, pattern in web_patterns():
        if not isinstance(pattern, URLPattern) or not route.startswith("api/"):
            continue
        view = getattr(pattern.callback, "cls", None) or getattr(pattern.callback, "view_class", None)
        if view is None:
            continue
        for throttle in getattr(view, "throttle_classes", api_settings.DEFAULT_THROTTLE_CLASSES):
            checked += 1
            if not issubclass(throttle, ClientAddressMixin):
                strays.append(f"{route}: {throttle.__module__}.{throttle.__name__}")
    assert checked > 50
    assert strays == [], strays


def test_rotating_forwarded_for_does_not_escape_the_token_endpoints_429(units, anon_rate, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    client = APIClient(REMOTE_ADDR="203.0.113.7")
    answers = [_token(client, "nobody", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code for i in range(5)]
    assert answers[:3] == [401, 401, 401] and answers[3:] == [429, 429], answers


def test_with_one_proxy_the_right_most_address_is_the_client(units, anon_rate, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client = APIClient(REMOTE_ADDR="127.0.0.1")  # nginx on the same machine
    forged = [
        _token(client, "nobody", "wrong", HTTP_X_FORWARDED_FOR=f"10.9.9.{i}, 203.0.113.7").status_code for i in range(4)
    ]
    assert forged == [401, 401, 401, 429], forged
    # Someone else behind the same nginx is another client.
    assert _token(client, "nobody", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 401


@pytest.mark.parametrize("proxies", [0, 1])
def test_five_wrong_passwords_from_one_address_do_not_lock_the_account_out_elsewhere(
    units, password, settings, proxies
):
    settings.TRUSTED_PROXY_COUNT = proxies

    def meta(address):
        if proxies:
            return {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": address}
        return {"REMOTE_ADDR": address}

    attacker, owner = meta("198.51.100.66"), meta("203.0.113.20")
    tries = [
        Client(**attacker).post(LOGIN, {"username": "office", "password": "wrong"}).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert tries[-1] == 429 and set(tries[:-1]) == {200}, tries  # the limit's own failure locks
    # The attacker's address is locked out of office, with the page saying so ...
    assert Client(**attacker).post(LOGIN, {"username": "office", "password": password}).status_code == 429
    assert _token(APIClient(), "office", password, **attacker).status_code == 429
    # ... the office logs in from its own address, on the page and for a token.
    assert Client(**owner).post(LOGIN, {"username": "office", "password": password}).status_code == 302
    assert _token(APIClient(), "office", password, **owner).status_code == 200


@pytest.mark.parametrize("proxies", [0, 1])
def test_many_usernames_from_one_address_are_throttled(units, password, settings, proxies):
    settings.TRUSTED_PROXY_COUNT = proxies
    settings.AXES_ADDRESS_FAILURE_LIMIT = 8

    def meta(address):
        if proxies:
            return {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": f"10.0.0.1, {address}"}
        return {"REMOTE_ADDR": address}

    guesser = meta("198.51.100.66")
    names = ["office", "street", "park", "expert", "finance", "leader", "nobody1", "nobody2"]
    # One failure each: no (username, address) pair near its own limit; the address reaches its own.
    tries = [Client(**guesser).post(LOGIN, {"username": name, "password": "wrong"}).status_code for name in names]
    assert tries[-1] == 429 and set(tries[:-1]) == {200}, tries
    page = Client(**guesser).post(LOGIN, {"username": "street2", "password": password})
    assert page.status_code == 429 and "登录失败次数过多" in page.content.decode()
    token = _token(APIClient(), "park2", password, **guesser)
    assert token.status_code == 429 and "登录失败次数过多" in token.json()["detail"]
    assert b'"token"' not in token.content
    # Every account stays open from everywhere else.
    elsewhere = meta("203.0.113.20")
    assert Client(**elsewhere).post(LOGIN, {"username": "street2", "password": password}).status_code == 302


def test_the_request_log_names_the_client_through_the_proxy(units, settings, caplog):
    settings.TRUSTED_PROXY_COUNT = 1
    with caplog.at_level(logging.INFO, logger="qinhuai_talent.request"):
        Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7").get("/healthz")
    (line,) = [r for r in caplog.records if r.name == "qinhuai_talent.request"]
    assert line.client == "203.0.113.7"
