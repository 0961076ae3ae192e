from django.urls import include, path

from qinhuai_talent.core.api.routers import PortalRouter

from . import views

router = PortalRouter()
router.register("notifications", views.NotificationViewSet, basename="notification")

urlpatterns = [path("", include(router.urls))]
