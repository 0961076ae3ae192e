from qinhuai_talent.core.api.routers import PortalRouter

from . import views

router = PortalRouter()
router.register("programs", views.ProgramViewSet, basename="program")
router.register("calls", views.CallViewSet, basename="call")
router.register("talents", views.TalentViewSet, basename="talent")
router.register("titles", views.TitleViewSet, basename="title")
router.register("applications", views.ApplicationViewSet, basename="application")
router.register("reviews", views.ReviewViewSet, basename="review")

urlpatterns = router.urls
