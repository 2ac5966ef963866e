"""What the API returns, and (for the schema) what it accepts. What it accepts is validated by the
portal's own forms, never here: the serializers of a step's body are made from the step's form."""

from django import forms
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from filings.forms.filing_steps import STEP_FORMS, DeclarationStep, DeploymentForm
from filings.forms.self_check import SelfCheckForm
from filings.forms.systems import RetireSystemForm, SystemForm
from filings.forms.uploads import AttachmentForm
from filings.law import steps
from filings.models import (
    Attachment,
    Document,
    Filing,
    FilingEvent,
    Jurisdiction,
    Obligation,
    RecognitionSystem,
)


@extend_schema_field({"type": "boolean", "enum": [True]})
class MustBeTrueField(serializers.BooleanField):
    """A box that must be ticked (a required BooleanField of a form): only ``true`` is valid."""


def _field_for(form_field):
    common = {"required": form_field.required, "help_text": str(form_field.help_text or "")}
    if isinstance(form_field, forms.MultipleChoiceField):
        return serializers.ListField(
            child=serializers.ChoiceField(choices=list(form_field.choices)),
            min_length=1 if form_field.required else None,
            **common,
        )
    if isinstance(form_field, forms.ChoiceField):
        flat = []  # groups (a province and its cities) are flattened: a value is a value
        for key, value in form_field.choices:
            flat += list(value) if isinstance(value, list | tuple) else [(key, value)]
        return serializers.ChoiceField(
            choices=[(k, v) for k, v in flat if k != ""],
            allow_blank=not form_field.required,
            **common,
        )
    if isinstance(form_field, forms.BooleanField):
        if form_field.required:
            return MustBeTrueField(**common)
        return serializers.BooleanField(**common)
    if isinstance(form_field, forms.IntegerField):
        return serializers.IntegerField(
            min_value=form_field.min_value, max_value=form_field.max_value, **common
        )
    if isinstance(form_field, forms.DateField):
        return serializers.DateField(**common)
    if isinstance(form_field, forms.EmailField):
        return serializers.EmailField(**common)
    if isinstance(form_field, forms.FileField):
        return serializers.FileField(**common)
    return serializers.CharField(
        max_length=getattr(form_field, "max_length", None),
        allow_blank=not form_field.required,
        **common,
    )


def serializer_for_form(form_class, name: str):
    """A serializer with the fields of a form: for the schema only."""
    fields = {key: _field_for(field) for key, field in form_class.base_fields.items()}
    return type(name, (serializers.Serializer,), fields)


STEP_SERIALIZERS = {
    step: serializer_for_form(form_class, f"{form_class.__name__}Input")
    for step, form_class in STEP_FORMS.items()
}
DeploymentInput = serializer_for_form(DeploymentForm, "DeploymentInput")
DeclarationInput = serializer_for_form(DeclarationStep, "DeclarationInput")
AttachmentInput = serializer_for_form(AttachmentForm, "AttachmentInput")
SystemInput = serializer_for_form(SystemForm, "SystemInput")


class OfficeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Jurisdiction
        fields = ["code", "name"]


class SystemSerializer(serializers.ModelSerializer):
    class Meta:
        model = RecognitionSystem
        fields = [
            "id",
            "name",
            "people_stored",
            "used_in_public_place",
            "count_reached_on",
            "research_only",
            "retired_on",
            "created_at",
            "updated_at",
        ]


RetireInput = serializer_for_form(RetireSystemForm, "RetireInput")


class DutySerializer(serializers.ModelSerializer):
    office = OfficeSerializer()

    class Meta:
        model = Obligation
        fields = [
            "id",
            "kind",
            "status",
            "regime",
            "office",
            "trigger_date",
            "deadline",
            "deadline_final",
            "reason",
            "created_at",
            "updated_at",
            "closed_at",
        ]


class FilingSerializer(serializers.ModelSerializer):
    office = OfficeSerializer()
    status_display = serializers.CharField(source="get_status_display")

    class Meta:
        model = Filing
        fields = [
            "id",
            "kind",
            "status",
            "status_display",
            "regime",
            "office",
            "original",
            "receipt_number",
            "filing_number",
            "deadline",
            "late",
            "submitted_at",
            "review_due",
            "correction_deadline",
            "filed_at",
            "completed_steps",
            "created_at",
            "updated_at",
        ]


class StepSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    number = serializers.IntegerField()
    complete = serializers.BooleanField()


class FindingSerializer(serializers.Serializer):
    code = serializers.CharField()
    severity = serializers.ChoiceField(choices=["error", "warning"])
    step = serializers.CharField()
    message = serializers.CharField()


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = [
            "id",
            "kind",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "uploaded_at",
            "purged_at",
        ]


class DocumentSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="version.number")

    class Meta:
        model = Document
        fields = [
            "id",
            "filing",
            "kind",
            "version",
            "language",
            "status",
            "size",
            "sha256",
            "created_at",
            "generated_at",
            "purged_at",
        ]


class MaskedContent(serializers.JSONField):
    """A filing's content with the ID numbers masked (the full number is never sent)."""

    def to_representation(self, value):
        from filings.registry.identifiers import masked_content

        return super().to_representation(masked_content(value))


