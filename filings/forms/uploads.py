from django import forms
from django.utils.translation import gettext_lazy as _

from filings.law import vocabulary


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of attachment"), choices=list(vocabulary.ATTACHMENT_KINDS.items())
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, JPEG or PNG, at most 20 MB."),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}
        ),
    )
