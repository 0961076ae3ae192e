from django.urls import path

from . import views

app_name = "selfservice"

urlpatterns = [
    path("accounts/register/", views.register, name="register"),
    path("accounts/register/<str:token>/", views.register_confirm, name="register-confirm"),
    path("accounts/register/<str:token>/resend/", views.register_resend, name="register-resend"),
    path("accounts/invitation/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("selfservice/invitations/", views.invitations, name="invitations"),
    path("selfservice/claims/", views.claims, name="claims"),
    path("selfservice/claims/<int:pk>/<slug:action>/", views.claim_action, name="claim-action"),
]
