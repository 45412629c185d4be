"""Middleware of the project as a whole."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from cim import views


class HealthzMiddleware:
    """Answers /healthz before every other middleware: the session, authentication and
    idle-timeout middleware read the database when a cookie is sent, and a database that
    is down must give the health JSON (503), not a 500 page. First in MIDDLEWARE."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == views.HEALTHZ_PATH:
            return views.healthz(request)
        return self.get_response(request)
