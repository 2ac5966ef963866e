"""Demo accounts for trying the portal locally. Idempotent: a second run changes nothing."""

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User

DEMO_USERS = [
    # (email, password, name, is_staff, is_superuser, role shown to the person starting the portal)
    ("filer@demo.example", "demo-filer-2026", "演示填报人", False, False, "filer"),
    ("reviewer@demo.example", "demo-reviewer-2026", "演示审核员", True, False, "reviewer"),
    ("admin@demo.example", "demo-admin-2026", "系统管理员", True, True, "administrator"),
]


class Command(BaseCommand):
    help = "Create the demo filer, reviewer and administrator (only if they do not exist)."

    @transaction.atomic
    def handle(self, *args, **options):
        created = 0
        for email, password, name, is_staff, is_superuser, _role in DEMO_USERS:
            user, was_created = User.objects.get_or_create(
                email=email,
                defaults={"name": name, "is_staff": is_staff, "is_superuser": is_superuser},
            )
            if was_created:
                user.set_password(password)
                user.save(update_fields=["password"])
                created += 1
        self.stdout.write(
            f"Demo data: {created} account(s) created, {len(DEMO_USERS) - created} kept."
        )
