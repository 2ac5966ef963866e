"""The review workspace: Django's admin, for staff who gave their second factor this session."""

from functools import wraps

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.main import SEARCH_VAR
from django.utils.functional import SimpleLazyObject

from accounts.forms import AdminLoginForm


class ReadOnlyAdmin:
    """An admin page where nobody adds, changes or deletes: its rows change only through the code
    that records why (a service verb, a task)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PortalAdminSite(admin.AdminSite):
    login_form = AdminLoginForm

    def has_permission(self, request):
        # accounts.middleware.SecondFactorMiddleware sends an unverified person to the second
        # factor first; this holds even where a request did not pass through it.
        verified = getattr(request.user, "is_verified", None)
        return super().has_permission(request) and verified is not None and verified()

    def each_context(self, request):
        # Django puts `available_apps` (every model the person may open: about forty permission
        # checks) in the context of every admin page, for the navigation sidebar alone. The
        # sidebar is off here (portal.urls), so the list is built only if a page reads it.
        request.admin_apps_on_demand = True
        try:
            return super().each_context(request)
        finally:
            del request.admin_apps_on_demand

    def get_app_list(self, request, app_label=None):
        build = super().get_app_list
        if getattr(request, "admin_apps_on_demand", False) and not self.enable_nav_sidebar:
            return SimpleLazyObject(lambda: build(request, app_label))
        return build(request, app_label)

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def bounded_search(request, *args, **kwargs):
            # SQLite cannot LIKE-match a pattern of 60,000 characters (a 500); no search needs
            # more than an email address's length.
            term = request.GET.get(SEARCH_VAR)
            if term is not None and len(term) > settings.LOGIN_MAX_LENGTH:
                query = request.GET.copy()
                query[SEARCH_VAR] = term[: settings.LOGIN_MAX_LENGTH]
                request.GET = query
            return inner(request, *args, **kwargs)

        return bounded_search
