from django.urls import path

from . import views

app_name = "serviceplatform"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("providers/", views.provider_list, name="providers"),
    path("providers/new/", views.provider_create, name="provider-create"),
    path("providers/review/", views.provider_review, name="provider-review"),
    path("providers/review/thresholds/", views.thresholds_set, name="thresholds-set"),
    path("providers/<int:pk>/", views.provider_detail, name="provider-detail"),
    path("providers/<int:pk>/action/", views.provider_action, name="provider-action"),
    path("providers/<int:pk>/services/new/", views.service_create, name="service-create"),
    path("requests/", views.request_list, name="requests"),
    path("requests/new/", views.request_create, name="request-create"),
    path("requests/<int:pk>/", views.request_detail, name="request-detail"),
    path("requests/<int:pk>/assign/", views.request_assign, name="request-assign"),
    path("requests/<int:pk>/action/", views.request_action, name="request-action"),
    path("requests/<int:pk>/outcome/", views.request_outcome, name="request-outcome"),
    path("fund-budgets/", views.fund_budget_list, name="fund-budgets"),
    path("fund-budgets/new/", views.fund_budget_set, name="fund-budget-set"),
    path("first-purchases/", views.first_purchase_list, name="first-purchases"),
    path("first-purchases/new/", views.first_purchase_create, name="first-purchase-create"),
]
