"""Domain errors: a refusal that carries a message for the person who tried."""

from django.utils.functional import Promise


class DomainError(Exception):
    """An action the rules refuse; rendered as a 400 with ``message`` (translatable)."""

    status_code = 400

    def __init__(self, message: str | Promise, *, field: str | None = None, code: str = "invalid"):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code

    def as_dict(self) -> dict:
        key = self.field or "detail"
        return {key: [str(self.message)] if self.field else str(self.message)}


class ActionNotAllowed(DomainError):
    """The user's role or unit does not permit the action (403)."""

    status_code = 403

    def __init__(self, message: str | Promise, *, field: str | None = None, code: str = "permission_denied"):
        super().__init__(message, field=field, code=code)


class ServiceUnavailable(DomainError):
    """A backing service (the job broker) is down; the request can be retried (503)."""

    status_code = 503

    def __init__(self, message: str | Promise):
        super().__init__(message, code="service_unavailable")
