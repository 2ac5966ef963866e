"""API requests too long to be read: refused before anything reads them, in the API's error
shape. The pages keep their own checks (portal.middleware: a query value over MAX_QUERY_VALUE)."""

from django.utils.translation import gettext_noop as _noop

# What gunicorn refused before Django saw anything (its defaults): a longer request line or
# header field is now let through by gunicorn (gunicorn.conf.py) up to its own hard limits and
# refused here, in the API's error shape under /api/.
MAX_REQUEST_LINE = 4094
MAX_HEADER_FIELD = 8190


def request_line_length(request) -> int:
    """Bytes of ``METHOD URI HTTP/x.y`` as the client sent it (gunicorn passes the URI as sent in
    RAW_URI; elsewhere it is rebuilt, quoted as it travels)."""
    uri = request.META.get("RAW_URI") or request.get_full_path()
    protocol = request.META.get("SERVER_PROTOCOL", "HTTP/1.1")
    return len(request.method) + 1 + len(uri.encode("utf-8", "replace")) + 1 + len(protocol)


def longest_header_field(request) -> int:
    """Bytes of the longest ``Name: value`` header line of the request."""
    longest = 0
    for key, value in request.META.items():
        if key.startswith("HTTP_") or key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            size = len(key) - (5 if key.startswith("HTTP_") else 0) + 2 + len(str(value))
            longest = max(longest, size)
    return longest


class OverlongRequestMiddleware:
    """Under /api/, a request line longer than MAX_REQUEST_LINE bytes is a 414, a header field
    longer than MAX_HEADER_FIELD a 431, in the API's error shape. These were gunicorn's limits,
    answered with gunicorn's HTML page before the portal saw the request; gunicorn.conf.py raises
    them to gunicorn's hard maximum so that the portal answers instead (beyond that maximum
    gunicorn still answers: README, REST API)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        if request_line_length(request) > MAX_REQUEST_LINE:
            return self.refuse(
                request,
                414,
                "uri_too_long",
                "The request line is longer than %(limit)d bytes: send long data in the body.",
                MAX_REQUEST_LINE,
            )
        if longest_header_field(request) > MAX_HEADER_FIELD:
            return self.refuse(
                request,
                431,
                "header_too_large",
                "A request header is longer than %(limit)d bytes.",
                MAX_HEADER_FIELD,
            )
        return self.get_response(request)

    @staticmethod
    def refuse(request, status, code, text, limit):
        from django.utils.translation import gettext

        from api.errors import api_error_response
        from api.views import activate_language

        activate_language(request)
        return api_error_response(request, status, code, gettext(text) % {"limit": limit})


# Marked for makemessages: translated in refuse(), once the reader's language is known.
OVERLONG_MESSAGES = [
    _noop("The request line is longer than %(limit)d bytes: send long data in the body."),
    _noop("A request header is longer than %(limit)d bytes."),
]
