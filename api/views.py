"""The REST API: the organization's systems, duties, filings, documents and notifications.

Every view sees only the token's organization (its querysets start there: another organization's
object is a 404), and every change goes through the verbs the web pages call
(filings/lifecycle/services.py, filings/lifecycle/obligations.py), with the web pages' forms
validating the input.
"""

import hashlib

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from api import dates, idempotency, inputs, throttling
from api import serializers as s
from api.models import ApiCall, ApiToken
from filings.documents import attachments, documents
from filings.forms.filing_steps import (
    STEP_FORMS,
    DeclarationStep,
    DeploymentForm,
    DeploymentFormSet,
)
from filings.forms.self_check import SelfCheckForm
from filings.forms.systems import RetireSystemForm, SystemForm
from filings.forms.uploads import AttachmentForm
from filings.law import steps
from filings.law.regimes import current_regime
from filings.lifecycle import obligations, self_check, services
from filings.models import Document, Filing, FilingEvent, Obligation, RecognitionSystem
from portal import storage
from portal.middleware import MAX_QUERY_VALUE, NUL_REFUSED, too_long_query, unstorable_request

ERRORS = {
    400: OpenApiResponse(s.ErrorResponse, description="Invalid input"),
    401: OpenApiResponse(s.ErrorResponse, description="No token, or a bad or revoked one"),
    403: OpenApiResponse(s.ErrorResponse, description="A read token tried to change something"),
    404: OpenApiResponse(s.ErrorResponse, description="Not in the token's organization"),
    409: OpenApiResponse(s.ErrorResponse, description="Not possible in the current state"),
    429: OpenApiResponse(s.ErrorResponse, description="Too many calls with this token"),
}
READ_ERRORS = {code: ERRORS[code] for code in (401, 404, 429)}
# A download's file that storage no longer holds as it was stored (api.errors.StoredFileRefused).
FILE_REFUSED = (
    "the stored file is not served: its bytes no longer match the SHA-256 recorded when it was "
    "stored (`file_damaged`), or it is missing from storage (`file_missing`). Logged for the "
    "portal's operator; asking again will not help."
)
GONE = {
    410: OpenApiResponse(
        s.ErrorResponse, description="The file was deleted when its retention period ended"
    )
}
UPDATED_SINCE = OpenApiParameter(
    "updated_since",
    OpenApiTypes.DATETIME,
    description="Only what changed at or after this moment (ISO 8601; a date means its start).",
)


def activate_language(request) -> None:
    """The language of Accept-Language when the portal has it, else Chinese: the API follows
    the client's header (the web pages follow the person's choice, kept in a cookie)."""
    from django.conf import settings
    from django.utils.translation.trans_real import parse_accept_lang_header

    supported = {code for code, _name in settings.LANGUAGES}
    language = settings.LANGUAGE_CODE
    for accepted, _quality in parse_accept_lang_header(
        request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    ):
        try:
            candidate = translation.get_supported_language_variant(accepted.lower())
        except LookupError:
            continue
        if candidate in supported:
            language = candidate
            break
    translation.activate(language)
    request.LANGUAGE_CODE = language


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class Gone(exceptions.APIException):
    """410: the file was deleted when its retention period ended; the record stays."""

    status_code = status.HTTP_410_GONE
    default_code = "file_deleted"

    def __init__(self, purged_at):
        super().__init__(
            _("This file was deleted on %(date)s, when its retention period ended.")
            % {"date": timezone.localdate(purged_at).isoformat()}
        )


class SubmissionBlocked(Conflict):
    """409: the request was well formed; the filing's content is what stops it (the errors of
    the checks, each with its code and step)."""

    default_code = "submission_blocked"


class FilingExists(Conflict):
    """409 naming the filing that already stands, in the message and in ``Location``."""

    default_code = "filing_exists"

    def __init__(self, message, url):
        super().__init__(f"{message} {url}", code="filing_exists")
        self.location = url


