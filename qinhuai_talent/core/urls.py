from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("jobs/", views.job_list, name="job-list"),
    path("jobs/start/", views.job_start, name="job-start"),
    path("jobs/<int:pk>/", views.job_detail, name="job-detail"),
    path("accounts/users/", views.user_list, name="user-list"),
    path("accounts/users/<int:pk>/", views.user_detail, name="user-detail"),
]
