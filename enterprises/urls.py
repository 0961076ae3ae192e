from django.urls import path

from . import views

app_name = "enterprises"

urlpatterns = [
    path("", views.enterprise_list, name="list"),
    path("mine/", views.my_enterprise, name="mine"),
    path("mine/reports/", views.my_report_file, name="mine-report"),
    path("mine/financing/", views.my_financing_add, name="mine-financing"),
    path("filing/", views.filing_board, name="filing"),
    path("filing/window/", views.filing_window_set, name="filing-window"),
    path("new/", views.enterprise_create, name="create"),
    path("<int:pk>/", views.enterprise_detail, name="detail"),
    path("<int:pk>/edit/", views.enterprise_edit, name="edit"),
    path("<int:pk>/founders/", views.founder_add, name="founder-add"),
    path("<int:pk>/reports/", views.report_add, name="report-add"),
    path("<int:pk>/financing/", views.financing_add, name="financing-add"),
    path("<int:pk>/evaluations/", views.evaluation_add, name="evaluation-add"),
    path("<int:pk>/plan/", views.support_item_add, name="support-add"),
    path("<int:pk>/visits/", views.visit_add, name="visit-add"),
    path("plan/", views.support_plan, name="support-plan"),
    path("plan/<int:pk>/", views.support_item_detail, name="support-detail"),
    path("plan/<int:pk>/action/", views.support_item_action, name="support-action"),
    path("imports/", views.import_home, name="imports"),
    path("imports/template.xlsx", views.import_template, name="import-template"),
    path("imports/<int:pk>/", views.import_detail, name="import-detail"),
    path("imports/<int:pk>/confirm/", views.import_confirm, name="import-confirm"),
    path("export/", views.export, name="export"),
    path("maker-spaces/", views.maker_space_list, name="maker-spaces"),
    path("maker-spaces/new/", views.maker_space_create, name="maker-space-create"),
    path("mentors/", views.mentor_list, name="mentors"),
    path("mentors/new/", views.mentor_create, name="mentor-create"),
    path("class-rules/", views.class_rules, name="class-rules"),
]
