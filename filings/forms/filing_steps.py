"""One form per step of the filing. Each turns what was typed into the JSON section the draft keeps
(dates as ISO strings), and back again for editing."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filings.forms.systems import MAX_PEOPLE
from filings.forms.widgets import IsoDateInput
from filings.law import vocabulary
from filings.registry import identifiers

LONG_TEXT = 4000
SHORT_TEXT = 200


def text(label, *, required=True, long=False, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=LONG_TEXT if long else SHORT_TEXT,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3}) if long else forms.TextInput,
        strip=True,
    )


def choices(mapping, blank=False):
    items = list(mapping.items())
    return ([("", "—")] if blank else []) + items


def past_date(label, *, required=True, help_text=""):
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=IsoDateInput(),
    )


def without_nul(text: str) -> str:
    """What was typed, kept in a draft's JSON: never a NUL, which PostgreSQL's JSON refuses.
    (The portal's middleware refuses such requests before they get here; a draft is saved from
    what is not yet valid, so it does not rely on that alone.)"""
    return text.replace("\x00", "")


class StepForm(forms.Form):
    """Maps a step's JSON section to a form and back."""

    date_fields: tuple[str, ...] = ()

    @classmethod
    def initial_from(cls, section: dict) -> dict:
        return dict(section or {})

    def section(self) -> dict:
        values = {}
        for name, value in self.cleaned_data.items():
            values[name] = value.isoformat() if isinstance(value, date) else value
        return values

    def partial_section(self) -> dict:
        """For "save draft": valid answers cleaned, the others kept as typed, nothing lost."""
        cleaned = getattr(self, "cleaned_data", {})
        values = {}
        for name, field in self.fields.items():
            if name in cleaned:
                value = cleaned[name]
                values[name] = value.isoformat() if isinstance(value, date) else value
            elif isinstance(field, forms.MultipleChoiceField):
                values[name] = [
                    without_nul(str(item))[:SHORT_TEXT]
                    for item in self.data.getlist(self.add_prefix(name))[:50]
                ]
            elif isinstance(field, forms.BooleanField):
                values[name] = self.add_prefix(name) in self.data
            else:
                values[name] = without_nul(str(self.data.get(self.add_prefix(name), "")))
                values[name] = values[name][:LONG_TEXT]
        return values

    def clean_past(self, name):
        value = self.cleaned_data.get(name)
        if value and value > timezone.localdate():
            raise ValidationError(_("This date is in the future; enter a date that has passed."))
        return value


class OrganizationStep(StepForm):
    name = text(_("Organization name"))
    uscc = forms.CharField(label=_("Unified social credit code"), max_length=40)
    street_address = text(_("Street address"))
    legal_representative = text(_("Legal representative"))
    # The rules' own term: the person responsible for the application of facial recognition, not
    # the personal-information protection officer of PIPL Art. 52.
    responsible_person = text(_("Person responsible for the application of facial recognition"))
    responsible_person_id_number = forms.CharField(
        label=_("Responsible person's ID number"), max_length=40
    )
    contact_name = text(_("Contact person"))
    contact_mobile = forms.CharField(label=_("Contact mobile number"), max_length=40)
    contact_email = forms.EmailField(label=_("Contact email"), max_length=254)

    def clean_uscc(self):
        return identifiers.clean_uscc(self.cleaned_data["uscc"])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The full number is never sent back (to the browser or an API client): blank, or the
        # masked number as shown, keeps the one stored.
        self.stored_id_number = self.initial.get("responsible_person_id_number") or ""
        if self.stored_id_number:
            self.initial["responsible_person_id_number"] = ""
            field = self.fields["responsible_person_id_number"]
            field.required = False
            field.help_text = _(
                "Leave blank to keep the current number (%(masked)s); type a new one to replace it."
            ) % {"masked": identifiers.mask_ric(self.stored_id_number)}

    def clean_responsible_person_id_number(self):
        value = (self.cleaned_data["responsible_person_id_number"] or "").strip()
        stored = self.stored_id_number
        if stored and (not value or value == identifiers.mask_ric(stored)):
            return stored
        return identifiers.clean_ric(value)

    def clean_contact_mobile(self):
        return identifiers.clean_mobile(self.cleaned_data["contact_mobile"])


