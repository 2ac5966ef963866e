"""The account page and the second factor: set up, give, recovery codes, turn off."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import throttling, two_factor
from accounts.forms import CodeForm, PasswordConfirmForm


def _next_url(request, default="my_dashboard"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _to(name, next_url):
    return redirect(f"{reverse(name)}?{urlencode({'next': next_url})}" if next_url else name)


def _may_set_up(request) -> bool:
    """A new authenticator replaces the old one only in a session that gave the old one."""
    return request.user.is_verified() or not two_factor.has_authenticator(request.user)


@login_required
@require_GET
def account(request):
    user = request.user
    return render(
        request,
        "accounts/account.html",
        {
            "has_authenticator": two_factor.has_authenticator(user),
            "codes_left": two_factor.recovery_codes_left(user),
            "may_turn_off": not user.is_staff,
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    if not _may_set_up(request):
        return _to("two_factor_verify", request.get_full_path())
    user = request.user
    device = two_factor.pending_device(user)
    form = CodeForm(
        request.POST if request.method == "POST" else None,
        help_text=_("The 6-digit code the app shows now."),
    )
    if request.method == "POST" and form.is_valid():
        confirmed = two_factor.confirm_authenticator(user, form.cleaned_data["code"])
        if confirmed is None:
            form.add_error(
                "code",
                _(
                    "This code does not match. Check that the phone's clock is right and type "
                    "the code the app shows now."
                ),
            )
        else:
            confirmed_device, codes = confirmed
            two_factor.login(request, confirmed_device)
            request.session[two_factor.HAS_SECOND_FACTOR] = True
            return _show_recovery_codes(request, codes, first_time=True)
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "secret": two_factor.secret_for_display(device),
            "next": _next_url(request, ""),
            "required": user.is_staff,
        },
    )


@never_cache
@login_required
@require_GET
def two_factor_qr(request):
    """The pending authenticator's key as a QR code for the app to scan (an image of its own,
    so the page needs no inline image data)."""
    if not _may_set_up(request):
        raise Http404
    import qrcode
    import qrcode.image.svg

    device = two_factor.pending_device(request.user)
    image = qrcode.make(
        device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2
    )
    return HttpResponse(image.to_string(), content_type="image/svg+xml")


# A pause shorter than this after a wrong code passes while the person types the next one.
PAUSE_WORTH_SAYING = 5


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    user = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    if not two_factor.has_authenticator(user):
        if user.is_staff:
            return _to("two_factor_setup", _next_url(request, ""))
        return redirect(_next_url(request))
    form = CodeForm(
        request.POST if request.method == "POST" else None,
        help_text=_("The 6-digit code of your authenticator app, or one of your recovery codes."),
    )
    if request.method == "POST" and form.is_valid():
        wait = two_factor.seconds_throttled(user)
        device = None if wait else two_factor.verify(user, form.cleaned_data["code"])
        if device is not None:
            two_factor.login(request, device)
            if device.name == two_factor.RECOVERY:
                left = two_factor.recovery_codes_left(user)
                messages.warning(
                    request,
                    ngettext(
                        "You used a recovery code: %(count)s is left. Make new ones on your "
                        "account page.",
                        "You used a recovery code: %(count)s are left. Make new ones on your "
                        "account page.",
                        left,
                    )
                    % {"count": left},
                )
            return redirect(_next_url(request))
        if wait:  # the code was not even checked
            form.add_error(
                "code",
                ngettext(
                    "Too many wrong codes: try again in %(seconds)s second.",
                    "Too many wrong codes: try again in %(seconds)s seconds.",
                    wait,
                )
                % {"seconds": wait},
            )
        else:
            # The code was checked and is wrong: say so. The pause after each wrong code (1 s,
            # then doubling) is mentioned only once it is long enough to matter.
            message = _("This code is not valid. Type the code the app shows now.")
            pause = two_factor.seconds_throttled(user)
            if pause >= PAUSE_WORTH_SAYING:
                message += " " + ngettext(
                    "Wait %(seconds)s second before the next try.",
                    "Wait %(seconds)s seconds before the next try.",
                    pause,
                ) % {"seconds": pause}
            form.add_error("code", message)
    return render(
        request,
        "accounts/two_factor_verify.html",
        {"form": form, "next": _next_url(request, "")},
    )


@never_cache
@login_required
@require_POST
def recovery_codes(request):
    if not request.user.is_verified():
        return _to("two_factor_verify", reverse("account"))
    return _show_recovery_codes(request, two_factor.new_recovery_codes(request.user))


def _show_recovery_codes(request, codes, first_time=False):
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "first_time": first_time, "next": _next_url(request, "")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_off(request):
    user = request.user
    if user.is_staff:  # staff cannot do without it; an administrator resets a lost one
        raise Http404
    if not two_factor.has_authenticator(user):
        return redirect("account")
    form = PasswordConfirmForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        two_factor.remove(user, actor=user)
        request.session[two_factor.HAS_SECOND_FACTOR] = False
        messages.success(request, _("Two-step login is off for your account."))
        return redirect("account")
    return render(request, "accounts/two_factor_off.html", {"form": form})


class PasswordResetView(auth_views.PasswordResetView):
    """Django's, refusing in words a client past its hourly share of emails (the per-address
    limit stays silent: accounts.forms.PasswordResetForm)."""

    def form_valid(self, form):
        wait = throttling.email_client_wait(self.request)
        if wait:
            form.add_error(None, throttling.too_many_requests_message(wait))
            return self.form_invalid(form)
        return super().form_valid(form)