class ApiBase(APIView):
    def initial(self, request, *args, **kwargs):
        activate_language(request._request)
        super().initial(request, *args, **kwargs)
        # Input is looked at only once the caller is known and allowed (401 and 403 first).
        if too_long_query(request._request):
            raise exceptions.ValidationError(
                ErrorDetail(
                    _("A query parameter is longer than %(limit)d characters.")
                    % {"limit": MAX_QUERY_VALUE},
                    code="too_long",
                )
            )
        if unstorable_request(request._request):
            raise exceptions.ValidationError(
                ErrorDetail(gettext(NUL_REFUSED), code="unstorable_text")
            )

    # Detail reads answer If-None-Match with 304 when the ETag (a hash of the body) matches.
    conditional_get = False

    def dispatch(self, request, *args, **kwargs):
        """DRF's dispatch, with a kept answer to an ``Idempotency-Key`` replayed between the
        checks (authentication, scope, rate) and the handler."""
        self.args, self.kwargs = args, kwargs
        request = self.initialize_request(request, *args, **kwargs)
        self.request = request
        self.headers = self.default_response_headers
        try:
            self.initial(request, *args, **kwargs)
            response = idempotency.begin(request)
            if response is None:
                method = request.method.lower()
                handler = (
                    getattr(self, method, self.http_method_not_allowed)
                    if method in self.http_method_names
                    else self.http_method_not_allowed
                )
                response = handler(request, *args, **kwargs)
        except Exception as exc:
            response = self.handle_exception(exc)
        self.response = self.finalize_response(request, response, *args, **kwargs)
        idempotency.finish(request, self.response)
        return self.response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Messages and labels follow Accept-Language: a cache must keep one copy per language.
        patch_vary_headers(response, ["Accept-Language"])
        for name, value in throttling.rate_limit_headers(request._request).items():
            response[name] = value
        if (
            self.conditional_get
            and request.method in ("GET", "HEAD")
            and response.status_code == 200
            and isinstance(response, Response)
        ):
            response = self._conditional(request, response)
        token = getattr(request, "_auth", None)
        if isinstance(token, ApiToken):
            ApiCall.objects.create(
                token=token,
                method=request.method[:10],
                path=request.get_full_path()[:500],
                status=response.status_code,
            )
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return response

    def _conditional(self, request, response):
        response.render()
        response["ETag"] = f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'
        last_modified = None
        changed = parse_datetime(str(response.data.get("updated_at") or ""))
        if changed is not None:
            last_modified = int(changed.timestamp())
            response["Last-Modified"] = http_date(last_modified)
        not_modified = get_conditional_response(
            request._request, etag=response["ETag"], last_modified=last_modified
        )
        if not_modified is None:
            return response
        if last_modified is not None:
            not_modified["Last-Modified"] = response["Last-Modified"]
        for name in ("Vary", "X-Request-ID", *throttling.rate_limit_headers(request._request)):
            if name in response:
                not_modified[name] = response[name]
        not_modified["ETag"] = response["ETag"]
        return not_modified

    @property
    def organization(self):
        return self.request.auth.organization

    def updated_since(self):
        return dates.moment_param(self.request, "updated_since")


def form_errors(form) -> dict:
    """A bound form's (or formset's) errors as the API's, with each message's code."""

    def of(errors):
        return {
            (None if field == "__all__" else field) or "non_field_errors": [
                ErrorDetail(item["message"], code=item["code"] or "invalid") for item in items
            ]
            for field, items in errors.get_json_data().items()
        }

    if hasattr(form, "forms"):
        detail = {}
        rows = [of(inner.errors) if inner.errors else {} for inner in form.forms]
        if any(rows):
            detail["deployments"] = rows
        non_form = form.non_form_errors()
        if non_form:
            detail.setdefault("non_field_errors", []).extend(
                ErrorDetail(item["message"], code=item["code"] or "invalid")
                for item in non_form.get_json_data()
            )
        return detail
    return of(form.errors)


# --- Systems -------------------------------------------------------------------------------------


class SystemList(ApiBase, generics.ListAPIView):
    serializer_class = s.SystemSerializer

    def get_queryset(self):
        rows = RecognitionSystem.objects.filter(organization=self.organization)
        since = self.updated_since()
        if since:
            rows = rows.filter(updated_at__gte=since)
        return rows.order_by("updated_at", "pk")

    @extend_schema(
        parameters=[UPDATED_SINCE], responses={200: s.SystemSerializer(many=True), **READ_ERRORS}
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="systems_declare",
        request=s.SystemInput,
        responses={201: s.SystemSerializer, **ERRORS},
        description="Declare a system: the rules of the web form, and the duty to file follows.",
    )
    def post(self, request):
        return _declare(self, request, None)


