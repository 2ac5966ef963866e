"""Demo data for trying the portal locally. Idempotent: a second run changes nothing."""

from datetime import date

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from filings import obligations
from filings.models import Jurisdiction, Membership, Organization, Reviewer
from filings.reviewer_group import ensure_reviewer_group

DEMO_USERS = [
    # (email, password, name, is_staff, is_superuser)
    ("filer@demo.example", "demo-filer-2026", "演示填报人", False, False),
    ("reviewer@demo.example", "demo-reviewer-2026", "演示审核员", True, False),
    ("admin@demo.example", "demo-admin-2026", "系统管理员", True, True),
]

DEMO_ORGANIZATION = {
    "name": "深圳演示科技有限公司",
    "address_division": "440300",
    "street_address": "南山区科技园科苑路 1 号",
    "legal_representative": "陈明",
    "responsible_person": "林华",
    "responsible_person_id_number": "11010519491231002X",
    "contact_name": "演示填报人",
    "contact_mobile": "13800138000",
    "contact_email": "filer@demo.example",
}
DEMO_USCC = "914403001922038216"  # the published valid example in domain.md


class Command(BaseCommand):
    help = "Create the demo accounts and organization (only what does not exist yet)."

    @transaction.atomic
    def handle(self, *args, **options):
        created = 0
        for email, password, name, is_staff, is_superuser in DEMO_USERS:
            user, was_created = User.objects.get_or_create(
                email=email,
                defaults={"name": name, "is_staff": is_staff, "is_superuser": is_superuser},
            )
            if was_created:
                user.set_password(password)
                user.save(update_fields=["password"])
                created += 1
        reviewer = User.objects.get(email="reviewer@demo.example")
        _appointment, appointed = Reviewer.objects.get_or_create(
            user=reviewer, defaults={"office": Jurisdiction.objects.get(code="440300")}
        )
        if appointed:
            reviewer.groups.add(ensure_reviewer_group())
            created += 1
        filer = User.objects.get(email="filer@demo.example")
        organization, org_created = Organization.objects.get_or_create(
            uscc=DEMO_USCC, defaults=DEMO_ORGANIZATION
        )
        if org_created:
            Membership.objects.create(organization=organization, user=filer, role="admin")
            obligations.declare_system(
                organization,
                filer,
                name="园区人脸门禁系统",
                people_stored=12_500,
                used_in_public_place=False,
                count_reached_on=date(2026, 11, 2),
            )
            created += 1
        self.stdout.write(f"Demo data: {created} record(s) created; the rest was already there.")
