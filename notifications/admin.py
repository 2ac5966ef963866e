from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications import emails
from notifications.models import Notification
from portal.admin_site import ReadOnlyAdmin


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("created_at", "kind", "recipient", "subject", "status", "attempts", "sent_at")
    list_filter = ("status", "kind", "language")
    search_fields = ("recipient", "subject")
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = ["resend"]
    readonly_fields = [field.name for field in Notification._meta.fields]

    @admin.action(description=_("Send the selected emails again"), permissions=["view"])
    def resend(self, request, queryset):
        if not request.user.is_superuser:
            self.message_user(request, _("Only administrators can resend emails."), messages.ERROR)
            return
        count = emails.resend(list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%(count)d email queued again.", "%(count)d emails queued again.", count)
            % {"count": count},
            messages.SUCCESS,
        )
