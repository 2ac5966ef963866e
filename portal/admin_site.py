"""The review workspace: Django's admin, for staff who gave their second factor this session."""

from django.contrib import admin

from accounts.forms import AdminLoginForm


class PortalAdminSite(admin.AdminSite):
    login_form = AdminLoginForm

    def has_permission(self, request):
        # accounts.middleware.SecondFactorMiddleware sends an unverified person to the second
        # factor first; this holds even where a request did not pass through it.
        verified = getattr(request.user, "is_verified", None)
        return super().has_permission(request) and verified is not None and verified()
