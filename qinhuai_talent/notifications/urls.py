from django.urls import path

from . import views

urlpatterns = [
    path("", views.inbox, name="notification-inbox"),
    path("<int:pk>/read/", views.mark_read, name="notification-read"),
    path("read-all/", views.mark_all_read, name="notification-read-all"),
    path("preferences/", views.preferences, name="notification-preferences"),
]
