from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm

from notifications import emails


class PasswordResetForm(DjangoPasswordResetForm):
    """Sends the reset link through the notification log and Celery, like every other email."""

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
