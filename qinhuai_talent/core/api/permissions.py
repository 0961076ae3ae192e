from rest_framework.permissions import SAFE_METHODS, BasePermission

from ..access import can_write


class ReadOnlyForReaders(BasePermission):
    """Leadership and report clients read; they never write."""

    message = "Your role is read-only."

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or can_write(request.user)
