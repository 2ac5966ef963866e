"""Registration of organizations, their profile and their members."""

from django.urls import path

from filings.views import members, registration

urlpatterns = [
    path("register/", registration.register, name="register"),
    path("register/done/", registration.registration_done, name="registration_done"),
    path("register/confirm/<str:token>/", registration.confirm_email, name="confirm_email"),
    path("register/resend/", registration.resend_confirmation, name="resend_confirmation"),
    path(
        "divisions/<str:province_code>/options/",
        registration.division_options,
        name="division_options",
    ),
    path(
        "organizations/<int:org_id>/profile/",
        registration.organization_profile,
        name="organization_profile",
    ),
    path(
        "organizations/<int:org_id>/profile/edit/",
        registration.organization_edit,
        name="organization_edit",
    ),
    path("organizations/<int:org_id>/members/", members.members, name="members"),
    path(
        "organizations/<int:org_id>/members/leave/",
        members.member_leave,
        name="member_leave",
    ),
    path(
        "organizations/<int:org_id>/members/<int:membership_id>/remove/",
        members.member_remove,
        name="member_remove",
    ),
    path(
        "organizations/<int:org_id>/members/<int:membership_id>/role/",
        members.member_role,
        name="member_role",
    ),
    path(
        "organizations/<int:org_id>/invitations/<int:invitation_id>/revoke/",
        members.invitation_revoke,
        name="invitation_revoke",
    ),
    path("invitations/<str:token>/", members.invitation_accept, name="invitation_accept"),
]
