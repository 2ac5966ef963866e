"""The reviewers' page: an administrator appoints a reviewer in one form (name, address, office,
language, roles), which sends the invitation (filings/lifecycle/appointments.py); the office of an
appointment is changed, and an appointment ended, here too, each on record."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from filings.lifecycle import appointments
from filings.lifecycle.memberships import Refused
from filings.models import AuditEntry, Reviewer
from filings.registry import audit
from filings.review.reviewer_group import LEAD_GROUP, SIGNER_GROUP


class AppointReviewerForm(forms.ModelForm):
    """Who, where, in which language, with which roles: the person needs no account beforehand."""

    name = forms.CharField(label=_("name"), max_length=100)
    email = forms.EmailField(
        label=_("email address"),
        help_text=_("The invitation to choose a password is sent to this address."),
    )
    language = forms.ChoiceField(
        label=_("language"),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
        help_text=_("The language of the emails this person receives."),
    )
    roles = forms.MultipleChoiceField(
        label=_("roles"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[
            (LEAD_GROUP, _("Office lead (处室负责人): assigns the office's filings")),
            (SIGNER_GROUP, _("Signer (签发人): signs off the decisions others propose")),
        ],
    )

    class Meta:
        model = Reviewer
        fields = ("office",)

    def clean_email(self):
        try:
            return appointments.check_appointable(self.cleaned_data["email"])
        except Refused as refused:
            raise forms.ValidationError(refused.message, code=refused.code) from None


class AppointedMeanwhile(Exception):
    """The address was appointed (or made an organization's) between the form's check and the
    appointment: nothing is saved, the administrator is told why."""


@admin.register(Reviewer)
class ReviewerAdmin(admin.ModelAdmin):
    list_display = ("user", "office", "created_at", "has_password")
    list_select_related = ("user", "office")
    search_fields = ("user__email", "user__name", "office__name", "office__code")
    autocomplete_fields = ("office",)
    readonly_fields = ("user",)
    actions = ("invite_again",)
    add_fieldsets = ((None, {"fields": ("name", "email", "office", "language", "roles")}),)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.add_fieldsets
        return ((None, {"fields": ("user", "office")}),)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = AppointReviewerForm
            kwargs["fields"] = ("office",)
        return super().get_form(request, obj, **kwargs)

    @admin.display(description=_("password chosen"), boolean=True)
    def has_password(self, reviewer):
        return reviewer.user.has_usable_password()

    def save_model(self, request, obj, form, change):
        if not change:
            data = form.cleaned_data
            try:
                appointed = appointments.appoint_reviewer(
                    actor=request.user,
                    email=data["email"],
                    name=data["name"],
                    office=data["office"],
                    language=data["language"],
                    roles=data["roles"],
                )
            except Refused as refused:  # appointed by someone else since the form was checked
                raise AppointedMeanwhile(refused.message) from None
            # The admin goes on with the object it handed in: make it the appointment made.
            obj.pk, obj.user, obj.created_at = appointed.pk, appointed.user, appointed.created_at
            obj._state.adding, obj._state.db = False, appointed._state.db
            return
        before = appointments.appointment_facts(Reviewer.objects.filter(pk=obj.pk).first())
        super().save_model(request, obj, form, change)
        before, after = audit.changed(before, appointments.appointment_facts(obj))
        if after:
            audit.record(
                AuditEntry.Action.REVIEWER_CHANGED,
                actor=request.user,
                obj=obj,
                object_repr=obj.user.email,
                before=before,
                after=after,
            )

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except AppointedMeanwhile as meanwhile:  # the admin's transaction is rolled back
            self.message_user(request, str(meanwhile), messages.ERROR)
            return redirect(request.get_full_path())

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(
            request,
            _("%(email)s is appointed; an invitation to choose a password is on its way.")
            % {"email": obj.user.email},
            messages.SUCCESS,
        )
        return self.response_post_save_add(request, obj)

    @admin.action(
        description=_("Send the invitation again (to those who have not chosen a password)"),
        permissions=["add"],
    )
    def invite_again(self, request, queryset):
        count = 0
        for reviewer in queryset.select_related("user", "office")[:500]:
            if not reviewer.user.has_usable_password():
                appointments.send_invitation(reviewer, invited_by=request.user, invited=True)
                count += 1
        message = ngettext(
            "%(count)d invitation sent again.", "%(count)d invitations sent again.", count
        )
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    def delete_model(self, request, obj):
        self._record_removal(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for reviewer in queryset.select_related("user", "office"):
            self._record_removal(request, reviewer)
        super().delete_queryset(request, queryset)

    def _record_removal(self, request, reviewer):
        audit.record(
            AuditEntry.Action.REVIEWER_REMOVED,
            actor=request.user,
            obj=reviewer,
            object_repr=reviewer.user.email,
            before=appointments.appointment_facts(reviewer),
        )
