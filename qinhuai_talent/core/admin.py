"""The admin is for district office staff; it asks the same access module as every page."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

from .access import is_office
from .accounts import account_change_check
from .errors import DomainError
from .models import Job, OrgUnit, TransitionLog, User


def office_only(request) -> bool:
    return request.user.is_active and is_office(request.user)


admin.site.has_permission = office_only
admin.site.site_header = "秦淮区人才工作平台 · 管理"


class OfficeAdmin(SimpleHistoryAdmin):
    """Office staff may view and change; nothing of the portal is deleted here."""

    def has_module_permission(self, request):
        return office_only(request)

    def has_view_permission(self, request, obj=None):
        return office_only(request)

    def has_change_permission(self, request, obj=None):
        return office_only(request)

    def has_add_permission(self, request):
        return office_only(request)

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(OfficeAdmin):
    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(OrgUnit)
class OrgUnitAdmin(OfficeAdmin):
    list_display = ["code", "name", "name_en", "kind", "head", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name", "name_en"]


@admin.register(User)
class PortalUserAdmin(UserAdmin, OfficeAdmin):
    list_display = ["username", "last_name", "first_name", "role", "org_unit", "is_active"]
    list_filter = ["role", "org_unit", "is_active"]
    fieldsets = UserAdmin.fieldsets + (
        ("Portal", {"fields": ("role", "org_unit", "granted_units", "grants_all_units", "phone")}),
    )
    filter_horizontal = ["granted_units"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        """The form refuses, with its message, a change the accounts rule refuses (one's own
        role, unit or rights); nothing is saved."""
        form = super().get_form(request, obj, change=change, **kwargs)
        actor = request.user

        class GuardedForm(form):
            def clean(self):
                cleaned = super().clean()
                if self.instance.pk is not None:
                    try:
                        account_change_check(actor=actor, account=self.instance, changed=self.changed_data)
                    except DomainError as exc:
                        raise ValidationError(str(exc.message), code=exc.code) from None
                return cleaned

        return GuardedForm

    def get_fieldsets(self, request, obj=None):
        # Office staff manage roles and units, never Django superuser rights.
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        return [
            (
                name,
                {
                    **opts,
                    "fields": [f for f in opts["fields"] if f not in ("is_superuser", "groups", "user_permissions")],
                },
            )
            for name, opts in fieldsets
        ]


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ["pk", "kind", "state", "progress", "requested_by", "created_at", "finished_at"]
    list_filter = ["kind", "state"]


@admin.register(TransitionLog)
class TransitionLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "content_type", "object_id", "action", "from_state", "to_state", "actor"]
    list_filter = ["content_type", "action"]
