"""Print the current two-step login code of the demo staff (the fixed demo authenticator)."""

from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor


class Command(BaseCommand):
    help = "Print the current code of the demo reviewer's and administrator's authenticator."

    def handle(self, *args, **options):
        devices = TOTPDevice.objects.filter(
            key=two_factor.DEMO_TOTP_KEY, confirmed=True
        ).select_related("user")
        if not devices:
            raise CommandError(
                "No account has the demo authenticator: run `manage.py load_demo --demo-totp`."
            )
        device = devices[0]
        emails = ", ".join(sorted(d.user.email for d in devices))
        self.stdout.write(f"{two_factor.current_code(device)}  (for {emails}; valid 30 seconds)")
