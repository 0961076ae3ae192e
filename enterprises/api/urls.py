from django.urls import include, path

from qinhuai_talent.core.api.routers import PortalRouter

from . import views

router = PortalRouter()
router.register("enterprises", views.EnterpriseViewSet, basename="enterprise")
router.register("operating-reports", views.OperatingReportViewSet, basename="operating-report")
router.register("financing-rounds", views.FinancingRoundViewSet, basename="financing-round")
router.register("evaluations", views.EvaluationViewSet, basename="evaluation")
router.register("maker-spaces", views.MakerSpaceViewSet, basename="maker-space")
router.register("support-items", views.SupportItemViewSet, basename="support-item")

urlpatterns = [path("", include(router.urls))]