class FilingDetailSerializer(FilingSerializer):
    steps = serializers.SerializerMethodField()
    data = MaskedContent(
        help_text="The content; the responsible person's ID number is masked (110105********002X)."
    )
    purged_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When the retention rules deleted the files and personal details (null: not)",
    )
    attachments = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()
    findings = serializers.SerializerMethodField()

    class Meta(FilingSerializer.Meta):
        fields = [
            *FilingSerializer.Meta.fields,
            "steps",
            "data",
            "purged_at",
            "attachments",
            "documents",
            "findings",
        ]

    def get_steps(self, filing) -> StepSerializer(many=True):
        return StepSerializer(steps.steps_of(filing), many=True).data

    def get_attachments(self, filing) -> AttachmentSerializer(many=True):
        from filings.lifecycle import services

        return AttachmentSerializer(services.current_attachments(filing), many=True).data

    def get_documents(self, filing) -> DocumentSerializer(many=True):
        rows = filing.documents.select_related("version").order_by("created_at", "pk")
        return DocumentSerializer(rows, many=True).data

    def get_findings(self, filing) -> FindingSerializer(many=True):
        """While the filing can be edited: what the review page lists (errors block the
        submission, warnings go to the reviewer)."""
        from filings.lifecycle import services

        if not filing.editable:
            return []
        return [
            {
                "code": finding.code,
                "severity": finding.severity,
                "step": finding.step,
                "message": str(finding.message),
            }
            for finding in services.submission_findings(filing)
        ]


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only: not "12", not 12.0, not true."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictChoiceField(serializers.ChoiceField):
    """One of the choices, as a JSON string."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class StrictCharField(serializers.CharField):
    """Text as a JSON string only: not 123, not a list."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class WithdrawInput(serializers.Serializer):
    reason = StrictCharField(
        max_length=5000, help_text="Why the filing is withdrawn: the office reads it."
    )


class MessageInput(serializers.Serializer):
    body = StrictCharField(max_length=5000, help_text="The message to the office.")


class MessageSerializer(serializers.ModelSerializer):
    sender = serializers.SerializerMethodField()
    body = serializers.CharField(source="note")

    class Meta:
        model = FilingEvent
        fields = ["id", "filing", "sender", "body", "created_at"]

    def get_sender(self, event) -> str:
        if event.action == FilingEvent.Action.MESSAGE_FROM_OFFICE:
            return "office"
        return "organization"


class TokenSummarySerializer(serializers.Serializer):
    name = serializers.CharField()
    scope = serializers.ChoiceField(choices=["read", "write"])
    created_at = serializers.DateTimeField()


class LimitsSerializer(serializers.Serializer):
    calls_per_token = serializers.CharField(help_text="e.g. 120/min")
    calls_per_organization = serializers.CharField(help_text="All its tokens together.")
    active_tokens = serializers.IntegerField()
    max_active_tokens = serializers.IntegerField()
    max_page_size = serializers.IntegerField()
    idempotency_hours = serializers.IntegerField()


class OrganizationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    uscc = serializers.CharField()
    address_division = serializers.CharField()
    acting_as = serializers.CharField(help_text="The administrator the token acts for.")
    token = TokenSummarySerializer()
    limits = LimitsSerializer()


class FilingCreateSerializer(serializers.Serializer):
    kind = StrictChoiceField(choices=Filing.Kind.choices, default=Filing.Kind.INITIAL)
    original = StrictIntegerField(
        required=False,
        min_value=1,
        max_value=2_147_483_647,
        help_text="The filed filing a change or a cancellation is about: required for a "
        "`change` or a `cancellation`.",
    )


class NotificationSerializer(serializers.ModelSerializer):
    receipt_number = serializers.CharField(source="filing.receipt_number", allow_null=True)
    action_display = serializers.CharField(source="get_action_display")
    description = serializers.CharField(source="organization_description")

    class Meta:
        model = FilingEvent
        fields = [
            "id",
            "filing",
            "receipt_number",
            "action",
            "action_display",
            "from_status",
            "to_status",
            "description",
            "created_at",
        ]


class ErrorItem(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    field = serializers.CharField(allow_null=True)


class ErrorResponse(serializers.Serializer):
    errors = ErrorItem(many=True)


# What POST /filings/ takes, with its condition: ``original`` is required for a change or a
# cancellation (the serializer above reads it; this states the rule in the schema).
FILING_CREATE_SCHEMA = {
    "oneOf": [
        {
            "type": "object",
            "title": "Initial",
            "properties": {"kind": {"type": "string", "enum": ["initial"], "default": "initial"}},
        },
        {
            "type": "object",
            "title": "Change or cancellation",
            "properties": {
                "kind": {"type": "string", "enum": ["change", "cancellation"]},
                "original": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 2_147_483_647,
                    "description": "The filed filing the change or cancellation is about.",
                },
            },
            "required": ["kind", "original"],
        },
    ]
}


SelfCheckQuery = serializer_for_form(SelfCheckForm, "SelfCheckQuery")


class SelfCheckOffice(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class SelfCheckSerializer(serializers.Serializer):
    must_file = serializers.BooleanField()
    rule_set = serializers.CharField(help_text="FILING_REGIME: cac-2023-draft or cac-2025-measures")
    office = SelfCheckOffice()
    deadline = serializers.DateField(allow_null=True)
    deadline_final = serializers.BooleanField()
    why = serializers.CharField()
    rule = serializers.CharField()
