from django.urls import include, path

from qinhuai_talent.core.api.routers import PortalRouter

from . import views

router = PortalRouter()
router.register("service-providers", views.ProviderViewSet, basename="service-provider")
router.register("services", views.ServiceViewSet, basename="service")
router.register("service-requests", views.ServiceRequestViewSet, basename="service-request")
router.register("fund-budgets", views.FundBudgetViewSet, basename="fund-budget")
router.register("first-purchases", views.FirstPurchaseViewSet, basename="first-purchase")

urlpatterns = [path("", include(router.urls))]
