"""How long a session lasts, what a signed-in page may be cached as, and the second factor gate."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode

from accounts import two_factor

LOGIN_AT = "accounts.login_at"
SEEN_AT = "accounts.seen_at"
SEEN_REFRESH = 24 * 60 * 60  # seconds: a filer's session is renewed at most once a day


def start_session(sender, request, user, **kwargs):
    """On every login (user_logged_in): when it started, and whether a second factor is due."""
    session = getattr(request, "session", None)
    if session is None:
        return
    now = time.time()
    session[LOGIN_AT] = now
    session[SEEN_AT] = now
    session[two_factor.HAS_SECOND_FACTOR] = two_factor.has_authenticator(user)
    if user.is_staff:
        session.set_expiry(0)  # ends when the browser closes; the 8 hours are checked below


class SessionPolicyMiddleware:
    """Staff sessions end after STAFF_SESSION_HOURS from login and when the browser closes;
    filers' after SESSION_COOKIE_AGE without a visit. Pages for a signed-in person are
    ``Cache-Control: private, no-store``: no shared cache or browser history keeps them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            session = request.session
            now = time.time()
            if user.is_staff:
                started = session.get(LOGIN_AT)
                if started is None or now - started > settings.STAFF_SESSION_HOURS * 3600:
                    logout(request)
            elif now - session.get(SEEN_AT, 0) > SEEN_REFRESH:
                # A changed session is saved with a new expiry: two more weeks from today.
                session[SEEN_AT] = now
        response = self.get_response(request)
        if request.user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response


# Pages an unverified person may still open: the second factor's own, logging out, the language.
OPEN_WITHOUT_SECOND_FACTOR = {
    "two_factor_setup",
    "two_factor_qr",
    "two_factor_verify",
    "logout",
    "set_language",
    "admin:logout",
    "healthz",
    "healthz_live",
    "healthz_ready",
    "metrics",
}


class SecondFactorMiddleware:
    """A person who needs a second factor (staff; anyone who turned one on) and has not given it
    in this session is sent to give it, or to set one up, before any other page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified() and self._required(request):
            try:
                name = resolve(request.path_info).view_name
            except Resolver404:
                name = None
            if name is not None and name not in OPEN_WITHOUT_SECOND_FACTOR:
                if two_factor.has_authenticator(user):
                    target = reverse("two_factor_verify")
                elif user.is_staff:
                    target = reverse("two_factor_setup")
                else:  # a filer whose authenticator an administrator removed
                    request.session[two_factor.HAS_SECOND_FACTOR] = False
                    return self.get_response(request)
                next_url = request.get_full_path() if request.method == "GET" else "/"
                return redirect(f"{target}?{urlencode({'next': next_url})}")
        return self.get_response(request)

    @staticmethod
    def _required(request) -> bool:
        if request.user.is_staff:
            return True
        flag = request.session.get(two_factor.HAS_SECOND_FACTOR)
        if flag is None:  # a session from before the second factor existed
            flag = two_factor.has_authenticator(request.user)
            request.session[two_factor.HAS_SECOND_FACTOR] = flag
        return flag
