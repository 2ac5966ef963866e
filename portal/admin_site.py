"""The review workspace: Django's admin, for staff who gave their second factor this session."""

from functools import wraps

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.main import SEARCH_VAR
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

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


# The index lists the portal's own work first; Celery's scheduling (django_celery_beat), which an
# administrator rarely opens, comes last. Apps not named keep Django's alphabetical order between.
APP_ORDER = ("filings", "accounts", "notifications", "auth")
APPS_LAST = ("axes", "django_celery_beat")


def _app_rank(app: dict) -> tuple:
    label = app["app_label"]
    if label in APP_ORDER:
        return (0, APP_ORDER.index(label), "")
    return (2 if label in APPS_LAST else 1, APPS_LAST.index(label) if label in APPS_LAST else 0, "")


# Django names its default permissions in English when it creates them ("Can add user"), in the
# database: the admin's permission lists show them in the reader's language instead.
_DEFAULT_PERMISSION_NAMES = {
    "add": _("Can add %(model)s"),
    "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"),
    "view": _("Can view %(model)s"),
}


def permission_label(permission) -> str:
    """App, model and permission in the reader's language ("账户 | 用户 | 可以修改用户")."""
    from django.utils.translation import gettext

    model = permission.content_type.model_class()
    action, _underscore, model_name = permission.codename.partition("_")
    if model is None:
        return str(permission)
    meta = model._meta
    # A library's model may name itself in a plain English string: the catalogue words it.
    model_label = gettext(str(meta.verbose_name))
    if action in _DEFAULT_PERMISSION_NAMES and model_name == meta.model_name:
        name = str(_DEFAULT_PERMISSION_NAMES[action]) % {"model": model_label}
    else:
        name = gettext(permission.name)
    return f"{gettext(str(meta.app_config.verbose_name))} | {model_label} | {name}"


class PermissionsInReadersLanguage:
    """For a ModelAdmin with a permissions list (groups, users)."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name in ("permissions", "user_permissions") and field is not None:
            field.queryset = field.queryset.select_related("content_type")
            field.label_from_instance = permission_label
        return field


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
        def build(request, app_label):
            return sorted(
                super(PortalAdminSite, self).get_app_list(request, app_label), key=_app_rank
            )

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
