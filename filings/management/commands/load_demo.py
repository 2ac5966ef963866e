"""Demo data for trying the portal locally. Idempotent: a second run changes nothing."""

from datetime import date

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts import two_factor
from accounts.models import User
from filings.documents import attachments
from filings.law import materials
from filings.law.regimes import current_regime
from filings.lifecycle import obligations, services, sign_off
from filings.models import Filing, Membership, Organization, Reviewer
from filings.review import handling
from filings.review.reviewer_group import ensure_reviewer_group

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

# A second organization whose filing waits in the demo reviewer's queue.
QUEUE_USER = ("retail@demo.example", "演示零售公司联系人")
QUEUE_ORGANIZATION = {
    "name": "深圳演示零售有限公司",
    "uscc": "91440300MA5DEM7X1Y",
    "address_division": "440300",
    "street_address": "福田区深南大道 1000 号",
    "legal_representative": "赵强",
    "responsible_person": "孙丽",
    "responsible_person_id_number": "11010519491231002X",
    "contact_name": "演示零售公司联系人",
    "contact_mobile": "13900139000",
    "contact_email": "retail@demo.example",
}
QUEUE_FILING = {
    "purpose": {
        "purpose": "识别到店会员，提供会员服务",
        "scope": "深圳门店的到店会员，营业时间内",
        "necessity": "会员卡经常遗失和借用，无法核实会员身份",
        "alternative_considered": "会员卡和手机号核验",
        "alternative_rejected_reason": "会员卡可转借，手机号核验排队时间过长",
    },
    "facial_data": {
        "people_stored": 18_000,
        "sources": ["collected_directly"],
        "sources_detail": "",
        "storage_locations": ["own_servers"],
        "cloud_provider": "",
        "stored_outside_china": False,
        "retention_period": "会员注销后 30 日内删除",
        "keeps_originals": False,
        "originals_basis": "",
        "originals_basis_detail": "",
        "anonymised_only": True,
        "off_device_basis": "consent",
        "off_device_basis_detail": "会员在小程序中单独同意将人脸特征存储于本公司服务器",
    },
    "deployments": [
        {
            "name": "门店入口",
            "place_kind": "retail",
            "place_description": "门店正门闸机",
            "is_public_place": True,
            "signage": True,
            "signage_description": "入口处张贴人脸识别提示牌",
            "verifies_identity": False,
            "alternative_offered": "",
            "law_requiring_face": "",
        }
    ],
    "consent": {
        "lawful_basis": "consent",
        "lawful_basis_provision": "",
        "informed_consent_method": "会员在小程序中阅读告知并单独勾选同意",
        "separate_consent": True,
        "written_consent": False,
        "minors_under_14": False,
        "guardian_consent_method": "",
        "sensitive_attributes": [],
        "sensitive_basis": "",
        "sensitive_basis_detail": "",
    },
    "security": {
        "measures": ["encryption", "access_control", "audit_logging"],
        "measures_detail": "存储加密、传输加密、最小权限访问",
        "processing_rules": "《人脸信息处理规则》第 1 版",
        "operating_procedures": "《人脸识别系统操作规程》第 1 版",
    },
    "assessment": {"assessment_date": "2026-10-20", "conclusion": "风险可控，可以使用"},
    "declaration": {"truthful": True},
}

# The demo filer's own initial filing (approved, with its notice) and a change of it (submitted):
# a newcomer logged in as the filer sees a filed filing, its notice and a change under review.
FILER_FILING = {
    **QUEUE_FILING,
    "purpose": {
        "purpose": "员工及访客进出园区的身份核验",
        "scope": "本公司园区出入口，员工和登记访客",
        "necessity": "园区内有研发实验室，需要核实进入人员身份",
        "alternative_considered": "门禁卡",
        "alternative_rejected_reason": "门禁卡经常被借用，无法确认持卡人本人",
    },
    "facial_data": {
        **QUEUE_FILING["facial_data"],
        "people_stored": 12_500,
        "retention_period": "员工离职或访客登记结束后 30 日内删除",
        "off_device_basis_detail": "员工和访客书面单独同意将人脸特征存储于本公司服务器",
    },
    "deployments": [
        {
            "name": "园区正门闸机",
            "place_kind": "office",
            "place_description": "园区正门及研发楼入口闸机",
            "is_public_place": False,
            "signage": True,
            "signage_description": "闸机旁张贴人脸识别提示牌",
            "verifies_identity": True,
            "alternative_offered": "保安人工核验工牌或身份证",
            "law_requiring_face": "",
        }
    ],
    "consent": {
        **QUEUE_FILING["consent"],
        "informed_consent_method": "入职和访客登记时书面告知并单独签字同意",
        "written_consent": True,
    },
    "assessment": {"assessment_date": "2026-11-05", "conclusion": "风险可控，可以使用"},
}
FILER_CHANGE = {
    "description": "新增季度安全审计和访问日志留存 6 个月",
    "sections": ["security"],
}
FILER_CHANGED_SECURITY = {
    **QUEUE_FILING["security"],
    "measures_detail": "存储加密、传输加密、最小权限访问；每季度安全审计，访问日志留存 6 个月",
}


