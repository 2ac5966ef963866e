from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FilingsConfig(AppConfig):
    name = "filings"
    verbose_name = _("Filings")

    def ready(self):
        from filings import checks  # noqa: F401 - registers the system checks
