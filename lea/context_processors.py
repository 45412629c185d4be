from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from lea.access import own_memberships
from lea.models import Role

REVIEWING_ROLES = (Role.SELPA_REVIEWER, Role.CDE_CONSULTANT, Role.CDE_ADMIN)


def session_timeout(request: HttpRequest) -> dict[str, int]:
    """The idle timeout, so the page can warn before it signs the user out."""
    return {
        "session_idle_seconds": settings.SESSION_IDLE_SECONDS,
        "session_warning_seconds": settings.SESSION_WARNING_SECONDS,
    }


def navigation(request: HttpRequest) -> dict[str, object]:
    """Whether the user reviews anyone's work (SELPA reviewer, CDE consultant or
    administrator), for the Reviews link; looked up only when a template asks."""
    return {
        "reviews_anyone": SimpleLazyObject(
            lambda: own_memberships(request.user).filter(role__in=REVIEWING_ROLES).exists()
        )
    }
