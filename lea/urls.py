from django.contrib.auth import views as auth_views
from django.urls import path

from lea import views, views_mfa
from lea.forms import EmailAuthenticationForm

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("session/keepalive/", views.session_keepalive, name="session_keepalive"),
    path("account/two-step/", views_mfa.second_factor_enrol, name="second_factor_enrol"),
    path(
        "account/two-step/recovery-codes/",
        views_mfa.second_factor_recovery_codes,
        name="second_factor_recovery_codes",
    ),
    path(
        "account/two-step/recovery-codes/new/",
        views_mfa.second_factor_renew_recovery_codes,
        name="second_factor_renew_recovery_codes",
    ),
    path("account/two-step/off/", views_mfa.second_factor_turn_off, name="second_factor_turn_off"),
    path("login/code/", views_mfa.second_factor_verify, name="second_factor_verify"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("organizations/", views.organization_list, name="organization_list"),
    path(
        "organizations/<int:organization_id>/members/",
        views.organization_members,
        name="organization_members",
    ),
    path(
        "organizations/<int:organization_id>/invitations/",
        views.invitation_create,
        name="invitation_create",
    ),
    path(
        "organizations/<int:organization_id>/invitations/<int:invitation_id>/resend/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "organizations/<int:organization_id>/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path(
        "organizations/<int:organization_id>/members/<int:membership_id>/remove/",
        views.membership_remove,
        name="membership_remove",
    ),
    path(
        "organizations/<int:organization_id>/access-record/",
        views.organization_access_record,
        name="organization_access_record",
    ),
    path(
        "organizations/<int:organization_id>/access-record.csv",
        views.organization_access_record_csv,
        name="organization_access_record_csv",
    ),
    path("people/", views.people_list, name="people_list"),
    path("people/<int:user_id>/", views.person_detail, name="person_detail"),
    path("people/<int:user_id>/active/", views.person_set_active, name="person_set_active"),
    path(
        "people/<int:user_id>/two-step/reset/",
        views_mfa.person_second_factor_reset,
        name="person_second_factor_reset",
    ),
]
