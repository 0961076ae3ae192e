"""To-do cards lead to exactly their items (issue 17, item 1).

Generated over every card of every provider in the registry (qinhuai_talent.core.registry), for
every demo role, on the demo district: the card's count, the records it counts and the list its
link opens are the same, across calls and years. A card is named by its stable key, never by its
translated label. A new card is covered the day it is registered.
"""

import re

import pytest

from qinhuai_talent.core.models import User
from qinhuai_talent.core.registry import attention_cards

ROLES = ["office", "street", "street2", "park", "park2", "expert", "expert2", "finance", "leader", "provider"]
KEY = re.compile(r"^[a-z]+\.[a-z_]+$")

pytestmark = pytest.mark.django_db


def test_every_card_of_every_role_lists_exactly_what_it_counts(demo_district, client):
    best: dict[str, int] = {}
    checked = 0
    for username in ROLES:
        user = User.objects.get(username=username)
        client.force_login(user)
        cards = attention_cards(user)
        keys = [c.key for c in cards]
        assert len(keys) == len(set(keys)) and all(KEY.match(k) for k in keys), (username, keys)
        home = client.get("/")
        shown = {c.key for c in home.context["attention"]}
        html = home.content.decode()
        for card in cards:
            response = client.get(card.url)
            assert response.status_code == 200, (username, card.key, card.url, response.status_code)
            page = response.context["page"]
            listed = set(page.paginator.object_list.values_list("pk", flat=True))
            counted = set(card.items.values_list("pk", flat=True))
            assert page.paginator.object_list.model is card.items.model, (username, card.key)
            assert listed == counted, (username, card.key, sorted(listed ^ counted)[:10])
            assert card.count == len(counted) == page.paginator.count, (username, card.key, card.count, len(listed))
            # The home page shows a card when, and only when, something waits, and links it to its list.
            assert (card.key in shown) == bool(card.count), (username, card.key)
            if card.count:
                assert f'href="{card.url}" data-attention="{card.key}"' in html.replace("&amp;", "&")
            best[card.key] = max(best.get(card.key, 0), card.count)
            checked += 1
    # Not vacuous: every card the registry gives counts something for some role of the demo.
    assert checked >= 25 and all(best.values()), best


def test_the_applications_list_filters_across_calls_and_years(demo_district, client):
    """The card's list is the district's applications, not one call's: several calls and years."""
    from talents.models import Application

    user = User.objects.get(username="office")
    client.force_login(user)
    response = client.get("/talents/applications/?state=recommended")
    listed = response.context["page"].paginator.object_list
    assert listed.values("call").distinct().count() > 1
    assert set(listed.values_list("state", flat=True)) == {"recommended"}
    year = Application.objects.filter(state="recommended").values_list("call__year", flat=True).first()
    one_year = client.get(f"/talents/applications/?state=recommended&year={year}").context["page"].paginator
    assert 0 < one_year.count <= listed.count()
    assert set(one_year.object_list.values_list("call__year", flat=True)) == {year}


def test_the_leaders_home_leads_with_key_figures_that_count_their_records(demo_district, client):
    """Issue 17 item 11: a reader's home shows the district's key figures instead of "nothing is
    waiting"; each figure links to the records it counts, and the count figures equal the number
    of records the link lists."""
    from qinhuai_talent.core.registry import key_figures_for

    leader = User.objects.get(username="leader")
    client.force_login(leader)
    home = client.get("/")
    html = home.content.decode().replace("&amp;", "&")
    figures = key_figures_for(leader)
    assert len(figures) >= 5 and home.context["figures"] == figures
    assert 'id="attention-h"' not in html  # nothing waits for a reader, so the section is left out
    counts = {"reports.titles", "reports.applications", "reports.enterprises", "reports.revenue_ten_million"}
    counts.add("reports.open_flags")
    for figure in figures:
        assert KEY.match(figure.key) and f'href="{figure.url}" data-figure="{figure.key}"' in html
        response = client.get(figure.url)
        assert response.status_code == 200, (figure.key, figure.url)
        if figure.key in counts:
            listed = response.context["page"].paginator.count
            shown = int(re.sub(r"\D", "", figure.value))
            assert shown == listed and listed > 0, (figure.key, figure.value, listed)
    # The office, who has work waiting, keeps its to-do list first and no figures.
    assert key_figures_for(User.objects.get(username="office")) == []


def _queues():
    """Every work queue the URLconf serves (``core.bulk.serves`` marks its view), with its page."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(resolver, prefix=""):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern) and hasattr(entry.callback, "queue") and "<" not in str(entry.pattern):
                yield entry.callback.queue, "/" + prefix + str(entry.pattern)

    return list(walk(get_resolver()))


def test_a_card_whose_items_a_work_queue_takes_opens_that_queue(demo_district):
    """Issue 17 items 1 and 2, generated over every card of every role and every work queue: where
    a queue the person may use lists every item a card counts, the card opens that queue (at the
    card's stage where the queue holds several), not a plain list; what the card counts and the
    list agree by the test above."""
    from urllib.parse import urlsplit

    queues = _queues()
    assert len(queues) >= 4, queues
    wrong, led = [], set()
    for username in ROLES:
        user = User.objects.get(username=username)
        for card in attention_cards(user):
            counted = set(card.items.values_list("pk", flat=True))
            if not counted:
                continue
            for queue, path in queues:
                if queue.workflow.model is not card.items.model or not queue.may_see(user):
                    continue
                if counted <= set(queue.listed(user).values_list("pk", flat=True)):
                    if urlsplit(card.url).path == path:
                        led.add(card.key)
                    else:
                        wrong.append(f"{username} {card.key}: opens {card.url}, its items are all in {path}")
    assert not wrong, "\n".join(wrong)
    assert {"talents.preliminary", "talents.notice", "funding.to_approve", "funding.to_pay"} <= led, led
