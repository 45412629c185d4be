"""A real Celery worker process, on Redis when REDIS_URL is set, else on the filesystem
broker; it uses the test database and writes email to a folder the test reads."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from cim.celery import app as celery_app
from tests.broker import reset_broker_connections
from tests.conftest import require_service
from tests.module_data import OwnCopy

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    mail_dir: Path
    log: Path

    def wait_for_mail(self, count: int = 1, timeout: float = 60) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            files = sorted(self.mail_dir.glob("*.log"))
            if len(files) >= count:
                return [path.read_text() for path in files]
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        pytest.fail(f"The worker sent no email in {timeout}s. Its log:\n{self.log.read_text()}")


def _database_env() -> dict[str, str]:
    db = connection.settings_dict
    host, port = db["HOST"] or "", str(db["PORT"] or 5432)
    env = {"DATABASE_URL": f"postgres://{db['USER']}@/{db['NAME']}", "PGPORT": port}
    if host:
        # A socket directory cannot sit in a URL's host part; libpq reads it from PGHOST.
        env["PGHOST"] = host
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def celery_worker(transactional_db: None, tmp_path: Path, own_copy: OwnCopy) -> Iterator[Worker]:
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {
        **os.environ,
        **_database_env(),
        "EMAIL_URL": f"filemail://{mail_dir}",
        "SITE_URL": settings.SITE_URL,
        # The test's own cache keys (own_copy), as the test and its live server use: the
        # worker's progress reports and retired pages are seen by the pages.
        "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
    }
    if settings.REDIS_URL:
        require_service(_redis_reachable(settings.REDIS_URL), f"Redis at {settings.REDIS_URL}")
    else:
        # A broker folder of this test's own, so no other worker on the machine takes its tasks.
        broker_dir = tmp_path / "broker"
        env["CELERY_BROKER_DIR"] = str(broker_dir)
        celery_app.conf.broker_transport_options = {
            "data_folder_in": str(broker_dir / "queue"),
            "data_folder_out": str(broker_dir / "queue"),
            "processed_folder": str(broker_dir / "processed"),
            # The exchange tables too; kombu's default is "control" in the working directory.
            "control_folder": str(broker_dir / "control"),
        }
        for folder in ("queue", "processed", "control"):
            (broker_dir / folder).mkdir(parents=True)
    # Queues of this test's own: tests in other pytest-xdist processes run workers on
    # the same broker at the same time, and must not take each other's tasks. The worker
    # takes both, as the Procfile's does: the default one and the bulk one
    # (CELERY_TASK_ROUTES) renamed for this test.
    queue = f"test-{uuid.uuid4().hex}"
    bulk_routes = {
        task: {**route, "queue": f"{queue}-{route['queue']}"}
        for task, route in settings.CELERY_TASK_ROUTES.items()
    }
    queues = sorted({queue, *(route["queue"] for route in bulk_routes.values())})
    celery_app.conf.update(task_default_queue=queue, task_routes=bulk_routes)
    reset_broker_connections()
    log = tmp_path / "worker.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "cim", "worker", "--pool", "solo",
             "--without-mingle", "--without-gossip", "--loglevel", "INFO",
             "--queues", ",".join(queues)],
            cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        yield Worker(process=process, mail_dir=mail_dir, log=log)
    finally:
        process.terminate()
        process.wait(timeout=30)
        celery_app.conf.broker_transport_options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
        celery_app.conf.update(task_default_queue="celery", task_routes=settings.CELERY_TASK_ROUTES)
        reset_broker_connections()
