from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from accounts import throttling
from notifications import emails


class PasswordResetForm(DjangoPasswordResetForm):
    """Sends the reset link through the notification log and Celery, like every other email, at
    most EMAIL_RATE_PER_ADDRESS an hour to one address and EMAIL_RATE_PER_CLIENT from one client;
    the page after it is the same either way."""

    def save(self, *args, request=None, **kwargs):
        if request is not None and not throttling.allow_email(
            request, self.cleaned_data["email"], "password_reset"
        ):
            return
        super().save(*args, request=request, **kwargs)

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        user = context["user"]
        emails.send(
            "password_reset",
            to=to_email,
            language=user.language,
            context={
                "user": user,
                "uid": context["uid"],
                "token": context["token"],
            },
        )


class ResetPasswordForm(SetPasswordForm):
    """The new password chosen with a reset link: it also clears the failed logins counted
    against the account, so a person locked out of it (by their own mistakes or by someone
    else's tries) logs in with the new password at once. An address locked as a whole stays
    locked."""

    def save(self, commit=True):
        user = super().save(commit=commit)
        throttling.forget_failures_of(user)
        return user


class LoginLengthMixin:
    """The login is checked for length before any lookup: SQLite cannot match a 60,000-character
    pattern (the form's max_length alone only sets the HTML attribute)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].validators.append(MaxLengthValidator(settings.LOGIN_MAX_LENGTH))


class LoginForm(LoginLengthMixin, AuthenticationForm):
    pass


class AdminLoginForm(LoginLengthMixin, AdminAuthenticationForm):
    pass


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )

    def __init__(self, *args, help_text=None, **kwargs):
        super().__init__(*args, **kwargs)
        if help_text:
            self.fields["code"].help_text = help_text


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(_("This is not your password."), code="password_incorrect")
        return password
