"""HTTP manners (issue 15 item 12): file names in Content-Disposition, compression where it is
safe, and conditional GETs.

- ``attachment`` / ``inline``: a Chinese file name goes out as RFC 6266 with RFC 5987's
  ``filename*=UTF-8''…`` beside an ASCII ``filename=`` fallback; Django would otherwise write a
  non-ASCII header as an RFC 2047 encoded word (``=?utf-8?b?…?=``), which browsers show as is.
- ``SafeGZipMiddleware``: gzip for JSON, CSV and the OpenAPI schema, never for HTML or for a
  response whose request used a CSRF token (BREACH: a secret compressed next to reflected input
  leaks through the length). XLSX is a zip already.
- ``ConditionalGetMiddleware``: every GET gets an ``ETag`` and a matching ``If-None-Match`` a
  304 (Django's middleware). A page's tag is its content less the CSRF token, which is masked
  afresh on every answer, plus the token's secret (a page cached before the secret rotated must
  not come back with a token that no longer holds). The report summary sets its own, from the
  result cache's version where one is kept (reports.api.views).
"""

import hashlib
import re
import unicodedata
from urllib.parse import quote

from django.middleware import http
from django.middleware.gzip import GZipMiddleware
from django.utils.http import quote_etag

CSRF_VALUE = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')

COMPRESSIBLE = ("application/json", "text/csv", "application/vnd.oai.openapi", "application/problem+json")


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """``attachment; filename="…"; filename*=UTF-8''…`` for any file name, ASCII or not."""
    filename = filename.replace("/", "-").replace("\\", "-")
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    ascii_name = "".join(c if c.isprintable() and c not in '"\\;' else "_" for c in ascii_name).strip() or "download"
    if "." in filename and "." not in ascii_name.lstrip("."):
        ascii_name = "download." + filename.rsplit(".", 1)[-1]
    header = f'{disposition}; filename="{ascii_name}"'
    if ascii_name != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header


class SafeGZipMiddleware(GZipMiddleware):
    def process_response(self, request, response):
        content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
        # CsrfViewMiddleware resets the flag once it has set the cookie, but only get_token() and
        # rotate_token() ever put it there: its presence says the token reached this response.
        if content_type not in COMPRESSIBLE or "CSRF_COOKIE_NEEDS_UPDATE" in request.META:
            return response
        return super().process_response(request, response)


class ConditionalGetMiddleware(http.ConditionalGetMiddleware):
    def process_response(self, request, response):
        if (
            request.method in ("GET", "HEAD")
            and not response.streaming
            and not response.has_header("ETag")
            and response.get("Content-Type", "").startswith("text/html")
        ):
            content = CSRF_VALUE.sub(rb"\1\2", response.content)
            secret = request.META.get("CSRF_COOKIE", "").encode()
            response["ETag"] = quote_etag(hashlib.md5(content + b"|" + secret, usedforsecurity=False).hexdigest())
        return super().process_response(request, response)
