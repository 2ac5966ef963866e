"""Widgets shared by the portal's forms."""

from django import forms


class IsoDateInput(forms.DateInput):
    """The browser's date picker. Its value must be ISO 8601 (2026-10-09) whatever the page's
    language: the Chinese locale's "2026/10/09" is no date to <input type="date">, which then
    shows an empty field and the edit fails as if the date had never been given."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")
