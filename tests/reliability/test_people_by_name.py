"""People by name (issue 17, item 5): wherever a page shows a person (pickers, tables, the history,
the transition log, messages), it shows their full name; the username only on the administrators'
own pages (users, report clients, the admin site).

Generated over the URLconf on the demo district: every page without parameters and every record
page (`…/<int:pk>/`, a record the role's API list holds), as each role. Every demo account gets a
username no page could print by accident, so any username on a page is a person shown by it.
"""

import re

import pytest

from qinhuai_talent.core.models import User

from .test_access_matrix import WEB_ALIASES, api_for, own_list, schema_paths, web_patterns

ROLES = ["office", "street", "park", "expert", "finance", "leader"]
# The administrators' own pages, where an account's username is what they need.
ADMIN_PAGES = ("/accounts/users/", "/reports/clients/", "/admin/")
TAGS = re.compile(r"<script\b.*?</script>|<style\b.*?</style>|<[^>]+>", re.S)

pytestmark = pytest.mark.django_db


def visible_text(html: str) -> str:
    return TAGS.sub(" ", html)


def pages_for(username: str, cache: dict) -> list[str]:
    """Every parameterless page, and each record page with a record the role may open."""
    paths = schema_paths() if "schema" not in cache else cache["schema"]
    cache["schema"] = paths
    api_lists = {p.rstrip("/").rsplit("/", 1)[-1]: p for p, ops in paths.items() if "get" in ops and "{" not in p}
    urls = []
    for route, pattern in web_patterns():
        if route.startswith(("api/", "admin/", "static/", "^static")) or "(" in route or "\\" in route:
            continue
        if "<" not in route:
            urls.append("/" + route)
            continue
        match = re.fullmatch(r"(?:[\w-]+/)*?([\w-]+)/<int:pk>/", route)
        if match is None:
            continue
        resource = WEB_ALIASES.get(match.group(1), match.group(1))
        if resource not in api_lists:
            continue
        rows = own_list(api_for(User.objects.get(username=username)), api_lists[resource], cache, (username, resource))
        urls += ["/" + route.replace("<int:pk>", str(r["id"])) for r in rows[:2]]
    return urls


def test_no_page_shows_a_persons_username_where_it_shows_the_person(demo_district, client):
    accounts = list(User.objects.exclude(first_name="", last_name=""))
    assert len(accounts) >= 9
    marked = {}
    for account in accounts:
        account.username = f"acct{account.pk}x{account.username}"
        account.save(update_fields=["username"])
        marked[account.username] = account.get_full_name()
    shown = re.compile("|".join(sorted(marked, key=len, reverse=True)))
    names = set(marked.values())
    found, pages, named, cache = [], 0, set(), {}
    for role in ROLES:
        user = User.objects.get(username__endswith=f"x{role}")
        client.force_login(user)
        for url in pages_for(user.username, cache):
            response = client.get(url)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            pages += 1
            text = visible_text(response.content.decode())
            named |= {url for name in names if name in text}
            if url.startswith(ADMIN_PAGES):
                continue
            found += [f"{role} {url}: {m}" for m in sorted(set(shown.findall(text)))]
    print(f"people by name: {pages} pages, {len(named)} naming a person, usernames shown {len(found)}")
    assert not found, "\n".join(found)
    # Not vacuous: people are shown, by name, on many pages (history, transitions, pickers, queues).
    assert pages > 150 and len(named) > 40, (pages, len(named))
