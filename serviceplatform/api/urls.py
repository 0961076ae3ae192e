from django.urls import include, path

from qinhuai_talent.core.api.routers import PortalRouter

from . import views

router = PortalRouter()
router.register("service-providers", views.ProviderViewSet, basename="service-provider")
router.register("services", views.ServiceViewSet, basename="service")
router.register("service-requests", views.ServiceRequestViewSet, basename="service-request")
router.register("fund-budgets", views.FundBudgetViewSet, basename="fund-budget")
router.register("first-purchases", views.FirstPurchaseViewSet, basename="first-purchase")
router.register("provider-performance", views.ProviderPerformanceViewSet, basename="provider-performance")

urlpatterns = [
    path("provider-review/thresholds/", views.ReviewThresholdsView.as_view(), name="provider-review-thresholds"),
    path("", include(router.urls)),
]
