from typing import cast

from django.http import HttpRequest

from lea.models import User


def axes_username(request: HttpRequest, credentials: dict[str, str] | None) -> str:
    """The login name axes counts failures against: the email in lower case, so typing it
    in capitals does not reset the count."""
    raw = (credentials or {}).get("username") or request.POST.get("username", "")
    return raw.strip().lower()


def current_user(request: HttpRequest) -> User:
    """The signed-in user, for views behind @login_required."""
    return cast(User, request.user)
