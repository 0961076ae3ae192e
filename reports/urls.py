from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("talents/", views.report_page, {"area": "talents"}, name="talents"),
    path("applications/", views.report_page, {"area": "applications"}, name="applications"),
    path("enterprises/", views.report_page, {"area": "enterprises"}, name="enterprises"),
    path("funding/", views.report_page, {"area": "funding"}, name="funding"),
    path("exits/", views.report_page, {"area": "exits"}, name="exits"),
    path("assessments/", views.report_page, {"area": "assessments"}, name="assessments"),
    path("services/", views.report_page, {"area": "services"}, name="services"),
    path("clients/", views.client_list, name="client-list"),
    path("clients/new/", views.client_create, name="client-create"),
    path("clients/<int:pk>/", views.client_detail, name="client-detail"),
    path("clients/<int:pk>/token/", views.client_issue_token, name="client-token"),
    path("clients/<int:pk>/revoke/", views.client_revoke, name="client-revoke"),
]
