from django import template

from filings.law import vocabulary

register = template.Library()


@register.filter
def vocab(value, table_name):
    """The label of a vocabulary key, e.g. {{ attachment.kind|vocab:"ATTACHMENT_KINDS" }}."""
    return getattr(vocabulary, table_name, {}).get(value, value)


@register.filter
def duty_basis(obligation):
    """Under which text a duty arose: "依据《…（征求意见稿）》…" for the draft, "根据现行规定…"
    for a rule set in force (filings.law.rules_text.DUTY_BASIS)."""
    from filings.law import rules_text

    return rules_text.DUTY_BASIS.get(getattr(obligation, "regime", ""), "")


@register.filter
def reasons(note: str) -> list[str]:
    """An office's reasons, one per line, without the numbers a reviewer may have typed ("1.",
    "2、", "（3）"): the page numbers them."""
    import re

    lines = [line.strip() for line in (note or "").splitlines()]
    return [
        re.sub(r"^(?:[（(]?\d+[)）.、．]|[一二三四五六七八九十]+[、.．])\s*", "", line)
        for line in lines
        if line
    ]


@register.filter
def step_label(step: str):
    """The name of a step of the filing form, for a link that leads to it."""
    from filings.law import steps

    return steps.LABELS.get(step, step)


@register.filter
def document_label(document) -> str:
    """How a document is listed: the filing form by the version it shows ("备案表 · 第 2 版");
    a notice by the day it was issued, never by the submission it answers, so that the first
    notice of a filing corrected once is not "第 2 版"."""
    from django.utils import timezone
    from django.utils.translation import gettext

    kind = document.get_kind_display()
    if document.kind == "form":
        return gettext("%(kind)s · version %(n)s") % {"kind": kind, "n": document.version.number}
    issued = timezone.localdate(document.created_at).isoformat()
    return gettext("%(kind)s · issued %(date)s") % {"kind": kind, "date": issued}


@register.filter
def iso_time(value) -> str:
    """An ISO 8601 time of the account data (local, with its offset) as "2026-12-08 04:56"."""
    import datetime

    try:
        moment = datetime.datetime.fromisoformat(str(value))
    except ValueError:
        return "—"
    return moment.strftime("%Y-%m-%d %H:%M")
