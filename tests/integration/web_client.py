"""A signed-in filer's browser in a few lines of urllib.

Nothing here imports Django, so that the stress test can run it in processes of its own.
"""

import urllib.error
import urllib.parse
import urllib.request

# Django accepts the unmasked CSRF secret (32 characters) as the token when it equals the cookie.
CSRF_SECRET = "stresstestcsrfsecret0123456789ab"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def post_forms(base_url: str, session_id: str, forms: list[tuple[str, dict]]) -> list[int]:
    """POST each (path, fields) as the session's user; the HTTP status of each, in order."""
    opener = urllib.request.build_opener(_NoRedirect)
    statuses = []
    for path, fields in forms:
        body = urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request(  # noqa: S310 - the local http:// test server
            base_url + path,
            data=body,
            headers={
                "Cookie": f"sessionid={session_id}; csrftoken={CSRF_SECRET}",
                "X-CSRFToken": CSRF_SECRET,
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        try:
            with opener.open(request, timeout=60) as response:
                statuses.append(response.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
    return statuses
