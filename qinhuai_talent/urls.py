from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularSwaggerSplitView

from qinhuai_talent.core.api.schema import SchemaView
from qinhuai_talent.core.health import healthz, readyz
from qinhuai_talent.core.metrics import metrics_view
from reports import views as report_views
from talents import views as talent_views

urlpatterns = [
    # Operations: the proxy's probes (no login, no HTTPS redirect) and Prometheus (allowed addresses).
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    path("api/docs/", login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")), name="api-docs"),
    path("api/v1/", include("qinhuai_talent.core.api.urls")),
    path("api/v1/", include("talents.api.urls")),
    path("api/v1/", include("enterprises.api.urls")),
    path("api/v1/", include("funding.api.urls")),
    path("api/v1/", include("assessment.api.urls")),
    path("api/v1/", include("serviceplatform.api.urls")),
    path("api/v1/", include("reports.api.urls")),
    path("api/v1/", include("qinhuai_talent.notifications.api.urls")),
    path("talents/", include("talents.urls")),
    path("enterprises/", include("enterprises.urls")),
    path("funding/", include("funding.urls")),
    path("assessment/", include("assessment.urls")),
    path("services/", include("serviceplatform.urls")),
    path("reports/", include("reports.urls")),
    path("notifications/", include("qinhuai_talent.notifications.urls")),
    path("search/", report_views.search_page, name="search"),
    path("open-calls/", talent_views.open_calls, name="open-calls"),
    path("open-calls/<int:pk>/", talent_views.open_call_notice, name="open-call-notice"),
    path("", include("selfservice.urls")),
    path("", include("qinhuai_talent.core.urls")),
]

handler404 = "qinhuai_talent.core.views.not_found"
handler500 = "qinhuai_talent.core.views.server_error"