class SystemDetail(ApiBase):
    conditional_get = True

    @extend_schema(responses={200: s.SystemSerializer, **READ_ERRORS})
    def get(self, request, pk):
        system = get_object_or_404(RecognitionSystem, pk=pk, organization=self.organization)
        return Response(s.SystemSerializer(system).data)

    @extend_schema(
        operation_id="systems_update",
        request=s.SystemInput,
        responses={200: s.SystemSerializer, **ERRORS},
        description="Update a system's declaration; fields left out keep their value.",
    )
    def patch(self, request, pk):
        system = get_object_or_404(RecognitionSystem, pk=pk, organization=self.organization)
        return _declare(self, request, system)


class SystemRetire(ApiBase):
    @extend_schema(
        operation_id="systems_retire",
        request=s.RetireInput,
        responses={200: s.SystemSerializer, **ERRORS},
        description="Declare the day the organization stopped using the system: it no longer "
        "counts, and after filing a change or the cancellation duty opens (409 if it is retired "
        "already).",
    )
    def post(self, request, pk):
        system = get_object_or_404(RecognitionSystem, pk=pk, organization=self.organization)
        inputs.strict_object(RetireSystemForm, request.data)
        if system.retired_on is not None:
            raise Conflict(
                gettext("This system was already declared retired on %(day)s.")
                % {"day": system.retired_on.isoformat()}
            )
        form = RetireSystemForm(request.data, system=system)
        if not form.is_valid():
            raise exceptions.ValidationError(form_errors(form))
        try:
            obligations.retire_system(self.organization, request.user, system, **form.cleaned_data)
        except obligations.RetirementRefused as refused:
            raise Conflict(str(refused)) from None
        system.refresh_from_db()
        return Response(s.SystemSerializer(system).data)


def _declare(view, request, system):
    inputs.strict_object(SystemForm, request.data)
    if system is not None and system.retired_on is not None:
        raise Conflict(
            gettext("This system was declared retired on %(day)s: it can no longer be updated.")
            % {"day": system.retired_on.isoformat()}
        )
    data = {}
    if system is not None:
        data = {name: getattr(system, name) for name in SystemForm.Meta.fields}
        data["count_reached_on"] = system.count_reached_on.isoformat()
    data.update(
        {key: value for key, value in request.data.items() if key in SystemForm.base_fields}
    )
    form = SystemForm(data, instance=system)
    if not form.is_valid():
        raise exceptions.ValidationError(form_errors(form))
    saved = obligations.declare_system(
        view.organization, request.user, system=system, **form.cleaned_data
    )
    saved.refresh_from_db()
    return Response(
        s.SystemSerializer(saved).data,
        status=status.HTTP_201_CREATED if system is None else status.HTTP_200_OK,
    )


# --- Duties --------------------------------------------------------------------------------------


