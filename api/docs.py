"""The API's documentation page: Swagger UI from the drf-spectacular-sidecar package (served
from the portal's static files, no CDN), its start-up script from a URL of its own (the split
view), so that no script is inline."""

from django.conf import settings
from drf_spectacular.views import SpectacularSwaggerSplitView

# Only for this page, and only for styles: Swagger UI sets style attributes in the markup it
# renders. Scripts stay 'self' only, as everywhere else.
DOCS_POLICY = settings.CONTENT_SECURITY_POLICY.replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)


class SwaggerView(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.GET.get("script") is None:
            response.headers["Content-Security-Policy"] = DOCS_POLICY
        return response
