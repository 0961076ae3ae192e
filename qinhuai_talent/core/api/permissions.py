"""Who may call an API operation at all; what they then see is scoped by ``core.access``.

One rule for every operation (``DEFAULT_PERMISSION_CLASSES``): a caller without valid credentials
is a 401; a report client reads the report endpoints only (views that set
``report_clients = True``); leadership and report clients never write.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, IsAuthenticated

from ..access import can_write
from ..models import Role


class PortalPermission(IsAuthenticated):
    message = _("A report client reads the report endpoints only.")

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if request.user.role == Role.API_CLIENT and not getattr(view, "report_clients", False):
            return False
        return True


class ReadOnlyForReaders(PortalPermission):
    """Leadership and report clients read; they never write."""

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if request.method in SAFE_METHODS or can_write(request.user):
            return True
        self.message = _("Your role is read-only.")
        return False
