"""/healthz: database, broker and a live worker as JSON; 503 on any failure, cookie or not.
The case with a worker running is in tests/integration/test_worker.py."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from cim.celery import app as celery_app
from tests.broker import reset_broker_connections
from tests.conftest import World, signed_in


@pytest.fixture
def broker_without_workers(tmp_path: Path, settings: Any) -> Iterator[None]:
    """A real broker no worker listens on: a filesystem broker folder of this test's own
    (the shared Redis may have other test runs' workers on it). No worker can answer, so
    the page waits a tenth of a second for one, not the second it waits in production."""
    settings.HEALTHZ_WORKER_TIMEOUT = 0.1
    folders = {name: tmp_path / name for name in ("queue", "processed", "control")}
    for folder in folders.values():
        folder.mkdir()
    real = (celery_app.conf.broker_url, celery_app.conf.broker_transport_options)
    celery_app.conf.update(
        broker_url="filesystem://",
        broker_transport_options={
            "data_folder_in": str(folders["queue"]),
            "data_folder_out": str(folders["queue"]),
            "processed_folder": str(folders["processed"]),
            "control_folder": str(folders["control"]),
        },
    )
    reset_broker_connections()
    try:
        yield
    finally:
        celery_app.conf.update(broker_url=real[0], broker_transport_options=real[1])
        reset_broker_connections()


def _assert_no_worker(response) -> None:
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "ok"
    assert body["broker"] == "ok"
    assert body["worker"].startswith("error")


@pytest.mark.django_db
def test_it_fails_without_a_live_worker(client: Client, broker_without_workers: None) -> None:
    _assert_no_worker(client.get("/healthz"))


@pytest.mark.django_db
def test_it_fails_without_a_live_worker_with_a_session_cookie(
    world: World, broker_without_workers: None
) -> None:
    _assert_no_worker(signed_in(world.lea_lead).get("/healthz"))


@pytest.mark.django_db
def test_it_says_no_cache_and_refuses_writes(client: Client, broker_without_workers: None) -> None:
    response = client.get("/healthz")
    assert "no-store" in response["Cache-Control"]
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("with_cookie", [False, True])
def test_it_answers_json_when_the_database_is_down(
    with_cookie: bool, broker_without_workers: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = Client()
    if with_cookie:
        # A session cookie, as a signed-in browser sends: reading it needs the database.
        client.cookies[settings.SESSION_COOKIE_NAME] = "x" * 32
    connection.close()
    # Nothing listens on port 1: a real connection that really fails.
    monkeypatch.setitem(connection.settings_dict, "PORT", "1")
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        monkeypatch.undo()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"].startswith("error")
