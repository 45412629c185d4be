"""Two-step verification pages: set up an authenticator app, type a code after the
password, see the recovery codes once, get new ones or turn it off (proven by a code),
and a CDE administrator's reset. The writes are
in lea/services_mfa.py."""

from base64 import b32encode
from binascii import unhexlify

import django_otp
import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from lea import access, services_mfa
from lea.auth import current_user
from lea.forms import SecondFactorCodeForm
from lea.models import User

# The secret being set up lives in the session until its first code proves the app has it.
ENROL_KEY_SESSION = "second_factor_enrol_key"
# The recovery codes, shown on the next page once and then forgotten.
RECOVERY_CODES_SESSION = "second_factor_recovery_codes"
NEXT_SESSION = "second_factor_next"


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return "/"


def _grouped(secret: str) -> str:
    """The base32 secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
@require_http_methods(["GET", "POST"])
def second_factor_enrol(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if services_mfa.has_second_factor(user):
        return _second_factor_on(request, user)
    if "next" in request.GET:
        request.session[NEXT_SESSION] = _safe_next(request, request.GET["next"])
    key = request.session.setdefault(ENROL_KEY_SESSION, random_hex(20))
    form = SecondFactorCodeForm(
        request.POST or None,
        label="Code from your app",
        help_text="The 6 digits your authenticator app shows for CIM Portal.",
    )
    if request.method == "POST" and form.is_valid():
        try:
            enrolment = services_mfa.second_factor_enrol(
                actor=user, user=user, key=key, code=form.cleaned_data["code"]
            )
        except ValidationError as error:
            form.add_error("code", error)
        else:
            django_otp.login(request, enrolment.device)
            del request.session[ENROL_KEY_SESSION]
            request.session[RECOVERY_CODES_SESSION] = enrolment.recovery_codes
            return redirect("second_factor_recovery_codes")
    device = TOTPDevice(user=user, key=key)
    context = {
        "form": form,
        "required": services_mfa.must_use_second_factor(user),
        "secret": _grouped(b32encode(unhexlify(key)).decode()),
        # segno writes the SVG here from the secret: no image is fetched from anywhere.
        "qr_svg": mark_safe(  # noqa: S308 -- segno's own markup, no user input in it
            segno.make(device.config_url, error="m").svg_inline(
                scale=4, light="#fff", svgclass="d-block", omitsize=False
            )
        ),
    }
    return render(
        request, "lea/second_factor_enrol.html", context, status=400 if form.errors else 200
    )


def _proof_form(data: object = None) -> SecondFactorCodeForm:
    return SecondFactorCodeForm(
        data,
        label="Code",
        help_text="The 6 digits your authenticator app shows now, or one of your recovery codes.",
    )


def _second_factor_on(
    request: HttpRequest,
    user: User,
    *,
    renew_form: SecondFactorCodeForm | None = None,
    turn_off_form: SecondFactorCodeForm | None = None,
) -> HttpResponse:
    """The page of a person whose two-step verification is on: their codes left, new
    codes, and (when their role does not need it) turning it off; each form again with
    its error after a wrong code."""
    renew_form = renew_form or _proof_form()
    turn_off_form = turn_off_form or _proof_form()
    renew_form.auto_id = "renew_%s"
    turn_off_form.auto_id = "turn_off_%s"
    context = {
        "codes_left": services_mfa.recovery_codes_left(user),
        "may_turn_off": not services_mfa.must_use_second_factor(user),
        "renew_form": renew_form,
        "turn_off_form": turn_off_form,
    }
    failed = renew_form.errors or turn_off_form.errors
    return render(request, "lea/second_factor_on.html", context, status=400 if failed else 200)


@login_required
@require_POST
def second_factor_renew_recovery_codes(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = _proof_form(request.POST)
    if form.is_valid():
        try:
            codes = services_mfa.second_factor_new_recovery_codes(
                actor=user, user=user, code=form.cleaned_data["code"]
            )
        except ValidationError as error:
            form.add_error("code", error)
        else:
            request.session[RECOVERY_CODES_SESSION] = codes
            request.session[NEXT_SESSION] = reverse("second_factor_enrol")
            return redirect("second_factor_recovery_codes")
    return _second_factor_on(request, user, renew_form=form)


@login_required
@require_POST
def second_factor_turn_off(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = _proof_form(request.POST)
    if form.is_valid():
        try:
            services_mfa.second_factor_turn_off(
                actor=user, user=user, code=form.cleaned_data["code"]
            )
        except ValidationError as error:
            form.add_error("code", error)
        else:
            messages.success(
                request,
                "Two-step verification is off: you log in with your password only. You can "
                "set it up again here at any time.",
            )
            return redirect("second_factor_enrol")
    return _second_factor_on(request, user, turn_off_form=form)


@login_required
@require_GET
def second_factor_recovery_codes(request: HttpRequest) -> HttpResponse:
    codes = request.session.pop(RECOVERY_CODES_SESSION, None)
    if codes is None:
        return redirect("second_factor_enrol")
    next_url = request.session.pop(NEXT_SESSION, "/")
    return render(
        request, "lea/second_factor_recovery_codes.html", {"codes": codes, "next": next_url}
    )


@login_required
@require_http_methods(["GET", "POST"])
def second_factor_verify(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if user.is_verified() or not services_mfa.has_second_factor(user):  # type: ignore[attr-defined]
        return redirect(next_url)
    form = SecondFactorCodeForm(
        request.POST or None,
        label="Code",
        help_text="The 6 digits your authenticator app shows for CIM Portal, or one of "
        "your recovery codes.",
    )
    if request.method == "POST" and form.is_valid():
        result = services_mfa.second_factor_verify(actor=user, code=form.cleaned_data["code"])
        if result.device is not None:
            django_otp.login(request, result.device)
            if result.recovery_codes_left is not None:
                messages.warning(
                    request,
                    f"You used a recovery code; {result.recovery_codes_left} left. If you lost "
                    "your phone, ask a CDE administrator to reset your two-step verification.",
                )
            return redirect(next_url)
        form.add_error("code", result.error)
    return render(
        request,
        "lea/second_factor_verify.html",
        {"form": form, "next": next_url},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def person_second_factor_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = current_user(request)
    person = access.get_user_for(actor, user_id)
    services_mfa.second_factor_reset(actor=actor, user=person)
    messages.success(
        request,
        f"{person.display_name}'s two-step verification was reset. They set it up again "
        "the next time they log in.",
    )
    return redirect("person_detail", user_id=person.pk)
