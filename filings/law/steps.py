"""Which steps each kind of filing has, which one comes next, and which are still incomplete."""

from django.utils.translation import gettext_lazy as _

from filings.law import compliance, vocabulary
from filings.models import Filing

CONTENT_STEPS = [key for key, _label in vocabulary.STEPS if key != "review"]
LABELS = dict(vocabulary.STEPS)
LABELS.update(
    {
        "change": vocabulary.CHANGE_STEP_LABEL,
        "cancellation": vocabulary.CANCELLATION_STEP_LABEL,
    }
)

STEPS_BY_KIND = {
    Filing.Kind.INITIAL: [*CONTENT_STEPS, "review"],
    Filing.Kind.CHANGE: ["change", *CONTENT_STEPS, "review"],
    Filing.Kind.CANCELLATION: ["cancellation", "review"],
}


def steps_of(filing: Filing) -> list[dict]:
    completed = set(filing.completed_steps)
    return [
        {"key": key, "label": LABELS[key], "number": number, "complete": key in completed}
        for number, key in enumerate(STEPS_BY_KIND[filing.kind], start=1)
    ]


def first_incomplete(filing: Filing) -> str:
    completed = set(filing.completed_steps)
    for key in STEPS_BY_KIND[filing.kind]:
        if key not in completed:
            return key
    return "review"


STEP_INCOMPLETE_RULE = _("Every step of the filing is answered and saved before it is submitted.")


def incomplete(filing: Filing) -> list[compliance.Finding]:
    """One error per step of the filing's kind that was never saved complete (the review step
    aside: submitting is what completes it). The submission verb refuses while any remains, so
    no path (the pages, the API, the admin, a task) submits a filing with a step left out."""
    completed = set(filing.completed_steps)
    return [
        compliance.Finding(
            "step_incomplete",
            compliance.ERROR,
            key,
            STEP_INCOMPLETE_RULE,
            compliance.fmt(
                _("The step “%(step)s” is not complete: answer it and save it."), step=LABELS[key]
            ),
        )
        for key in STEPS_BY_KIND[filing.kind]
        if key != "review" and key not in completed
    ]


def after(filing: Filing, step: str) -> str:
    keys = STEPS_BY_KIND[filing.kind]
    return keys[min(keys.index(step) + 1, len(keys) - 1)]


def section_from(step, form, previous, *, valid=True):
    """What a step's valid (or, with ``valid=False``, partly filled) form saves into the filing:
    the web pages and the API save a step the same way."""
    if step == "deployments":
        kept = []
        for number, inner in enumerate(form.forms):
            # A place saved before is kept even when left unchanged; the empty block for one
            # more place is skipped when left alone.
            if number >= form.initial_form_count() and not inner.has_changed():
                continue
            values = inner.section() if valid else inner.partial_section()
            if values.pop("DELETE", False):
                continue
            kept.append(values)
        return kept
    section = form.section() if valid else form.partial_section()
    if step == "organization":
        # The registered address decides the office: it is changed in the registration only.
        return {**previous, **section}
    return section
