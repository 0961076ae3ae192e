from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ..events import render
from ..models import Notification
from ..services import inbox_for, notification_mark_read


class NotificationSerializer(serializers.ModelSerializer):
    subject = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField()
    unread = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "event", "subject", "text", "url", "created_at", "read_at", "unread"]

    def get_subject(self, obj) -> str:
        return render(obj.event, obj.params)[0]

    def get_text(self, obj) -> str:
        return render(obj.event, obj.params)[1]

    def get_unread(self, obj) -> bool:
        return obj.read_at is None


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's own inbox (the same items as /notifications/), newest first, in the reader's language."""

    serializer_class = NotificationSerializer
    filter_backends: list = []

    def get_queryset(self):
        qs = inbox_for(self.request.user)
        if getattr(self, "action", None) == "list" and self.request.query_params.get("unread") in ("1", "true"):
            qs = qs.filter(read_at__isnull=True)
        return qs

    @extend_schema(
        parameters=[OpenApiParameter("unread", bool, description="Only the items not yet read.")],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark one of the caller's items read (idempotent)."""
        try:
            notification_mark_read(actor=request.user, notification_id=int(pk))
        except (Notification.DoesNotExist, ValueError):
            raise Http404 from None
        return Response(NotificationSerializer(inbox_for(request.user).get(pk=pk)).data)
