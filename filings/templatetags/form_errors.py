"""The error summary and the title's "错误" prefix of every page with a form (portal.forms)."""

from django import template

from portal.forms import form_errors

register = template.Library()


@register.inclusion_tag("includes/error_summary.html", takes_context=True)
def error_summary(context):
    return {"errors": form_errors(context)}


@register.simple_tag(takes_context=True)
def page_has_errors(context) -> bool:
    return bool(form_errors(context))
