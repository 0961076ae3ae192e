from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "event", "recipient", "channel", "delivered_at", "attempts", "gave_up_at"]
    list_filter = ["channel", "event"]
    readonly_fields = [f.name for f in Notification._meta.fields]
    search_fields = ["key", "recipient__username"]

    def has_add_permission(self, request):
        return False
