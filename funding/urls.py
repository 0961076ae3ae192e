from django.urls import path

from . import views

app_name = "funding"

urlpatterns = [
    path("", views.agreement_list, name="agreement-list"),
    path("mine/", views.my_agreements, name="mine"),
    path("mine/tranches/<int:pk>/use-of-funds/", views.my_use_of_funds, name="my-use-of-funds"),
    path("use-of-funds/<int:pk>/file/", views.use_of_funds_file, name="use-of-funds-file"),
    path("agreements/new/", views.agreement_create, name="agreement-create"),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement-detail"),
    path("agreements/<int:pk>/exit-case/", views.case_open, name="case-open"),
    path("agreements/<int:pk>/<slug:action>/", views.agreement_action, name="agreement-action"),
    path("milestones/<int:pk>/verify/", views.milestone_verify, name="milestone-verify"),
    path("tranches/<int:pk>/use-of-funds/", views.use_of_funds_submit, name="use-of-funds-submit"),
    path("use-of-funds/<int:pk>/accept/", views.use_of_funds_accept, name="use-of-funds-accept"),
    path("payouts/", views.payout_queue, name="payout-queue"),
    path("payouts/finance/", views.finance_queue, name="finance-queue"),
    path("payouts/<int:pk>/", views.payout_detail, name="payout-detail"),
    path("payouts/<int:pk>/approve/", views.payout_approve, name="payout-approve"),
    path("payouts/<int:pk>/pay/", views.payout_pay, name="payout-pay"),
    path("payouts/<int:pk>/return/", views.payout_return, name="payout-return"),
    path("payouts/<int:pk>/resubmit/", views.payout_resubmit, name="payout-resubmit"),
    path("payouts/<int:pk>/reverse/", views.payout_reverse, name="payout-reverse"),
    path("reversals/", views.reversal_queue, name="reversal-queue"),
    path("reversals/<int:pk>/<slug:action>/", views.reversal_action, name="reversal-action"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger/close-year/", views.ledger_close_year, name="ledger-close-year"),
    path("budgets/", views.budget_list, name="budget-list"),
    path("budgets/new/", views.budget_create, name="budget-create"),
    path("budgets/<int:pk>/edit/", views.budget_edit, name="budget-edit"),
    path("approval-limits/", views.limit_list, name="limit-list"),
    path("approval-limits/new/", views.limit_create, name="limit-create"),
    path("approval-limits/<int:pk>/edit/", views.limit_edit, name="limit-edit"),
    path("forecast/", views.forecast, name="forecast"),
    path("exits/", views.exit_board, name="exit-board"),
    path("exits/flags/<int:pk>/dismiss/", views.flag_dismiss, name="flag-dismiss"),
    path("exits/cases/<int:pk>/", views.case_detail, name="case-detail"),
    path("exits/cases/<int:pk>/<slug:action>/", views.case_action, name="case-action"),
]
