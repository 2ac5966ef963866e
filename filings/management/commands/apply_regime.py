"""Brings open obligations in line with the rule set in force (FILING_REGIME).

python manage.py apply_regime   →   "cac-2025-measures: 3 obligation(s) re-assessed"

Run after the setting is switched; ``make run`` runs it at start and Celery beat daily, so a switch
is applied even when nobody runs it. A second run does nothing.
"""

from django.core.management.base import BaseCommand

from filings.law.regimes import current_regime
from filings.lifecycle import obligations


class Command(BaseCommand):
    help = "Re-assess open obligations (threshold, office, deadline) after FILING_REGIME changed."

    def handle(self, *args, **options):
        applied = obligations.apply_regime()
        code = current_regime().code
        if applied is None:
            self.stdout.write(f"{code}: already applied, nothing to re-assess")
        else:
            self.stdout.write(f"{code}: {applied.obligations_reassessed} obligation(s) re-assessed")
