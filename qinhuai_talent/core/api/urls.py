from django.urls import include, path

from . import views
from .routers import PortalRootRouter

router = PortalRootRouter()
router.register("users", views.UserViewSet, basename="user")
router.register("org-units", views.OrgUnitViewSet, basename="orgunit")
router.register("jobs", views.JobViewSet, basename="job")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("auth/logout/", views.TokenLogoutView.as_view(), name="api-logout"),
    path("me/", views.MeView.as_view(), name="api-me"),
    path("", include(router.urls)),
]
