from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.utils.cache import add_never_cache_headers

from cim.celery import app as celery_app

HEALTHZ_PATH = "/healthz"


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # any failure means "down"; say which
        return f"error: {error.__class__.__name__}"
    return "ok"


def _broker_and_worker_state() -> tuple[str, str]:
    """The broker answers, and at least one worker answers a ping through it within
    HEALTHZ_WORKER_TIMEOUT seconds (the first reply ends the wait)."""
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            try:
                replies = celery_app.control.ping(
                    timeout=settings.HEALTHZ_WORKER_TIMEOUT, limit=1, connection=conn
                )
            except Exception as error:
                return "ok", f"error: {error.__class__.__name__}"
    except Exception as error:
        return f"error: {error.__class__.__name__}", "error: no broker"
    return "ok", "ok" if replies else "error: no worker replied"


def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers and people: can the app reach its database and broker, and does a
    worker answer. Served by HealthzMiddleware before any other middleware, so neither a
    session cookie nor a database that is down turns it into an HTML error page."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    broker, worker = _broker_and_worker_state()
    state = {"database": _database_state(), "broker": broker, "worker": worker}
    healthy = all(value == "ok" for value in state.values())
    response = JsonResponse(
        {"status": "ok" if healthy else "error", **state}, status=200 if healthy else 503
    )
    add_never_cache_headers(response)
    return response
