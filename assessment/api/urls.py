from django.urls import include, path

from qinhuai_talent.core.api.routers import PortalRouter

from . import views

router = PortalRouter()
router.register("assessment-schemes", views.SchemeViewSet, basename="assessment-scheme")
router.register("assessment-indicators", views.IndicatorViewSet, basename="assessment-indicator")
router.register("assessment-targets", views.TargetViewSet, basename="assessment-target")
router.register("activities", views.ActivityViewSet, basename="activity")
router.register("assessments", views.AssessmentViewSet, basename="assessment")
router.register("assessment-scores", views.ScoreViewSet, basename="assessment-score")
router.register("work-fund-pools", views.PoolViewSet, basename="work-fund-pool")

urlpatterns = [
    path("league-table/", views.LeagueTableView.as_view(), name="assessment-league-table"),
    path("", include(router.urls)),
]
