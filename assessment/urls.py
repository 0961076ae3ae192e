from django.urls import path

from . import views

app_name = "assessment"

urlpatterns = [
    path("", views.league, name="league"),
    path("league.<str:fmt>", views.league_export, name="league-export"),
    path("publish-confirmed/", views.publish_confirmed, name="publish-confirmed"),
    path("scorecards/", views.assessment_list, name="assessment-list"),
    path("scorecards/<int:pk>/", views.assessment_detail, name="assessment-detail"),
    path("scorecards/<int:pk>/<str:action>/", views.assessment_action, name="assessment-action"),
    path("scorecards/<int:pk>/indicators/<int:indicator_id>/", views.evidence, name="evidence"),
    path("scorecards/<int:pk>/indicators/<int:indicator_id>/value/", views.manual_value, name="manual-value"),
    path("schemes/", views.scheme_list, name="scheme-list"),
    path("schemes/<int:pk>/", views.scheme_detail, name="scheme-detail"),
    path("targets/", views.target_list, name="target-list"),
    path("activities/", views.activity_list, name="activity-list"),
    path("work-funds/", views.pool_list, name="pool-list"),
    path("work-funds/<int:pk>/", views.pool_detail, name="pool-detail"),
    path("work-funds/<int:pk>/shares.<str:fmt>", views.pool_export, name="pool-export"),
]
