from django.urls import include, path

from qinhuai_talent.core.api.routers import PortalRouter

from . import views

router = PortalRouter()
router.register("service-providers", views.ProviderViewSet, basename="service-provider")
router.register("services", views.ServiceViewSet, basename="service")
router.register("service-requests", views.ServiceRequestViewSet, basename="service-request")

urlpatterns = [path("", include(router.urls))]
