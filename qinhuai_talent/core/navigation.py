"""Where a page sends its user next: the one place that reads a ``next`` field.

A ``next`` is taken only when Django's ``url_has_allowed_host_and_scheme`` accepts it for this
host (a path of this site: never ``//evil.example/x``, another host, ``javascript:`` or a
backslash trick); anything else falls back to the page the view names.
"""

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, default: str) -> str:
    """The request's ``next`` (POST, then GET) when it stays on this site; ``default`` otherwise."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
