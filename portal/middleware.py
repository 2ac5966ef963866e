import json
import re

from django.conf import settings
from django.http import QueryDict
from django.utils import translation


class ChineseFirstLocaleMiddleware:
    """Chinese unless the person chose otherwise.

    Django's LocaleMiddleware follows the browser's Accept-Language, so an English-language
    browser would get an English portal. A Chinese government portal shows Chinese first; English
    is a choice, kept in a cookie by the language switch and on the user's account for emails.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        response.headers.setdefault("Vary", "Cookie")
        return response


NUL = "\x00"
NUL_REFUSED = (
    "It contained a NUL character (U+0000), which no text in the portal may hold, so nothing was "
    "saved. Go back, remove it (it usually comes with text copied from another program) and send "
    "it again."
)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def unstorable(text: str) -> bool:
    """A NUL character, or half of a UTF-16 pair: neither can be stored in PostgreSQL's text nor
    encoded as UTF-8. Form fields and query strings never hold the second (Django decodes them
    replacing what is not UTF-8); a JSON body may."""
    return NUL in text or _LONE_SURROGATE.search(text) is not None


def _json_strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)


# Characters: at most 4 bytes each in UTF-8, so a LIKE pattern of one stays under SQLite's limit.
MAX_QUERY_VALUE = 10_000


# The admin's filters take any lookup on a filtered field (``groups__in=1,2``): a number past
# 64 bits there reaches the database, which cannot hold it (SQLite: OverflowError, a 500). Its
# search (``q``) matches text only.
ADMIN_PATH = "/admin/"
_INTEGER = re.compile(r"-?\d+")


def _out_of_range_number(query) -> bool:
    for name, values in query.lists():
        if name == "q":
            continue
        for value in values:
            for part in value.split(","):
                part = part.strip()
                if len(part) > 18 and _INTEGER.fullmatch(part) and abs(int(part)) >= 2**63:
                    return True
    return False


API_PATH = "/api/"


def too_long_query(request) -> bool:
    return any(
        len(value) > MAX_QUERY_VALUE for _name, values in request.GET.lists() for value in values
    )


def unstorable_request(request) -> bool:
    """Whether the request's path, query, form fields, file names or JSON body hold text that no
    database column can: see RefuseUnstorableTextMiddleware."""
    if unstorable(request.path):
        return True
    for query in (request.GET, request.POST if request.method == "POST" else QueryDict()):
        for name, values in query.lists():
            if unstorable(name) or any(unstorable(value) for value in values):
                return True
    if request.method == "POST":
        for name, files in request.FILES.lists():
            if unstorable(name) or any(unstorable(f.name or "") for f in files):
                return True
    if request.content_type == "application/json" and request.body:
        try:
            payload = json.loads(request.body)
        except ValueError:
            return False  # not JSON: for the view to refuse
        return any(unstorable(text) for text in _json_strings(payload))
    return False


def render_400(request, context):
    from django.shortcuts import render

    return render(request, "400.html", context, status=400)


class RefuseUnstorableTextMiddleware:
    """The one place where text that no database column can hold is turned away, for every form,
    the admin (its search and filter parameters included) and any API: a request with a NUL
    character in its path, its query string, its form fields, the names of its files or its JSON
    body is answered 400 with a page that says what was wrong, before any view or query sees it.
    The REST API (``/api/``) makes the same checks in its views, once the caller is known.
    (On PostgreSQL such a value was a 500 wherever it reached a query or a JSON column.)

    A cookie holding one is dropped instead: no one types cookies, and a refused request would
    not remove it.

    A query parameter longer than MAX_QUERY_VALUE characters is refused the same way: no search,
    filter or link of the portal needs one, and SQLite refuses a LIKE pattern of more than 50,000
    bytes (the admin's search of a 70,000-character term was a 500).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for name in [name for name, value in request.COOKIES.items() if unstorable(name + value)]:
            del request.COOKIES[name]
        if request.path.startswith(API_PATH):
            # The REST API makes the same checks (api.views.ApiBase), after authentication and
            # the token's scope: an anonymous caller learns nothing about its input but 401.
            return self.get_response(request)
        if too_long_query(request):
            return render_400(request, {"too_long": True, "limit": MAX_QUERY_VALUE})
        if request.path.startswith(ADMIN_PATH) and _out_of_range_number(request.GET):
            return render_400(request, {"huge_number": True})
        if unstorable_request(request):
            return self._refusal(request)
        return self.get_response(request)

    def _refusal(self, request):
        from django.http import JsonResponse
        from django.utils.translation import gettext

        if request.content_type == "application/json":
            # An API client reads JSON: the same words, in the same language.
            return JsonResponse(
                {"error": "unstorable_text", "detail": gettext(NUL_REFUSED)}, status=400
            )
        return render_400(request, {"nul": True})


class ContentSecurityPolicyMiddleware:
    """Sends settings.CONTENT_SECURITY_POLICY with every response: scripts, styles, images and
    fonts from the portal's own origin only (plus data: images: Bootstrap's icons), no inline
    script or style, no eval, no framing. A response that already has one keeps it.

    Django's debug pages (DEBUG=1, errors only) are made of inline script and style: they are left
    without the header rather than shown broken.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if settings.DEBUG and response.status_code >= 400:
            return response
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


class DamagedFileMiddleware:
    """A download whose stored bytes no longer match their recorded SHA-256 (portal.storage) is
    refused with a page that says so, from the filer's pages and the review workspace (the API
    answers in its own error shape, api/errors.py); portal.storage has logged it for the
    operator."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.http import HttpResponse
        from django.utils import timezone
        from django.utils.translation import gettext

        from portal.storage import FileDamaged, FileGone

        if isinstance(exception, FileGone):
            return HttpResponse(
                gettext(
                    "This file was deleted on %(date)s, when its retention period ended; the "
                    "filing's record and history are kept."
                )
                % {"date": timezone.localdate(exception.purged_at).isoformat()},
                status=410,
                content_type="text/plain; charset=utf-8",
            )
        if not isinstance(exception, FileDamaged):
            return None
        return HttpResponse(
            stored_file_refused(exception), status=500, content_type="text/plain; charset=utf-8"
        )


def stored_file_refused(exception) -> str:
    """What a reader is told of a stored file that is not served (portal.storage): damaged, or
    no longer in storage at all."""
    from django.utils.translation import gettext

    from portal.storage import FileMissing

    if isinstance(exception, FileMissing):
        return gettext(
            "This file is missing from storage, so it cannot be served. This has been logged; "
            "please tell the portal's administrator."
        )
    return gettext(
        "This file is damaged in storage (its SHA-256 no longer matches the one recorded "
        "when it was stored), so it is not served. This has been logged; please tell the "
        "portal's administrator."
    )


class RequestIdMiddleware:
    """Gives the request an id (the client's or the proxy's X-Request-ID when it is a sensible
    one, so a group's tools can follow a call through their logs and ours), puts it on the request
    (``request.request_id``), on every log line written while the request runs and on every task
    it queues (portal.logs, portal.celery), returns it in the X-Request-ID header, and logs one
    line for the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        import logging
        import time

        from portal.logs import REQUEST_ID, new_request_id

        request_id = new_request_id(request.headers.get("X-Request-ID"))
        request.request_id = request_id
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            match = getattr(request, "resolver_match", None)
            logging.getLogger("portal.requests").info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "view": match.view_name if match is not None else None,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response
        finally:
            REQUEST_ID.reset(token)
