"""Request ids and the log lines operators read.

- ``RequestIdMiddleware`` (first in the middleware): takes the proxy's ``X-Request-ID`` when it is
  well formed (8 to 64 letters, digits, ``-``, ``_`` or ``.``), else makes one (a malformed id is
  replaced, never echoed); returns it as ``X-Request-ID``; logs one line per request on
  ``qinhuai_talent.request`` with the request id, the user's id (never a name), the client's
  address (``qinhuai_talent.core.clients``), the view, method, status and duration; and
  observes the request in the metrics.
- ``RequestIdFilter`` puts ``request_id`` on every log record; tasks a request starts carry the
  id in their message headers (``before_task_publish``) and log under it (``task_prerun``).
- ``JsonFormatter``: one JSON object per line in production (``DJANGO_LOG_FORMAT=json``); the
  embedded mode keeps plain text.
"""

import logging
import re
import time
import uuid
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

from .clients import client_address

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
HEADER = "X-Request-ID"

request_log = logging.getLogger("qinhuai_talent.request")


def accept_request_id(value: str | None) -> str:
    """The caller's id when well formed, otherwise a new one."""
    if value and VALID_REQUEST_ID.match(value):
        return value
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(_JsonFormatter):
    """python-json-logger with the portal's fixed fields first: time, level, logger, message."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("timestamp", "time")
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__("%(levelname)s %(name)s %(message)s %(request_id)s", *args, **kwargs)


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = accept_request_id(request.headers.get(HEADER))
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response[HEADER] = request_id
            duration = time.monotonic() - started
            match = getattr(request, "resolver_match", None)
            view = (match.view_name or match._func_path) if match else "<unmatched>"
            user = getattr(request, "user", None)
            user_id = user.pk if user is not None and user.is_authenticated else None
            request_log.info(
                "%s %s %s",
                request.method,
                view,
                response.status_code,
                extra={
                    "request_id": request_id,
                    "user_id": user_id,
                    "client": client_address(request),
                    "view": view,
                    "method": request.method,
                    "status": response.status_code,
                    "duration_ms": round(duration * 1000, 1),
                },
            )
            from .metrics import observe_request

            observe_request(view, request.method, response.status_code, duration)
            return response
        finally:
            request_id_var.reset(token)


# --------------------------------------------------------------------- Celery: id into tasks


def connect_celery_signals() -> None:
    from celery.signals import before_task_publish, task_postrun, task_prerun, task_retry

    before_task_publish.connect(_publish_with_request_id, weak=False, dispatch_uid="portal.request_id.publish")
    task_prerun.connect(_task_started, weak=False, dispatch_uid="portal.request_id.prerun")
    task_postrun.connect(_task_finished, weak=False, dispatch_uid="portal.request_id.postrun")
    task_retry.connect(_task_retried, weak=False, dispatch_uid="portal.request_id.retry")


_task_tokens: dict[str, object] = {}
task_log = logging.getLogger("qinhuai_talent.tasks")


def _publish_with_request_id(headers=None, **kwargs) -> None:
    if headers is not None and "request_id" not in headers:
        headers["request_id"] = request_id_var.get()


def _task_started(task_id=None, task=None, **kwargs) -> None:
    request_id = getattr(task.request, "request_id", None) if task is not None else None
    if request_id and request_id != "-":
        _task_tokens[task_id] = request_id_var.set(request_id)


def _task_finished(task_id=None, **kwargs) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        request_id_var.reset(token)


def _task_retried(request=None, reason=None, **kwargs) -> None:
    task_log.warning(
        "task retry %s",
        getattr(request, "task", "?"),
        extra={
            "task": getattr(request, "task", None),
            "task_id": getattr(request, "id", None),
            "retries": getattr(request, "retries", None),
            "reason": str(reason)[:200],
        },
    )
