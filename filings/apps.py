from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FilingsConfig(AppConfig):
    name = "filings"
    verbose_name = _("Filings")

    def ready(self):
        from django.db.models.signals import post_migrate

        from filings.law import regimes
        from filings.models import Deployment
        from filings.review.reviewer_group import ensure_reviewer_group, ensure_role_groups

        regimes.first_migration_day = Deployment.first_migrated_on

        post_migrate.connect(ensure_reviewer_group, sender=self)
        post_migrate.connect(ensure_role_groups, sender=self)

        # The queue's "held by" choices, kept in the cache, are read again after any change to
        # the people or offices they list.
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save

        from filings.models import Jurisdiction, Reviewer
        from filings.review import holders

        for model in (Reviewer, get_user_model(), Jurisdiction):
            post_save.connect(holders.forget, sender=model, dispatch_uid=f"holders-{model}")
            post_delete.connect(holders.forget, sender=model, dispatch_uid=f"holders-d-{model}")
