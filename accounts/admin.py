import logging

from axes.utils import reset as reset_login_failures
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from accounts.models import LoginFailures, User
from portal.admin_site import PermissionsInReadersLanguage

logger = logging.getLogger("accounts.security")

# The devices' own admin pages would show a reviewer's secret; an administrator only resets it.
for device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(device_model):
        admin.site.unregister(device_model)


if admin.site.is_registered(Group):
    admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(PermissionsInReadersLanguage, DjangoGroupAdmin):
    pass


@admin.register(User)
class UserAdmin(PermissionsInReadersLanguage, DjangoUserAdmin):
    ordering = ("email",)
    list_display = (
        "email",
        "name",
        "language",
        "is_staff",
        "is_active",
        "has_two_factor",
        "last_login",
    )
    search_fields = ("email", "name")
    # Recorded by the portal, never typed: read-only (their date and time inputs had no names).
    readonly_fields = ("last_login", "date_joined")
    actions = ("reset_two_factor", "unlock_login")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("name", "language")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "name", "password1", "password2")}),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                two_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
            )
        )

    @admin.display(description=_("two-step login"), boolean=True, ordering="two_factor")
    def has_two_factor(self, user):
        return user.two_factor

    @admin.action(
        description=_("Reset two-step login (a new authenticator is set up at the next login)"),
        permissions=["change"],
    )
    def reset_two_factor(self, request, queryset):
        count = 0
        for user in queryset[:500]:
            if two_factor.remove(user, actor=request.user):
                count += 1
        self.message_user(
            request,
            ngettext(
                "Two-step login reset for %(count)d person.",
                "Two-step login reset for %(count)d people.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Unlock login after failed attempts"), permissions=["change"])
    def unlock_login(self, request, queryset):
        count = 0
        for user in queryset[:500]:
            if reset_login_failures(username=user.email):
                logger.warning("Login unlocked for %s by %s", user.email, request.user.email)
                count += 1
        self.message_user(
            request,
            ngettext(
                "Login unlocked for %(count)d person.",
                "Login unlocked for %(count)d people.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(LoginFailures)
class LoginFailuresAdmin(admin.ModelAdmin):
    """Who failed to log in, from where; deleting rows (the "Unlock" action) lifts a lockout."""

    list_display = ("account", "client", "failures", "last_failure", "locked")
    search_fields = ("username", "ip_address")
    ordering = ("-attempt_time",)
    actions = ("unlock",)
    list_per_page = 50
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description=_("account"), ordering="username")
    def account(self, attempt):
        return attempt.username or "—"

    @admin.display(description=_("client address"), ordering="ip_address")
    def client(self, attempt):
        return attempt.ip_address or "—"

    @admin.display(description=_("failures"), ordering="failures_since_start")
    def failures(self, attempt):
        return attempt.failures_since_start

    @admin.display(description=_("last failure"), ordering="attempt_time")
    def last_failure(self, attempt):
        return attempt.attempt_time

    @admin.display(description=_("locked out"), boolean=True)
    def locked(self, attempt):
        return (
            attempt.failures_since_start >= settings.AXES_FAILURE_LIMIT
            and attempt.attempt_time + settings.AXES_COOLOFF_TIME > timezone.now()
        )

    @admin.action(description=_("Unlock"), permissions=["delete"])
    def unlock(self, request, queryset):
        rows = list(queryset[:500])
        count, _deleted = LoginFailures.objects.filter(pk__in=[row.pk for row in rows]).delete()
        for row in rows:
            logger.warning(
                "Login unlocked for account %r, client %s by %s",
                row.username,
                row.ip_address,
                request.user.email,
            )
        self.message_user(
            request,
            ngettext(
                "%(count)d lockout record removed.", "%(count)d lockout records removed.", count
            )
            % {"count": count},
            messages.SUCCESS,
        )
