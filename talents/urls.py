from django.urls import path

from . import views

app_name = "talents"

urlpatterns = [
    path("calls/", views.call_list, name="call-list"),
    path("calls/new/", views.call_create, name="call-create"),
    path("calls/<int:pk>/", views.call_board, name="call-board"),
    path("calls/<int:pk>/action/", views.call_action, name="call-action"),
    path("calls/<int:pk>/notice/", views.call_public_notice, name="call-public-notice"),
    path("calls/<int:pk>/notice.<str:fmt>", views.call_public_notice, name="call-public-notice-export"),
    path("calls/<int:pk>/quota/", views.call_quota, name="call-quota"),
    path("applications/", views.application_list, name="application-list"),
    path("queues/preliminary/", views.preliminary_queue, name="preliminary-queue"),
    path("queues/decisions/", views.decision_queue, name="decision-queue"),
    path("queues/assignment/", views.assignment_queue, name="assignment-queue"),
    path("applications/new/", views.application_create, name="application-create"),
    path("lookup/talents/", views.talent_lookup, name="talent-lookup"),
    path("applications/<int:pk>/", views.application_detail, name="application-detail"),
    path("applications/<int:pk>/edit/", views.application_edit, name="application-edit"),
    path("applications/<int:pk>/action/", views.application_action, name="application-action"),
    path("applications/<int:pk>/attachments/", views.attachment_upload, name="attachment-upload"),
    path(
        "applications/<int:pk>/attachments/<int:attachment_id>/",
        views.attachment_download,
        name="attachment-download",
    ),
    path("applications/<int:pk>/assign/", views.review_assign, name="review-assign"),
    path("applications/<int:pk>/score/", views.review_submit, name="review-submit"),
    path("applications/<int:pk>/conflict/", views.review_conflict, name="review-conflict"),
    path("applications/<int:pk>/vote/", views.defense_vote, name="defense-vote"),
    path("applications/<int:pk>/objections/", views.objection_add, name="objection-add"),
    path(
        "applications/<int:pk>/objections/<int:objection_id>/resolve/",
        views.objection_resolve,
        name="objection-resolve",
    ),
    path("reviews/", views.expert_queue, name="expert-queue"),
    path("mine/", views.my_applications, name="mine"),
    path("mine/apply/<int:call_id>/", views.my_apply, name="my-apply"),
    path("mine/applications/<int:pk>/", views.my_application, name="my-application"),
    path("mine/applications/<int:pk>/edit/", views.my_application_edit, name="my-application-edit"),
    path("mine/applications/<int:pk>/submit/", views.my_application_submit, name="my-application-submit"),
    path("mine/applications/<int:pk>/withdraw/", views.my_application_withdraw, name="my-application-withdraw"),
    path("mine/applications/<int:pk>/attachments/", views.my_attachment_upload, name="my-attachment-upload"),
    path(
        "mine/applications/<int:pk>/attachments/<int:attachment_id>/",
        views.my_attachment_download,
        name="my-attachment-download",
    ),
    path("", views.talent_list, name="talent-list"),
    path("new/", views.talent_create, name="talent-create"),
    path("<int:pk>/", views.talent_detail, name="talent-detail"),
    path("<int:pk>/edit/", views.talent_edit, name="talent-edit"),
]
