"""``core.links.record_urls``: the address of a record's page for many records with one ``reverse``.

The promise is ``reverse``'s own text, so it is checked over every named page of the portal (pages
and API alike) that takes one argument, for keys small and large, with and without a script prefix
(a portal served under a path, ``FORCE_SCRIPT_NAME``)."""

import pytest
from django.urls import NoReverseMatch, URLResolver, get_resolver, reverse, set_script_prefix

from qinhuai_talent.core.links import record_urls

KEYS = (1, 7, 10, 4_096, 2**31 + 5, 10**15)


def _names(patterns, namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _names(p.url_patterns, inner)
        elif p.name:
            yield namespace + p.name


def one_key_pages() -> list[str]:
    """Every named page whose address takes exactly one positional argument."""
    out = []
    for name in sorted(set(_names(get_resolver().url_patterns))):
        try:
            reverse(name, args=[1])
        except (NoReverseMatch, TypeError):  # no such address, or its one argument is not a key (a format)
            continue
        out.append(name)
    return out


PAGES = one_key_pages()


def test_the_class_is_the_portal_s_record_pages():
    # The pages the notices link to are among them, and so are many others.
    assert {"funding:payout-detail", "funding:agreement-detail", "serviceplatform:request-detail"} <= set(PAGES)
    assert len(PAGES) > 30


@pytest.mark.parametrize("prefix", ["/", "/portal/"])
@pytest.mark.parametrize("name", PAGES)
def test_each_address_is_reverse_s(name, prefix):
    set_script_prefix(prefix)
    try:
        url = record_urls(name)
        assert [url(pk) for pk in KEYS] == [reverse(name, args=[pk]) for pk in KEYS]
    finally:
        set_script_prefix("/")


def test_an_address_without_the_marker_falls_back_to_reverse(monkeypatch):
    # A page whose address does not show its argument as written (none today) is reversed per call.
    from qinhuai_talent.core import links

    monkeypatch.setattr(links, "reverse", lambda name, args: f"/fixed/{args[0] % 3}/")
    url = links.record_urls("funding:payout-detail")
    assert [url(pk) for pk in (3, 4, 5)] == ["/fixed/0/", "/fixed/1/", "/fixed/2/"]
