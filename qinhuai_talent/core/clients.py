"""Who is asking: the one reader of a request's client address (issue 15 item 5).

``TRUSTED_PROXY_COUNT`` says how many proxies stand in front of the portal. Each proxy appends
the address it saw to ``X-Forwarded-For``, so with N trusted proxies the client is the N-th
address from the right; anything to the left of it was written by the client and is not
believed. With none (the embedded mode) the header is ignored and the socket's peer is the
client. The API's throttles, the log-in lock-out, the request log and ``/metrics`` all read the
address here, so none of them can be escaped by rotating a header the others ignore.
"""

import ipaddress

from django.conf import settings


def client_address(request) -> str:
    """The client's address as the outermost trusted proxy saw it (``REMOTE_ADDR`` without one).

    A forwarded value that is not an address (a misconfigured proxy) is not believed either:
    the socket's peer answers for it."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if not hops:
        return remote
    candidate = hops[-min(count, len(hops))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
