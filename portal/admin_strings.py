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

# Form errors that Django REST Framework's catalogue words otherwise (an installed app's catalogue
# wins over Django's own): the project's catalogue keeps Django's wording on every page and in the
# API (tests/test_catalogue.py).
DJANGO_FORM_STRINGS = (
    gettext_noop("Enter a valid URL."),
    gettext_noop("Enter a valid email address."),
    gettext_noop("No file was submitted."),
    gettext_noop("The submitted file is empty."),
    gettext_noop("This field is required."),
    gettext_noop(
        "Upload a valid image. The file you uploaded was either not an image or a corrupted image."
    ),
    gettext_noop("Value must be valid JSON."),
)
