from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in

        from accounts.middleware import start_session
        from accounts.throttling import forget_failures, log_lockout

        user_logged_in.connect(start_session, dispatch_uid="accounts.start_session")
        user_logged_in.connect(forget_failures, dispatch_uid="accounts.forget_failures")
        user_locked_out.connect(log_lockout, dispatch_uid="accounts.log_lockout")
