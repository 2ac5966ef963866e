"""What the published schema says beyond what drf-spectacular reads from the views: every status
each operation can answer, in the API's one error shape, and the headers every answer carries.
A client (or a schema-driven tester) then meets no answer the schema did not announce."""

from django.conf import settings
from drf_spectacular.views import SpectacularAPIView

from filings.documents.documents import content_disposition

ERROR = {"$ref": "#/components/schemas/ErrorResponse"}
ALWAYS = {
    "400": "Invalid input: a parameter or the body (each error names its field), or text that "
    "no database can hold (a NUL character)",
    "401": "No token, or a bad or revoked one",
    "405": "Method not allowed (the Allow header lists those that are)",
    "406": "Not acceptable: the API answers in JSON (and downloads as their files)",
    "414": "The request line is longer than 4094 bytes",
    "431": "A request header is longer than 8190 bytes",
    "429": "Too many calls with this token or this organization (see Retry-After)",
}
WRITES = {
    "403": "A read token tried to change something",
    "409": "Not possible in the current state",
    "413": "The body is larger than the portal accepts",
    "415": "Unsupported media type: send the body as the operation says",
    "422": "This Idempotency-Key was used with another body",
}
OBJECT = {"404": "Not in the token's organization"}
HEADERS = {
    "X-Request-ID": {
        "description": "The request's id: the client's own, or one made for it",
        "schema": {"type": "string"},
    },
    "RateLimit-Limit": {
        "description": "Calls allowed in the window (IETF draft)",
        "schema": {"type": "integer"},
    },
    "RateLimit-Remaining": {
        "description": "Calls left in the window",
        "schema": {"type": "integer"},
    },
    "RateLimit-Reset": {
        "description": "Seconds until the window frees a call",
        "schema": {"type": "integer"},
    },
}
# The detail reads that answer If-None-Match (api.views.ApiBase.conditional_get).
CONDITIONAL = {"systems_retrieve", "duties_retrieve", "filings_retrieve"}
# Described, not declared as a parameter: a generated client (or tester) would send made-up keys
# that collide across different bodies.
IDEMPOTENCY_NOTE = (
    "Send an `Idempotency-Key` header (1-255 visible ASCII characters) to make the call safe to "
    f"repeat: the same key with the same body gives the first answer again for "
    f"{settings.IDEMPOTENCY_HOURS} hours (`Idempotent-Replayed: true`) instead of doing the work "
    "twice; the same key with another body is a 422."
)


def complete_responses(result, generator, request, public):
    """drf-spectacular's postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            statuses = dict(ALWAYS)
            if method != "get":
                statuses.update(WRITES)
            if "{" in path:
                statuses.update(OBJECT)
            for status, description in statuses.items():
                responses.setdefault(
                    status,
                    {
                        "content": {"application/json": {"schema": ERROR}},
                        "description": description,
                    },
                )
            for response in responses.values():
                response.setdefault("headers", {}).update(HEADERS)
            if operation.get("operationId") in CONDITIONAL:
                responses.setdefault(
                    "304",
                    {
                        "description": "Not modified: If-None-Match named the current ETag, or "
                        "nothing changed since If-Modified-Since"
                    },
                )
                responses["200"].setdefault("headers", {})["ETag"] = {
                    "description": "The version of this answer, for If-None-Match",
                    "schema": {"type": "string"},
                }
                responses["200"]["headers"]["Last-Modified"] = {
                    "description": "When the object last changed, for If-Modified-Since",
                    "schema": {"type": "string"},
                }
            if operation.get("operationId") == "filings_step_deployments":
                body = operation["requestBody"]["content"]["application/json"]["schema"]
                body["minItems"] = 1  # the form wants at least one place
            if method == "post":
                operation["description"] = (
                    operation.get("description", "") + "\n\n" + IDEMPOTENCY_NOTE
                ).strip()
    return result


class SchemaView(SpectacularAPIView):
    """The schema, downloaded under an ASCII file name as well as its own (the title is in
    Chinese: drf-spectacular's header held it as an RFC 2047 encoded word, no valid value)."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if "Content-Disposition" in response:
            extension = "json" if "json" in response.get("Content-Type", "") else "yaml"
            response["Content-Disposition"] = content_disposition(
                f"{settings.SPECTACULAR_SETTINGS['TITLE']}.{extension}", inline=True
            )
        return response
