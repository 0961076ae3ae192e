from django.urls import path

from . import views

urlpatterns = [
    path("reports/summary/", views.SummaryView.as_view(), name="reports-summary"),
]
