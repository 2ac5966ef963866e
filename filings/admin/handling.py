"""The review workspace's side of who handles a filing and who signs its decision: the queue's
"handled by" filter, and the review page's forms (take, assign, release, ask to reassign;
propose, sign off, send back). Each form calls one verb of filings/lifecycle/assignment.py or
filings/lifecycle/sign_off.py."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from filings.lifecycle import assignment, services, sign_off
from filings.models import Filing
from filings.review import handling, holders
from filings.review.review_scope import may_review

P = Filing.Proposal


class HolderFilter(admin.SimpleListFilter):
    """Mine, unassigned, awaiting my signature, or held by one of the reviewers who see the
    queue: one query for the reviewers, whatever the queue holds, kept between pages
    (filings/review/holders.py)."""

    title = _("handled by")
    parameter_name = "holder"

    def lookups(self, request, model_admin):
        return [
            ("mine", _("Mine")),
            ("unassigned", _("Unassigned")),
            ("to_sign", _("Awaiting my signature")),
            *[
                (str(user_id), _("Held by %(name)s") % {"name": name})
                for user_id, name in holders.reviewers_seen_by(request.user)
            ],
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "mine":
            return queryset.filter(holder=request.user)
        if value == "unassigned":
            return queryset.filter(holder__isnull=True, status__in=assignment.HELD_WHILE)
        if value == "to_sign":
            return queryset.exclude(proposed_decision="").exclude(proposed_by=request.user)
        if value and value.isdigit():
            return queryset.filter(holder_id=int(value))
        return queryset


class HandlingAdminMixin:
    """Mixed into FilingAdmin: the handling URL, the review page's context, the queue's column."""

    @admin.display(description=_("handled by"), ordering="holder__name")
    def holder_name(self, filing):
        name = handling.person(filing.holder) if filing.holder_id else ""
        if filing.proposed_decision:
            return format_html(
                '{} <strong class="awaiting-sign-off">{}</strong>',
                name,
                gettext("Awaiting sign-off"),
            )
        return name or None

    def handling_urls(self):
        wrap = self.admin_site.admin_view
        return [path("<int:pk>/handle/", wrap(self.handle), name="filings_filing_handle")]

    def handling_context(self, request, filing) -> dict:
        user = request.user
        reviewer = may_review(user)
        lead = handling.is_lead(user)
        handled = filing.status in assignment.HELD_WHILE
        # Read-only for the others while the filing is being handled; once decided, it is history.
        held_by_other = handled and bool(filing.holder_id) and filing.holder_id != user.pk
        return {
            "holder": filing.holder,
            "holds_it": filing.holder_id == user.pk,
            "held_by_other": held_by_other,
            "is_lead": lead,
            "can_take": reviewer and handled and not filing.holder_id,
            "can_release": handled
            and bool(filing.holder_id)
            and (filing.holder_id == user.pk or lead),
            "can_ask_reassignment": reviewer
            and held_by_other
            and not lead
            and not filing.proposed_decision,
            "colleagues": list(handling.reviewers_for(filing.office)[:100])
            if lead and handled
            else [],
            "sign_off_required": handling.requires_sign_off(filing),
            "proposal": filing.proposed_decision,
            "may_sign": bool(filing.proposed_decision)
            and handling.is_signer(user)
            and filing.proposed_by_id != user.pk,
        }

    def _handle(self, verb: str, filing_id: int, request) -> str:
        user, post = request.user, request.POST
        note = post.get("note") or post.get("reasons", "")
        if verb == "take":
            assignment.take_filing(filing_id, user)
            return gettext("You handle this filing now.")
        if verb == "release":
            assignment.release_filing(filing_id, user)
            return gettext("Released: no one handles this filing now.")
        if verb == "assign":
            holder = get_user_model().objects.filter(pk=_int(post.get("holder"))).first()
            if holder is None:
                raise services.FilingError(gettext("Choose the reviewer to assign it to."))
            assignment.assign_filing(filing_id, user, holder, note)
            return gettext("Assigned to %(name)s.") % {"name": handling.person(holder)}
        if verb == "ask_reassignment":
            assignment.ask_reassignment(filing_id, user, note)
            return gettext("Your request has been sent to the office lead.")
        if verb in ("propose_approve", "propose_refuse", "propose_revoke"):
            sign_off.propose_decision(filing_id, user, verb.removeprefix("propose_"), note)
            return gettext("Proposed for sign-off: a signer decides now.")
        if verb == "sign_off":
            filing = sign_off.sign_off(filing_id, user)
            decision = {"filed": "approve", "refused": "refuse"}.get(filing.status, "revoke")
            return self._outcome_message(decision)
        if verb == "send_back":
            sign_off.send_back(filing_id, user, note)
            return gettext("Sent back to the handler with your note.")
        raise Http404

    def handle(self, request, pk):
        filing = self._visible(request, pk)
        change_url = reverse("admin:filings_filing_change", args=[filing.pk])
        if request.method != "POST":
            return redirect(change_url)
        if not may_review(request.user):
            raise Http404
        try:
            message = self._handle(request.POST.get("verb", ""), filing.pk, request)
        except services.TransitionNotAllowed as error:
            self.message_user(request, str(error.message), messages.WARNING)
        except services.FilingError as error:
            self.message_user(request, str(error.message), messages.ERROR)
        else:
            self.message_user(request, message, messages.SUCCESS)
        return redirect(change_url)


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None
