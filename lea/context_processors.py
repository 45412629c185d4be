from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from lea import selectors
from lea.models import User


def session_timeout(request: HttpRequest) -> dict[str, int]:
    """The idle timeout, so the page can warn before it signs the user out."""
    return {
        "session_idle_seconds": settings.SESSION_IDLE_SECONDS,
        "session_warning_seconds": settings.SESSION_WARNING_SECONDS,
    }


def navigation(request: HttpRequest) -> dict[str, object]:
    """The menu: whether the user reviews anyone's work (SELPA reviewer, CDE consultant or
    administrator), for the Reviews link, and the statewide links the user's permissions
    open; one query (lea.selectors.menu_for), sent only when a template asks."""
    user = request.user
    if not isinstance(user, User):
        return {"menu": selectors.menu_for(user=None), "reviews_anyone": False}
    menu = SimpleLazyObject(lambda: selectors.menu_for(user=user))
    return {"menu": menu, "reviews_anyone": SimpleLazyObject(lambda: menu["reviews_anyone"])}
