from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FilingsConfig(AppConfig):
    name = "filings"
    verbose_name = _("Filings")

    def ready(self):
        from django.db.models.signals import post_migrate

        from filings.law import regimes
        from filings.models import Deployment
        from filings.review.reviewer_group import ensure_office_lead_group, ensure_reviewer_group

        regimes.first_migration_day = Deployment.first_migrated_on

        post_migrate.connect(ensure_reviewer_group, sender=self)
        post_migrate.connect(ensure_office_lead_group, sender=self)