class DutyList(ApiBase, generics.ListAPIView):
    serializer_class = s.DutySerializer

    def get_queryset(self):
        rows = Obligation.objects.filter(organization=self.organization).select_related("office")
        wanted = self.request.query_params.get("status")
        if wanted is not None:
            if wanted not in Obligation.Status.values:
                raise exceptions.ValidationError(
                    {
                        "status": [
                            ErrorDetail(
                                _("Give one of: %(choices)s.")
                                % {"choices": ", ".join(Obligation.Status.values)},
                                code="invalid_choice",
                            )
                        ]
                    }
                )
            rows = rows.filter(status=wanted)
        since = self.updated_since()
        if since:
            rows = rows.filter(updated_at__gte=since)
        return rows.order_by("updated_at", "pk")

    @extend_schema(
        parameters=[
            UPDATED_SINCE,
            OpenApiParameter("status", enum=[v for v, _l in Obligation.Status.choices]),
        ],
        responses={200: s.DutySerializer(many=True), **READ_ERRORS},
        description="The organization's duties to file, each with its deadline.",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class DutyDetail(ApiBase):
    conditional_get = True

    @extend_schema(responses={200: s.DutySerializer, **READ_ERRORS})
    def get(self, request, pk):
        duty = get_object_or_404(
            Obligation.objects.select_related("office"), pk=pk, organization=self.organization
        )
        return Response(s.DutySerializer(duty).data)


# --- Filings -------------------------------------------------------------------------------------


def _filing(view, pk) -> Filing:
    return get_object_or_404(
        Filing.objects.select_related("office", "original"), pk=pk, organization=view.organization
    )


def _detail(filing, code=status.HTTP_200_OK):
    filing = Filing.objects.select_related("office", "original").get(pk=filing.pk)
    return Response(s.FilingDetailSerializer(filing).data, status=code)


class FilingList(ApiBase, generics.ListAPIView):
    serializer_class = s.FilingSerializer

    def get_queryset(self):
        rows = Filing.objects.filter(organization=self.organization).select_related("office")
        since = self.updated_since()
        if since:
            rows = rows.filter(updated_at__gte=since)
        return rows.order_by("updated_at", "pk")

    @extend_schema(
        parameters=[UPDATED_SINCE], responses={200: s.FilingSerializer(many=True), **READ_ERRORS}
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="filings_create",
        request={"application/json": s.FILING_CREATE_SCHEMA},
        responses={201: s.FilingDetailSerializer, **ERRORS},
        description=(
            "Start a draft: the initial filing (the one in progress, if there is one), or a "
            "change or cancellation of a filed filing (`original`)."
        ),
    )
    def post(self, request):
        body = s.FilingCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        kind = body.validated_data["kind"]
        try:
            if kind == Filing.Kind.INITIAL:
                filing = services.start_initial_filing(self.organization, request.user, reuse=False)
            else:
                if "original" not in body.validated_data:
                    raise exceptions.ValidationError(
                        {"original": [ErrorDetail(_("This field is required."), code="required")]}
                    )
                original = _filing(self, body.validated_data["original"])
                filing = services.start_follow_up(original, request.user, kind, reuse=False)
        except services.FilingInProgress as existing:
            url = request.build_absolute_uri(reverse("api_filing", args=[existing.filing.pk]))
            raise FilingExists(existing.message, url) from None
        except services.FilingError as error:
            raise Conflict(error.message) from None
        response = _detail(filing, status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(reverse("api_filing", args=[filing.pk]))
        return response


class FilingDetail(ApiBase):
    conditional_get = True

    @extend_schema(
        responses={200: s.FilingDetailSerializer, **READ_ERRORS},
        description="The filing, its steps, content, attachments, documents and (while it can "
        "be edited) the findings of the checks the review page shows.",
    )
    def get(self, request, pk):
        return _detail(_filing(self, pk))

    @extend_schema(
        operation_id="filings_delete_draft",
        request=None,
        responses={204: None, **ERRORS},
        description="Delete a draft that was never submitted, with the files uploaded to it (the "
        "web's draft page does the same); the duty it answered stays open. 409 for any other "
        "status: a submitted filing is withdrawn instead.",
    )
    def delete(self, request, pk):
        filing = _filing(self, pk)
        try:
            services.delete_draft(filing.pk, request.user)
        except services.FilingError as error:
            raise Conflict(error.message, code="not_a_draft") from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class StepView(ApiBase):
    """One step of a filing, validated by the web form of that step and saved by the same verb."""

    step = ""
    parser_classes = [JSONParser]

    def put(self, request, pk):
        filing = _filing(self, pk)
        if self.step not in steps.STEPS_BY_KIND[filing.kind]:
            raise exceptions.NotFound(
                _("A %(kind)s has no such step.") % {"kind": filing.get_kind_display()},
                code="no_such_step",
            )
        if not filing.editable:
            raise Conflict(
                _("This filing is %(status)s; it can be edited only as a draft or when returned.")
                % {"status": filing.get_status_display()}
            )
        previous = filing.data.get(self.step, [] if self.step == "deployments" else {})
        if self.step == "deployments":
            places = inputs.strict_list(DeploymentForm, request.data, "deployments")
            data = {
                "deployments-TOTAL_FORMS": str(len(places)),
                "deployments-INITIAL_FORMS": "0",
            }
            for number, place in enumerate(places):
                data.update({f"deployments-{number}-{k}": v for k, v in place.items()})
            form = DeploymentFormSet(data, prefix="deployments")
        else:
            form_class = STEP_FORMS[self.step]
            # The stored section as initial: an ID number sent back masked keeps the stored one.
            form = form_class(
                dict(inputs.strict_object(form_class, request.data)),
                initial=form_class.initial_from(previous),
            )
        if not form.is_valid():
            raise exceptions.ValidationError(form_errors(form))
        section = steps.section_from(self.step, form, previous)
        try:
            services.save_step(filing, request.user, self.step, section, complete=True)
        except services.FilingError as error:
            raise Conflict(error.message) from None
        return _detail(filing)


def step_view(step):
    if step == "deployments":
        body = s.DeploymentInput(many=True, min_length=1)
    else:
        body = s.STEP_SERIALIZERS[step]

    def put(self, request, pk):
        return StepView.put(self, request, pk)

    documented = extend_schema(
        operation_id=f"filings_step_{step}",
        request=body,
        responses={200: s.FilingDetailSerializer, **ERRORS},
        description=f"Fill the step `{step}` with the web form's validation; the response "
        "carries the filing's findings.",
        tags=["filings"],
    )(put)
    name = f"{step.title().replace('_', '')}StepView"
    return type(name, (StepView,), {"step": step, "put": documented})


class AttachmentList(ApiBase):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="filings_attachments",
        responses={200: s.AttachmentSerializer(many=True), **READ_ERRORS},
        description="The filing's current attachments (those withdrawn from a draft aside).",
    )
    def get(self, request, pk):
        filing = _filing(self, pk)
        rows = services.current_attachments(filing).order_by("uploaded_at", "pk")
        return Response(s.AttachmentSerializer(rows, many=True).data)

    @extend_schema(
        operation_id="filings_attach",
        request={"multipart/form-data": s.AttachmentInput},
        responses={201: s.AttachmentSerializer, **ERRORS},
        description="Attach a file (PDF, JPEG or PNG, at most 20 MB), checked as on the web.",
    )
    def post(self, request, pk):
        filing = _filing(self, pk)
        if not filing.editable:
            raise Conflict(_("Attachments can be changed only in a draft."))
        form = AttachmentForm(request.POST, request.FILES)
        if not form.is_valid():
            raise exceptions.ValidationError(form_errors(form))
        try:
            attachment = attachments.store(
                filing, request.user, form.cleaned_data["kind"], form.cleaned_data["file"]
            )
        except services.FilingError as error:
            raise Conflict(error.message) from None
        except DjangoValidationError as error:
            raise exceptions.ValidationError(
                {"file": [ErrorDetail(m, code="invalid_file") for m in error.messages]}
            ) from None
        return Response(s.AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class AttachmentDetail(ApiBase):
    @extend_schema(operation_id="filings_detach", responses={204: None, **ERRORS})
    def delete(self, request, pk, attachment_id):
        filing = _filing(self, pk)
        attachment = get_object_or_404(services.current_attachments(filing), pk=attachment_id)
        try:
            services.withdraw_attachment(attachment, request.user)
        except services.FilingError as error:
            raise Conflict(error.message) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class FileNegotiation(DefaultContentNegotiation):
    """A download answers with its file whatever the client accepts (``Accept: application/pdf``
    included), and with JSON when it is an error."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class AttachmentFile(ApiBase):
    content_negotiation_class = FileNegotiation

    @extend_schema(
        operation_id="filings_attachment_download",
        responses={
            (200, content_type): OpenApiResponse(
                OpenApiTypes.BINARY, description="The file as uploaded (PDF, JPEG or PNG)"
            )
            for content_type in ("application/pdf", "image/jpeg", "image/png")
        }
        | READ_ERRORS
        | {409: OpenApiResponse(s.ErrorResponse, description="The " + FILE_REFUSED[4:])}
        | GONE,
    )
    def get(self, request, pk, attachment_id):
        filing = _filing(self, pk)
        attachment = get_object_or_404(services.current_attachments(filing), pk=attachment_id)
        try:
            return documents.served_attachment(attachment, request)
        except storage.FileGone as gone:
            raise Gone(gone.purged_at) from None


class Withdraw(ApiBase):
    @extend_schema(
        operation_id="filings_withdraw",
        request=s.WithdrawInput,
        responses={200: s.FilingDetailSerializer, **ERRORS},
        description="Take back a submitted filing that the office has not started to review; "
        "its duty to file is open again.",
    )
    def post(self, request, pk):
        filing = _filing(self, pk)
        body = s.WithdrawInput(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            services.withdraw_filing(filing.pk, request.user, body.validated_data["reason"])
        except services.FilingError as error:
            raise Conflict(error.message) from None
        return _detail(filing)


class Refile(ApiBase):
    @extend_schema(
        operation_id="filings_refile",
        request=None,
        responses={201: s.FilingDetailSerializer, **ERRORS},
        description="File again after a refusal, a withdrawal or a revocation: a new draft from "
        "what was last submitted (409 names the one already started).",
    )
    def post(self, request, pk):
        source = _filing(self, pk)
        try:
            filing = services.start_refiling(source, request.user, reuse=False)
        except services.FilingInProgress as existing:
            url = request.build_absolute_uri(reverse("api_filing", args=[existing.filing.pk]))
            raise FilingExists(existing.message, url) from None
        except services.FilingError as error:
            raise Conflict(error.message) from None
        response = _detail(filing, status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(reverse("api_filing", args=[filing.pk]))
        return response


MESSAGE_ACTIONS = [
    FilingEvent.Action.MESSAGE_FROM_OFFICE,
    FilingEvent.Action.MESSAGE_FROM_ORGANIZATION,
]


class Messages(ApiBase):
    @extend_schema(
        operation_id="filings_messages",
        responses={200: s.MessageSerializer(many=True), **READ_ERRORS},
        description="The messages between the organization and the office on this filing.",
    )
    def get(self, request, pk):
        filing = _filing(self, pk)
        rows = filing.events.filter(action__in=MESSAGE_ACTIONS).order_by("created_at", "pk")
        return Response(s.MessageSerializer(rows, many=True).data)

    @extend_schema(
        operation_id="filings_message",
        request=s.MessageInput,
        responses={201: s.MessageSerializer, **ERRORS},
        description="Write to the office about a submitted filing (emailed to its reviewers).",
    )
    def post(self, request, pk):
        filing = _filing(self, pk)
        body = s.MessageInput(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            event = services.post_message(
                filing.pk, request.user, body.validated_data["body"], from_office=False
            )
        except services.FilingError as error:
            raise Conflict(error.message) from None
        return Response(s.MessageSerializer(event).data, status=status.HTTP_201_CREATED)


class Submit(ApiBase):
    @extend_schema(
        operation_id="filings_submit",
        request=s.DeclarationInput,
        responses={200: s.FilingDetailSerializer, **ERRORS},
        description="Make the declaration and submit. Refused (409) with the errors of the "
        "checks while any remain (a step not saved, a missing report...), as on the review "
        "page; 400 is for a body that is not the declaration.",
    )
    def post(self, request, pk):
        filing = _filing(self, pk)
        if not filing.editable:
            raise Conflict(_("This filing has already been submitted."))
        form = DeclarationStep(inputs.strict_object(DeclarationStep, request.data))
        if not form.is_valid():
            raise exceptions.ValidationError(form_errors(form))
        try:
            services.save_step(filing, request.user, "declaration", form.section())
            services.submit_filing(filing.pk, request.user)
        except services.SubmissionBlocked as blocked:
            from filings.law import compliance

            raise SubmissionBlocked(
                {
                    "non_field_errors": [
                        ErrorDetail(str(f.message), code=f.code)
                        for f in compliance.errors(blocked.findings)
                    ]
                }
            ) from None
        except services.FilingError as error:
            raise Conflict(error.message) from None
        return _detail(filing)


# --- Documents -----------------------------------------------------------------------------------


class DocumentList(ApiBase, generics.ListAPIView):
    serializer_class = s.DocumentSerializer
    cursor_field = "created_at"

    def get_queryset(self):
        rows = Document.objects.filter(filing__organization=self.organization).select_related(
            "version"
        )
        since = self.updated_since()
        if since:
            rows = rows.filter(Q(created_at__gte=since) | Q(generated_at__gte=since))
        return rows.order_by("created_at", "pk")

    @extend_schema(
        parameters=[UPDATED_SINCE],
        responses={200: s.DocumentSerializer(many=True), **READ_ERRORS},
        description="The PDFs the portal makes: the filing form on submission, the office's "
        "notices. `status` is `ready` once it can be downloaded.",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class DocumentFile(ApiBase):
    content_negotiation_class = FileNegotiation

    @extend_schema(
        operation_id="documents_download",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF"),
            **READ_ERRORS,
            409: OpenApiResponse(
                s.ErrorResponse,
                description="The document is not ready yet (`document_not_ready`), or "
                + FILE_REFUSED,
            ),
            **GONE,
        },
    )
    def get(self, request, pk):
        document = get_object_or_404(
            Document.objects.select_related("version", "filing"),
            pk=pk,
            filing__organization=self.organization,
        )
        if document.status != Document.Status.READY:
            raise Conflict(
                _("The document is not ready yet (%(status)s); ask again in a moment.")
                % {"status": document.get_status_display()},
                code="document_not_ready",
            )
        try:
            return documents.served(document, request)
        except storage.FileGone as gone:
            raise Gone(gone.purged_at) from None


# --- Notifications -------------------------------------------------------------------------------


class NotificationList(ApiBase, generics.ListAPIView):
    """What happened to the organization's filings: submissions, the office's decisions (with
    their reasons), messages from the office, withdrawals."""

    serializer_class = s.NotificationSerializer
    cursor_field = "created_at"

    def get_queryset(self):
        rows = (
            FilingEvent.objects.filter(filing__organization=self.organization)
            .exclude(action__endswith="_downloaded")
            .exclude(action__in=FilingEvent.OFFICE_INTERNAL)
            .select_related("filing")
        )
        since = self.updated_since()
        if since:
            rows = rows.filter(created_at__gte=since)
        return rows.order_by("created_at", "pk")

    @extend_schema(
        parameters=[UPDATED_SINCE],
        responses={200: s.NotificationSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- Anyone: the public self-check ---------------------------------------------------------------


class SelfCheck(ApiBase):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [throttling.PublicRateThrottle]

    @extend_schema(
        operation_id="self_check",
        auth=[],
        parameters=[s.SelfCheckQuery],
        responses={200: s.SelfCheckSerializer, **{code: ERRORS[code] for code in (400, 429)}},
        description="Whether an organization must file, with which office and by when, under the "
        "rule set in force, from a few answers; no token needed (the page /check/).",
    )
    def get(self, request):
        form = SelfCheckForm(request.query_params)
        if not form.is_valid():
            raise exceptions.ValidationError(form_errors(form))
        verdict = self_check.check(form.answers(), current_regime())
        data = {
            "must_file": verdict.must_file,
            "rule_set": verdict.regime.code,
            "office": {"code": verdict.office_code, "name": verdict.office_name},
            "deadline": verdict.deadline,
            "deadline_final": verdict.deadline_final,
            "why": verdict.why,
            "rule": str(verdict.rule),
        }
        return Response(s.SelfCheckSerializer(data).data)


# --- Who the token acts for ----------------------------------------------------------------------


class OrganizationView(ApiBase):
    @extend_schema(
        operation_id="organization",
        responses={200: s.OrganizationSerializer, **READ_ERRORS},
        description="The organization the token belongs to, the administrator it acts for, "
        "its scope and the limits that apply.",
    )
    def get(self, request):
        from django.conf import settings

        token, organization = request.auth, self.organization
        data = {
            "id": organization.pk,
            "name": organization.name,
            "uscc": organization.uscc,
            "address_division": organization.address_division,
            "acting_as": request.user.email,
            "token": {"name": token.name, "scope": token.scope, "created_at": token.created_at},
            "limits": {
                "calls_per_token": throttling.TokenRateThrottle().rate,
                "calls_per_organization": throttling.OrganizationRateThrottle().rate,
                "active_tokens": organization.api_tokens.filter(revoked_at__isnull=True).count(),
                "max_active_tokens": settings.API_TOKENS_PER_ORGANIZATION,
                "max_page_size": 200,
                "idempotency_hours": settings.IDEMPOTENCY_HOURS,
            },
        }
        return Response(s.OrganizationSerializer(data).data)


# --- Anything else under /api/ -------------------------------------------------------------------


class NotFoundView(APIView):
    schema = None
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    def initial(self, request, *args, **kwargs):
        activate_language(request._request)
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ["Accept-Language"])
        return response

    def dispatch_missing(self, request, *args, **kwargs):
        raise exceptions.NotFound(_("No such address in the API."), code="not_found")

    get = post = put = patch = delete = dispatch_missing
