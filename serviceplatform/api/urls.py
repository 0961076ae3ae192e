from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("service-providers", views.ProviderViewSet, basename="service-provider")
router.register("services", views.ServiceViewSet, basename="service")
router.register("service-requests", views.ServiceRequestViewSet, basename="service-request")

urlpatterns = [path("", include(router.urls))]