# The numbers of people per rule set: each organization must file under the rule set in force
# (the draft: more than 10,000; the 2025 measures: 100,000 or more).
DEMO_PEOPLE = {
    "cac-2023-draft": {"filer": 12_500, "queue": 18_000},
    "cac-2025-measures": {"filer": 125_000, "queue": 180_000},
}


def demo_people(who: str) -> int:
    return DEMO_PEOPLE[current_regime().code][who]


def demo_filing(content: dict, who: str) -> dict:
    """The filing's content with the number of people of the rule set in force."""
    return {
        **content,
        "facial_data": {**content["facial_data"], "people_stored": demo_people(who)},
    }


class Command(BaseCommand):
    help = "Create the demo accounts and organization (only what does not exist yet)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo-totp",
            action="store_true",
            help="Give the demo reviewer and administrator the fixed demo authenticator secret "
            "(also with DEBUG=1; refused on an https:// SITE_URL).",
        )

    @transaction.atomic
    def handle(self, *args, **options):
        demo_totp = options["demo_totp"] or settings.DEBUG
        if demo_totp and settings.HTTPS:
            self.stderr.write(
                "The demo authenticator secret is public: not given on an https:// site. The demo "
                "staff set up their own authenticator at their first login."
            )
            demo_totp = False
        made: list[str] = []
        for email, password, name, is_staff, is_superuser in DEMO_USERS:
            user, was_created = User.objects.get_or_create(
                email=email,
                defaults={"name": name, "is_staff": is_staff, "is_superuser": is_superuser},
            )
            if was_created:
                user.set_password(password)
                user.save(update_fields=["password"])
                made.append(f"the account {email}")
        reviewer = User.objects.get(email="reviewer@demo.example")
        # The office the rule set files with: 深圳市网信办 under the draft (municipal level),
        # 广东省网信办 under the 2025 measures (provincial level).
        office = obligations.office_for(Organization(address_division="440300"), current_regime())
        appointment, appointed = Reviewer.objects.get_or_create(
            user=reviewer, defaults={"office": office}
        )
        if appointed:
            reviewer.groups.add(ensure_reviewer_group())
            made.append(f"the demo reviewer's appointment to {office.name}")
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
                people_stored=demo_people("filer"),
                used_in_public_place=False,
                count_reached_on=date(2026, 11, 2),
            )
            made.append(f"the organization {organization.name} with its system and duty to file")
        if self.filing_in_the_queue():
            made.append(f"a submitted filing of {QUEUE_ORGANIZATION['name']} in the review queue")
        made += self.filer_filings(organization, filer, reviewer)
        if made:
            self.stdout.write("Demo data created: " + "; ".join(made) + ".")
        else:
            self.stdout.write("Demo data: all of it was already there; nothing changed.")
        if demo_totp:
            self.give_demo_authenticators()

    def give_demo_authenticators(self):
        """Staff log in with a second factor: the demo's is a fixed, public secret."""
        staff = User.objects.filter(
            email__in=[email for email, _p, _n, is_staff, _s in DEMO_USERS if is_staff]
        )
        for user in staff:
            device = two_factor.give_demo_authenticator(user)
        self.stdout.write(
            "Demo two-step login for "
            + ", ".join(sorted(user.email for user in staff))
            + f": authenticator secret {two_factor.secret_for_display(device).replace(' ', '')}"
            " (or `python manage.py demo_totp` prints the current code)."
        )

    def filing_in_the_queue(self) -> int:
        """A submitted filing of another organization in Shenzhen, for the demo reviewer."""
        if Organization.objects.filter(uscc=QUEUE_ORGANIZATION["uscc"]).exists():
            return 0
        email, name = QUEUE_USER
        user, was_created = User.objects.get_or_create(email=email, defaults={"name": name})
        if was_created:
            user.set_unusable_password()  # not a demo login: it only owns the queued filing
            user.save(update_fields=["password"])
        organization = Organization.objects.create(**QUEUE_ORGANIZATION)
        Membership.objects.create(organization=organization, user=user, role="admin")
        obligations.declare_system(
            organization,
            user,
            name="门店会员识别系统",
            people_stored=demo_people("queue"),
            used_in_public_place=True,
            count_reached_on=date(2026, 10, 12),
        )
        filing = services.start_initial_filing(organization, user)
        # The prefilled organization step is saved, as the filer's "save" on the page does.
        filing = services.save_step(filing, user, "organization", filing.data["organization"])
        for step, values in demo_filing(QUEUE_FILING, "queue").items():
            filing = services.save_step(filing, user, step, values)
        _attach_materials(filing, user, organization.name, "门店会员识别系统")
        services.submit_filing(filing.pk, user)
        return 1

    def filer_filings(self, organization, filer, reviewer) -> list[str]:
        """The demo filer's organization: its initial filing approved (a filing number, the notice
        queued for the worker) and a change of it submitted, both through the service verbs."""
        if organization.filings.exists():
            return []
        filing = services.start_initial_filing(organization, filer)
        filing = services.save_step(filing, filer, "organization", filing.data["organization"])
        for step, values in demo_filing(FILER_FILING, "filer").items():
            filing = services.save_step(filing, filer, step, values)
        _attach_materials(filing, filer, organization.name, "园区人脸门禁系统")
        services.submit_filing(filing.pk, filer)
        services.start_review(filing.pk, reviewer)
        filed = self.approve(filing, reviewer)
        change = services.start_follow_up(filed, filer, Filing.Kind.CHANGE)
        today = timezone.localdate().isoformat()
        services.save_step(change, filer, "change", {**FILER_CHANGE, "effective_date": today})
        services.save_step(change, filer, "security", FILER_CHANGED_SECURITY)
        services.save_step(change, filer, "declaration", {"truthful": True})
        change = services.submit_filing(change.pk, filer)
        return [
            f"the filed initial filing {filed.filing_number} of {organization.name} with its "
            "filing notice",
            f"a submitted change {change.receipt_number} of it",
        ]

    @staticmethod
    def approve(filing, reviewer):
        """As the office decides: where it asks for two signatures (provincial offices under the
        2025 measures), the demo reviewer proposes and the demo administrator signs off."""
        filing.refresh_from_db()
        if not handling.requires_sign_off(filing):
            return services.approve_filing(filing.pk, reviewer)
        sign_off.propose_decision(filing.pk, reviewer, Filing.Proposal.APPROVE)
        return sign_off.sign_off(filing.pk, User.objects.get(email="admin@demo.example"))


def _attach_materials(filing, user, organization: str, system: str) -> None:
    """Every material the filing's rule set requires: under the draft the impact assessment
    report, under the 2025 measures also the licence, the two ID copies and the two letters."""
    for kind in sorted(materials.required_kinds(filing.regime)):
        label = materials.BY_KIND[kind].label
        attachments.store(filing, user, kind, _demo_pdf(str(label), organization, system))


def _demo_pdf(title: str, organization: str, system: str) -> SimpleUploadedFile:
    """A one-page PDF standing for a material (演示: a demo, not a real scan)."""
    from django.utils import translation
    from weasyprint import HTML

    with translation.override("zh-hans"):
        title = str(title)
    pdf = HTML(
        string="<html lang='zh-CN'><body style='font-family: serif'>"
        f"<h1>{title}（演示）</h1>"
        f"<p>{organization} · {system}</p>"
        "<p>演示材料，仅供体验备案流程。</p></body></html>"
    ).write_pdf()
    return SimpleUploadedFile(f"{title}.pdf", pdf, content_type="application/pdf")
