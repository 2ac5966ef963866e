"""Parts of pages kept rendered in the page cache (the "pages" cache), forms included.

A CSRF token is the request's own and must never be kept for another: ``render_fragment``
renders the forms' token fields with a placeholder, and ``with_csrf`` puts the token of the
request in its place each time the fragment is served.
"""

from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

PLACEHOLDER = "csrf-token-of-the-request"
FIELD = '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'


def render_fragment(template_name: str, context: dict) -> str:
    """The template rendered for the page cache: escaped HTML with no request's token in it."""
    return render_to_string(template_name, {**context, "csrf_token": PLACEHOLDER})


def with_csrf(fragment: str, request) -> SafeString:
    """A fragment of ``render_fragment`` with the request's token in its forms."""
    token = get_token(request)  # letters and digits only: nothing to escape
    filled = fragment.replace(FIELD.format(PLACEHOLDER), FIELD.format(token))
    return mark_safe(filled)  # noqa: S308 - rendered by the template engine, autoescaped
