"""Strings of Django's own admin templates that Django 5.2's zh_Hans catalogue lacks.

They are column headers screen readers announce on the admin index (``admin/app_list.html``).
Marked here so that ``makemessages`` puts them in the project's catalogue, which Django reads
before its own; nothing imports this module.
"""

from django.utils.translation import gettext_noop

DJANGO_ADMIN_STRINGS = (
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
)