class PurposeStep(StepForm):
    purpose = text(_("Purpose of using facial recognition"), long=True)
    scope = text(_("Scope: who is recognised, where and when"), long=True)
    necessity = text(_("Why facial recognition is necessary for this purpose"), long=True)
    alternative_considered = text(
        _("Non-biometric alternative considered"),
        long=True,
        required=False,
        help_text=_(
            "Where a non-biometric solution achieves the same purpose, it is to be preferred."
        ),
    )
    alternative_rejected_reason = text(
        _("Why the alternative does not serve"), long=True, required=False
    )


class FacialDataStep(StepForm):
    people_stored = forms.IntegerField(
        label=_("People whose facial information is stored"),
        min_value=0,
        max_value=MAX_PEOPLE,
        error_messages={
            "min_value": _("The number of people cannot be negative."),
            "max_value": _("This number is larger than any real count; please check it."),
            "invalid": _("Enter a whole number, without separators."),
        },
    )
    sources = forms.MultipleChoiceField(
        label=_("Sources of the facial information"),
        choices=choices(vocabulary.SOURCES),
        widget=forms.CheckboxSelectMultiple,
    )
    sources_detail = text(_("Details of the sources"), long=True, required=False)
    storage_locations = forms.MultipleChoiceField(
        label=_("Where it is stored"),
        choices=choices(vocabulary.STORAGE),
        widget=forms.CheckboxSelectMultiple,
    )
    cloud_provider = text(_("Cloud provider"), required=False)
    stored_outside_china = forms.BooleanField(
        label=_("Some of it is stored outside mainland China"), required=False
    )
    retention_period = text(
        _("Retention period"), help_text=_("For example: 3 years after the last visit.")
    )
    keeps_originals = forms.BooleanField(
        label=_("Original face images, pictures or videos are kept"), required=False
    )
    originals_basis = forms.ChoiceField(
        label=_("Basis for keeping originals"),
        choices=choices(vocabulary.ORIGINALS_BASES, blank=True),
        required=False,
    )
    originals_basis_detail = text(
        _("The law, or how the consent is obtained"), long=True, required=False
    )
    anonymised_only = forms.BooleanField(
        label=_("Only anonymised facial information is kept"), required=False
    )
    off_device_basis = forms.ChoiceField(
        label=_("Basis for storing it off the recognition device"),
        choices=choices(vocabulary.OFF_DEVICE_BASES, blank=True),
        required=False,
        help_text=_(
            "Facial information stays in the recognition device unless a law or administrative "
            "regulation provides otherwise or the individual separately consents."
        ),
    )
    off_device_basis_detail = text(
        _("The provision, or how the separate consent is obtained"), long=True, required=False
    )

    # Fields that apply only after another answer: shown by static/js/portal.js when it is given
    # (every field shows without script). "field value…": the field and the values that show it.
    SHOWN_WHEN = {
        "cloud_provider": "storage_locations cloud",
        "originals_basis": "keeps_originals on",
        "originals_basis_detail": "keeps_originals on",
        "off_device_basis": "storage_locations own_servers cloud",
        "off_device_basis_detail": "storage_locations own_servers cloud",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, condition in self.SHOWN_WHEN.items():
            self.fields[name].widget.attrs["data-shown-when"] = condition

    def clean(self):
        cleaned = super().clean()
        if "cloud" in (cleaned.get("storage_locations") or []) and not cleaned.get(
            "cloud_provider"
        ):
            self.add_error("cloud_provider", _("Name the cloud provider."))
        return cleaned


class DeploymentForm(StepForm):
    name = text(_("Place or system"))
    # A blank first choice: an untouched extra block must not count as changed (it would then be
    # validated and block the step), and the kind of place is a choice the filer makes.
    place_kind = forms.ChoiceField(
        label=_("Kind of place"), choices=choices(vocabulary.PLACE_KINDS, blank=True)
    )
    place_description = text(
        _("Description of the place"),
        required=False,
        help_text=_("Where exactly the device is, for example: staff canteen entrance, floor 1."),
    )
    is_public_place = forms.BooleanField(
        label=_("It is a public place"),
        required=False,
        help_text=_("Streets, squares, stations, shops and the listed venues are public anyway."),
    )
    signage = forms.BooleanField(label=_("Prominent signage tells people"), required=False)
    signage_description = text(_("Signage: where and what it says"), required=False)
    verifies_identity = forms.BooleanField(label=_("It verifies identity"), required=False)
    alternative_offered = text(
        _("Other way offered to people who do not want face verification"),
        required=False,
    )
    law_requiring_face = text(
        _("Law or regulation that requires face verification"), required=False
    )
    identity_channel = text(
        _("Authoritative national channel used to verify identity"),
        required=False,
        help_text=_(
            "For example the national population basic information database or the national "
            "online identity authentication public service; or why none is used."
        ),
    )


class BaseDeploymentFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not kept:
            raise ValidationError(_("Add at least one place or system where faces are recognised."))


# An empty new block has nothing to delete: only saved places get the "delete" box.
DeploymentFormSet = forms.formset_factory(
    DeploymentForm,
    formset=BaseDeploymentFormSet,
    extra=1,
    can_delete=True,
    can_delete_extra=False,
    max_num=200,
)


class ConsentStep(StepForm):
    lawful_basis = forms.ChoiceField(
        label=_("What the processing rests on"),
        choices=choices(vocabulary.LAWFUL_BASES),
        initial="consent",
        required=False,
    )
    lawful_basis_provision = text(
        _("The law or administrative regulation, and its article"),
        required=False,
        help_text=_("Only where a law or administrative regulation requires the processing."),
    )
    informed_consent_method = text(
        _("How people are informed and give consent before collection"), long=True
    )
    separate_consent = forms.BooleanField(label=_("Separate consent is obtained"), required=False)
    written_consent = forms.BooleanField(label=_("Written consent is obtained"), required=False)
    minors_under_14 = forms.BooleanField(
        label=_("Facial information of children under 14 is processed"), required=False
    )
    guardian_consent_method = text(
        _("How a parent or guardian consents"), long=True, required=False
    )
    sensitive_attributes = forms.MultipleChoiceField(
        label=_("Attributes analysed from faces"),
        choices=choices(vocabulary.SENSITIVE_ATTRIBUTES),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Leave all unticked if none of these is analysed."),
    )
    sensitive_basis = forms.ChoiceField(
        label=_("Basis for analysing them"),
        choices=choices(vocabulary.SENSITIVE_BASES, blank=True),
        required=False,
    )
    sensitive_basis_detail = text(_("Details of that basis"), long=True, required=False)


class SecurityStep(StepForm):
    measures = forms.MultipleChoiceField(
        label=_("Security measures in place"),
        choices=choices(vocabulary.SECURITY_MEASURES),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    measures_detail = text(_("Description of the measures"), long=True)
    processing_rules = text(_("Processing rules"), long=True)
    operating_procedures = text(_("Operating procedures"), long=True)


class AssessmentStep(StepForm):
    assessment_date = past_date(_("Date of the impact assessment"))
    conclusion = text(_("Conclusion of the impact assessment"), long=True)

    def clean_assessment_date(self):
        return self.clean_past("assessment_date")


class DeclarationStep(StepForm):
    truthful = forms.BooleanField(
        label=_(
            "I declare that the information in this filing is true, accurate and complete, and "
            "that the organization will file a change within 30 working days of any substantive "
            "change."
        ),
        required=True,
        error_messages={"required": _("Tick the declaration to submit.")},
    )


class ChangeStep(StepForm):
    description = text(_("What changed"), long=True)
    effective_date = past_date(
        _("Date the change took effect"),
        help_text=_("The change must be filed within 30 working days of this date."),
    )
    sections = forms.MultipleChoiceField(
        label=_("Sections updated"),
        choices=[(key, label) for key, label in vocabulary.STEPS if key not in ("review",)],
        widget=forms.CheckboxSelectMultiple,
    )

    def clean_effective_date(self):
        return self.clean_past("effective_date")


class CancellationStep(StepForm):
    stopped_on = past_date(
        _("Date the organization stopped using facial recognition"),
        help_text=_("The cancellation must be filed within 30 working days of this date."),
    )
    deletion_method = forms.ChoiceField(
        label=_("What happened to the facial information"),
        choices=[
            ("deleted", _("Deleted")),
            ("anonymised", _("Anonymised")),
            ("retained_by_law", _("Retained because a law requires it")),
        ],
    )
    deletion_detail = text(_("How and when it was deleted or anonymised"), long=True)

    def clean_stopped_on(self):
        return self.clean_past("stopped_on")


STEP_FORMS = {
    "change": ChangeStep,
    "cancellation": CancellationStep,
    "organization": OrganizationStep,
    "purpose": PurposeStep,
    "facial_data": FacialDataStep,
    "consent": ConsentStep,
    "security": SecurityStep,
    "assessment": AssessmentStep,
}
