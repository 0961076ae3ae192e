"""Lists remember (issue 17 item 12): a list's filters, sort, page and page size survive a visit
to one of its records and back.

Every list page paginates through ``page_of`` (``core.views.paginate`` and the apps' own
helpers), which reads the page size (``per_page``, one of ``PAGE_SIZES``) and marks the request
with the list's query string. ``ListMemoryMiddleware`` keeps the last query of each list the
person looked at in a signed cookie (path → query; a cookie, not the session, so that a list
page costs no database write), and ``list_url`` (the template tag of the breadcrumbs and back
links) links to a list with the query it was left with. The cookie holds only query strings of
the portal's own list paths, is signed and is read back through ``QueryDict``: what it carries
is a query the person could type, never a URL of its own.
"""

from django.core import signing
from django.core.paginator import Paginator
from django.http import QueryDict

COOKIE = "qt_lists"
SALT = "qinhuai_talent.core.lists"
PAGE_SIZES = (25, 50, 100)
MAX_LISTS = 40  # lists remembered at once; the oldest is forgotten first
MAX_QUERY = 600  # characters of one list's query; a longer one is not remembered
# What is not a state of the list: an export's format, a one-off message.
NOT_REMEMBERED = ("format", "next")


def page_size(request, default: int = 50) -> int:
    try:
        size = int(request.GET.get("per_page", ""))
    except ValueError:
        return default
    return size if size in PAGE_SIZES else default


def page_of(request, qs, per_page: int = 50):
    """The requested page of ``qs`` at the requested page size, remembering the list's query."""
    query = request.GET.copy()
    for key in NOT_REMEMBERED:
        query.pop(key, None)
    request.list_query = query.urlencode()
    return Paginator(qs, page_size(request, per_page)).get_page(request.GET.get("page"))


def _remembered(request) -> dict[str, str]:
    raw = request.COOKIES.get(COOKIE)
    if not raw:
        return {}
    try:
        value = signing.loads(raw, salt=SALT)
    except signing.BadSignature:
        return {}
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}


def remembered_query(request, path: str) -> str:
    """The query string the person last looked at the list ``path`` with ('' if none)."""
    if request is None:
        return ""
    if request.path == path and getattr(request, "list_query", None) is not None:
        return request.list_query
    query = _remembered(request).get(path, "")
    # Re-encoded through QueryDict: only parameters, whatever the cookie held.
    return QueryDict(query).urlencode() if query else ""


class ListMemoryMiddleware:
    """After a list page (a GET that called ``page_of``) answered 200 to a signed-in person,
    remember its query for its path."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        query = getattr(request, "list_query", None)
        user = getattr(request, "user", None)
        if (
            query is None
            or request.method != "GET"
            or response.status_code != 200
            or not (user and user.is_authenticated)
            or len(query) > MAX_QUERY
        ):
            return response
        lists = _remembered(request)
        if lists.get(request.path) == query:
            return response
        lists.pop(request.path, None)
        lists[request.path] = query
        while len(lists) > MAX_LISTS:
            lists.pop(next(iter(lists)))
        from django.conf import settings

        response.set_cookie(
            COOKIE,
            signing.dumps(lists, salt=SALT, compress=True),
            max_age=settings.SESSION_COOKIE_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
        return response
