"""Forms of an organization's registration, its profile, its members and invitations."""

from __future__ import annotations

import math

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import SetPasswordMixin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from filings.models import Membership, Organization
from filings.models.organizations import ORGANIZATION_FIELDS
from filings.registry import identifiers, jurisdictions

User = get_user_model()

# Room for the spaces, hyphens and "+86" people type around a code; the clean value is shorter.
IDENTIFIER_INPUT_LENGTH = 40
PROVINCE_PLACEHOLDER = "province"  # replaced by the chosen code in the htmx request's path


def _in_chinese() -> bool:
    return (get_language() or "").lower().startswith("zh")


def division_name(division: jurisdictions.Division) -> str:
    return division.name if _in_chinese() else division.name_en


def address_label(code: str) -> str:
    """A stored division code by name in the current language.

    '广东省 深圳市' in Chinese, 'Shenzhen, Guangdong' in English; a municipality by its own name.
    """
    divisions = jurisdictions.load_divisions()
    division = divisions.get(code)
    if division is None:
        return code
    province = divisions.get(division.province)
    if province is None or province.code == division.code:
        return division_name(division)
    if _in_chinese():
        return f"{province.name} {division.name}"
    return f"{division.name_en}, {province.name_en}"


def province_choices() -> list[tuple[str, str]]:
    provinces = sorted(
        (
            d
            for d in jurisdictions.load_divisions().values()
            if d.level == jurisdictions.LEVEL_PROVINCE
        ),
        key=lambda d: d.code,
    )
    return [("", _("Choose the province"))] + [(d.code, division_name(d)) for d in provinces]


def is_province(code) -> bool:
    division = jurisdictions.load_divisions().get(code) if isinstance(code, str) else None
    return division is not None and division.level == jurisdictions.LEVEL_PROVINCE


def municipality_hint(province_code: str) -> str:
    province = division_name(jurisdictions.load_divisions()[province_code])
    return _("Not needed: %(province)s is a municipality") % {"province": province}


class AccountForm(SetPasswordMixin, forms.Form):
    """The registrant's new account."""

    name = forms.CharField(label=_("Your name"), max_length=100)
    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        help_text=_("You log in with it. We send a link to it to confirm it is yours."),
    )
    password1, password2 = SetPasswordMixin.create_password_fields(
        label1=_("Password"), label2=_("Password again")
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "account")
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Fieldset(_("Your account"), "name", "email", "password1", "password2")
        )

    def clean_email(self):
        # Whether the address has an account is not said here: memberships.register_organization
        # tells the address's owner by email.
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        self.validate_passwords()
        self.validate_password_for_user(
            User(email=cleaned.get("email") or "", name=cleaned.get("name") or "")
        )
        return cleaned

    def user_data(self) -> dict:
        return {
            "name": self.cleaned_data["name"],
            "email": self.cleaned_data["email"],
            "password": self.cleaned_data["password1"],
        }


