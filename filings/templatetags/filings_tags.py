from django import template

from filings import vocabulary

register = template.Library()


@register.filter
def vocab(value, table_name):
    """The label of a vocabulary key, e.g. {{ attachment.kind|vocab:"ATTACHMENT_KINDS" }}."""
    return getattr(vocabulary, table_name, {}).get(value, value)
