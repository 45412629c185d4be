"""Pointing this process's Celery app at another broker for one test, and back."""

from kombu import pools as kombu_pools

from cim.celery import app as celery_app


def reset_broker_connections() -> None:
    """Pooled connections keep the broker and transport options they were opened with, and
    kombu shares its pools process-wide: close them all and drop the app's references to
    them, as Celery does after a fork, so the next send opens a pool on the new settings
    (a reset without the second half leaves the app holding a closed pool)."""
    kombu_pools.reset()
    celery_app._pool = None  # type: ignore[attr-defined]
    celery_app.amqp._producer_pool = None  # type: ignore[attr-defined]