class OrganizationForm(forms.ModelForm):
    """The registration of an organization; editing it keeps the code and, if left blank, the ID
    number."""

    uscc = forms.CharField(
        label=_("Unified social credit code"),
        max_length=IDENTIFIER_INPUT_LENGTH,
        help_text=_(
            "The 18-character code on the business licence (营业执照) or the registration "
            "certificate, for example 914403001922038216."
        ),
    )
    province = forms.ChoiceField(
        label=_("Province of the registered address"),
        help_text=_("The list of cities below follows the province you choose."),
    )
    city = forms.CharField(
        label=_("City (prefecture level)"),
        required=False,
        widget=forms.Select,
    )
    responsible_person_id_number = forms.CharField(
        label=_("Responsible person's resident ID number"),
        max_length=IDENTIFIER_INPUT_LENGTH,
        help_text=_(
            "The 18-character number of the resident identity card. It is shown masked "
            "everywhere else."
        ),
    )
    contact_mobile = forms.CharField(
        label=_("Contact's mobile number"),
        max_length=IDENTIFIER_INPUT_LENGTH,
        help_text=_("A mainland China mobile number: 11 digits, for example 13800138000."),
    )

    # The model's fields in their order (ORGANIZATION_FIELDS); the division is asked as two.
    field_order = [
        part
        for name in ORGANIZATION_FIELDS
        for part in (("province", "city") if name == "address_division" else (name,))
    ]

    class Meta:
        model = Organization
        fields = [name for name in ORGANIZATION_FIELDS if name != "address_division"]
        labels = {
            "name": _("Organization name"),
            "street_address": _("Street address"),
            "legal_representative": _("Legal representative"),
            "responsible_person": _("Responsible person"),
            "contact_name": _("Contact person"),
            "contact_email": _("Contact's email address"),
        }
        help_texts = {
            "name": _("The full name as on the business licence (营业执照)."),
            "street_address": _("District, street and number, as on the business licence."),
            "legal_representative": _("As on the business licence."),
            "responsible_person": _(
                "The person in charge of the use of facial recognition technology."
            ),
            "contact_name": _("The person the cyberspace office contacts about the filings."),
        }

    def __init__(self, *args, uscc_lookup_wait=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing = self.instance.pk is not None
        # Counts one look-up of a code in the register: 0 when it may be done, else the seconds to
        # wait (accounts.throttling); None: no limit (an administrator's or a test's form).
        self.uscc_lookup_wait = uscc_lookup_wait
        if self.editing:
            code = self.instance.address_division
            province = code[:2] + "0000"
            self.initial.setdefault("province", province)
            if not jurisdictions.is_municipality(code) and code != province:
                self.initial.setdefault("city", code)
            # The ID number is never sent back to the browser: blank keeps the stored one.
            self.initial["responsible_person_id_number"] = ""
            id_field = self.fields["responsible_person_id_number"]
            id_field.required = False
            id_field.help_text = _(
                "Leave blank to keep the current number (%(masked)s); type a new one to replace it."
            ) % {"masked": self.instance.masked_responsible_person_id_number}
            uscc = self.fields["uscc"]
            uscc.disabled = True
            uscc.help_text = _(
                "The code identifies the organization and cannot be changed here; contact the "
                "cyberspace office if it is wrong."
            )

        self.fields["province"].choices = province_choices()
        self.fields["province"].widget.attrs.update(
            {
                "hx-get": reverse("division_options", args=[PROVINCE_PLACEHOLDER]),
                "hx-target": "#" + self["city"].auto_id,
                "hx-swap": "innerHTML",
                # The code is part of the path: static/js/portal.js puts the chosen one in
                # (an hx-on attribute would need eval, which the Content-Security-Policy refuses).
                "data-division-placeholder": PROVINCE_PLACEHOLDER,
            }
        )
        self._set_city_choices(self._chosen_province())

        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Fieldset(_("Organization"), "name", "uscc", "legal_representative"),
            Fieldset(_("Registered address"), "province", "city", "street_address"),
            Fieldset(_("Responsible person"), "responsible_person", "responsible_person_id_number"),
            Fieldset(_("Contact"), "contact_name", "contact_mobile", "contact_email"),
        )

    def _chosen_province(self) -> str | None:
        if self.is_bound:
            code = self.data.get(self.add_prefix("province"))
        else:
            code = self.initial.get("province")
        return code if is_province(code) else None

    def _set_city_choices(self, province: str | None) -> None:
        city = self.fields["city"]
        if province is None:
            city.widget.choices = [("", _("Choose the province first"))]
        elif jurisdictions.is_municipality(province):
            # A municipality's own code is stored; a disabled select is not submitted.
            city.widget.choices = [("", municipality_hint(province))]
            city.widget.attrs["disabled"] = True
            city.help_text = _(
                "The four municipalities have no prefecture-level cities: the municipality "
                "itself is the registered division."
            )
        else:
            city.widget.choices = [("", _("Choose the city"))] + [
                (d.code, division_name(d)) for d in jurisdictions.address_choices(province)
            ]

    def clean_uscc(self):
        if self.editing:
            return self.instance.uscc
        code = identifiers.clean_uscc(self.cleaned_data["uscc"])
        # Whether a code is registered is an answer anyone can ask for: limited per client address
        # like the other anonymous forms (issue 30), before the register is read.
        wait = self.uscc_lookup_wait() if self.uscc_lookup_wait else 0
        if wait:
            minutes = math.ceil(wait / 60)
            raise ValidationError(
                ngettext(
                    "Too many registrations have been tried from your network in the last hour. "
                    "Try again in %(minutes)s minute.",
                    "Too many registrations have been tried from your network in the last hour. "
                    "Try again in %(minutes)s minutes.",
                    minutes,
                )
                % {"minutes": minutes},
                code="rate_limited",
            )
        if Organization.objects.filter(uscc=code).exists():
            raise ValidationError(
                _(
                    "An organization with this unified social credit code is already "
                    "registered. Ask one of its administrators to invite you."
                ),
                code="uscc_taken",
            )
        return code

    def clean_responsible_person_id_number(self):
        value = self.cleaned_data["responsible_person_id_number"]
        if self.editing and not value:
            return self.instance.responsible_person_id_number
        return identifiers.clean_ric(value)

    def clean_contact_mobile(self):
        return identifiers.clean_mobile(self.cleaned_data["contact_mobile"])

    def clean(self):
        cleaned = super().clean()
        province = cleaned.get("province")
        city = cleaned.get("city") or ""
        if not province:
            return cleaned
        if jurisdictions.is_municipality(province):
            cleaned["address_division"] = province
        elif not city:
            self.add_error(
                "city", _("Choose the city (prefecture-level division) of the registered address.")
            )
        elif city not in {d.code for d in jurisdictions.address_choices(province)}:
            self.add_error(
                "city",
                _(
                    "This city is not in the province you chose. Choose it again: the list now "
                    "shows the cities of %(province)s."
                )
                % {"province": division_name(jurisdictions.load_divisions()[province])},
            )
        else:
            cleaned["address_division"] = city
        return cleaned

    def organization_data(self) -> dict:
        return {field: self.cleaned_data[field] for field in ORGANIZATION_FIELDS}


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Membership.Role.choices,
        initial=Membership.Role.EDITOR,
        help_text=_(
            "Administrators also manage the members and the registration; editors fill in and "
            "submit filings; viewers can only read."
        ),
    )

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class ResendConfirmationForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("The address you registered with."),
    )


class InvitationSignupForm(SetPasswordMixin, forms.Form):
    """An invited person's new account; the address is the one the invitation was sent to."""

    name = forms.CharField(label=_("Your name"), max_length=100)
    password1, password2 = SetPasswordMixin.create_password_fields(
        label1=_("Password"), label2=_("Password again")
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        self.validate_passwords()
        self.validate_password_for_user(User(email=self.email, name=cleaned.get("name") or ""))
        return cleaned

    def user_data(self, language: str) -> dict:
        return {
            "name": self.cleaned_data["name"],
            "password": self.cleaned_data["password1"],
            "language": language,
        }
