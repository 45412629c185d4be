"""Session idle timeout (a session ends after SESSION_IDLE_SECONDS without a request), no
shared caching of signed-in pages and downloads, and the second factor after the password."""

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import patch_cache_control

from lea.models import User
from lea.services_mfa import Next, second_factor_next

LAST_ACTIVITY_KEY = "last_activity"
# Requests a page makes on its own (a heartbeat), not because the person did anything:
# they must not keep an unattended session alive.
BACKGROUND_HEADER = "X-CIM-Background"
# The last activity is written at most once a minute: writing it on every request would
# save the session (three queries) on every page, for a 30-minute timeout.
ACTIVITY_RESOLUTION_SECONDS = 60
IDLE_LOGOUT_MESSAGE = (
    "You were signed out after {minutes} minutes without activity, to protect student "
    "information. Log in again to continue."
)


class IdleTimeoutMiddleware:
    # The session cookie's own age would also end the session, but only this check can
    # tell the user why they are back on the login page.
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get(LAST_ACTIVITY_KEY, now)
            if now - last >= settings.SESSION_IDLE_SECONDS:
                logout(request)
                messages.info(
                    request,
                    IDLE_LOGOUT_MESSAGE.format(minutes=settings.SESSION_IDLE_SECONDS // 60),
                )
                login_redirect = redirect_to_login(request.get_full_path())
                if request.headers.get("HX-Request"):
                    # htmx would swap the login page into a fragment; send the page there.
                    return HttpResponse(
                        status=204, headers={"HX-Redirect": login_redirect["Location"]}
                    )
                return login_redirect
            stale = (
                LAST_ACTIVITY_KEY not in request.session
                or now - last >= ACTIVITY_RESOLUTION_SECONDS
            )
            if stale and not request.headers.get(BACKGROUND_HEADER):
                request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)


class PrivateNoStoreMiddleware:
    """`Cache-Control: private, no-store` on every page a signed-in person sees and on
    every download (exports, PDFs, calendars): student data must stay out of shared
    caches and off the disk of a shared computer. After AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or response.has_header("Content-Disposition"):
            patch_cache_control(response, private=True, no_store=True)
        return response


# Set once a signed-in session is known to need no second factor (a person with none
# who is not required to have one), so the devices are not looked up on every page.
SECOND_FACTOR_CLEAR_KEY = "second_factor_clear_for"
# What a session waiting for its second factor may still open.
SECOND_FACTOR_OPEN_URLS = frozenset(
    {"second_factor_verify", "second_factor_enrol", "logout", "session_keepalive"}
)


def clear_second_factor_at_login(
    sender: object, request: HttpRequest, user: User, **_: object
) -> None:
    """On user_logged_in: settle at login, once, whether this session needs a second
    factor, so that pages (the first one too) do not look up devices."""
    if request is not None and second_factor_next(user) == Next.NOTHING:
        request.session[SECOND_FACTOR_CLEAR_KEY] = user.pk


class SecondFactorMiddleware:
    """After the password, a person with a second factor types a code, and CDE staff or a
    SELPA reviewer without one sets one up, before any other page (lea/services_mfa.py).
    After OTPMiddleware, which tells whether a device verified this session."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            not user.is_authenticated
            or user.is_verified()  # type: ignore[union-attr,attr-defined]
            or request.session.get(SECOND_FACTOR_CLEAR_KEY) == user.pk
        ):
            return self.get_response(request)
        needed = second_factor_next(user)  # type: ignore[arg-type]
        if needed == Next.NOTHING:
            request.session[SECOND_FACTOR_CLEAR_KEY] = user.pk
            return self.get_response(request)
        match = _url_name(request.path_info)
        if match in SECOND_FACTOR_OPEN_URLS:
            return self.get_response(request)
        url = reverse(f"second_factor_{needed}")
        if request.method == "GET":
            url = f"{url}?{urlencode({'next': request.get_full_path()})}"
        if request.headers.get("HX-Request"):
            return HttpResponse(status=204, headers={"HX-Redirect": url})
        return redirect(url)


def _url_name(path: str) -> str | None:
    try:
        return resolve(path).url_name
    except Resolver404:
        return None
