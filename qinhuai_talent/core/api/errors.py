"""JSON errors with a message per field; domain refusals become 400/403/503, never 500."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ..errors import DomainError


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            data = {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
        else:
            data = {"detail": " ".join(exc.messages)}
        return Response(data, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, (OverflowError, DataError)):
        # A number too large for the database column or lookup: the caller's input, not our fault.
        return Response({"detail": _("A value is out of range.")}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError):
        return Response(
            {"detail": _("The change conflicts with existing records and was not saved.")},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, Http404):
        # Django's "No Enterprise matches the given query." is English whatever the reader's
        # language, and names the model; a missing record and one out of scope read alike.
        exc = NotFound()
    return drf_exception_handler(exc, context)
