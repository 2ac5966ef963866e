"""Prints the deadline for an event date.

python manage.py deadline 2025-06-01   →   2025-07-14 final
python manage.py deadline 2024-03-01 --regime cac-2025-measures   →   2025-07-14 final (the
transitional date: the 2025 measures apply from 2025-06-01)
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from filings.calendar import calendars
from filings.law.regimes import REGIMES, current_regime, get_regime


class Command(BaseCommand):
    help = "The filing deadline for an event date, counted in working days (start day excluded)."

    def add_arguments(self, parser):
        parser.add_argument("start", help="the event date, YYYY-MM-DD")
        parser.add_argument(
            "--days", type=int, help="working days to add (default: the rule set's)"
        )
        parser.add_argument(
            "--regime", choices=sorted(REGIMES), help="rule set (default: in force)"
        )

    def handle(self, *args, start, days, regime, **options):
        try:
            start_date = date.fromisoformat(start)
        except ValueError:
            raise CommandError(f"{start!r} is not a date written YYYY-MM-DD") from None
        rules = get_regime(regime) if regime else current_regime()
        n = days if days is not None else rules.initial_days
        if n == 0:
            raise CommandError("--days must not be 0")
        if days is None:
            # A trigger before the rule set took effect takes its transitional date.
            deadline = rules.deadline(start_date, n, calendars.add_working_days)
        else:
            deadline = calendars.add_working_days(start_date, n)
        self.stdout.write(
            f"{deadline.date.isoformat()} {'final' if deadline.final else 'provisional'}"
        )
