"""Session idle timeout: a session ends after SESSION_IDLE_SECONDS without a request."""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

LAST_ACTIVITY_KEY = "last_activity"
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
            if (
                LAST_ACTIVITY_KEY not in request.session
                or now - last >= ACTIVITY_RESOLUTION_SECONDS
            ):
                request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)
