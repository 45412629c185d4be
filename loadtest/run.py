"""`make loadtest`: many people at once on the production shape, on this machine only.

Creates a throw-away database (cim_load, dropped at the end) on the PostgreSQL of
DATABASE_URL, migrates it and seeds the demo plus loadtest/seed.py; starts gunicorn
(WEB_CONCURRENCY workers, default 3 as in the Dockerfile) and a Celery worker on
127.0.0.1, with DEBUG off, persistent connections and Redis (REDIS_URL's server, its own
database number LOADTEST_REDIS_DB, default 14, and its own key prefix, so nothing of a
developer's queues or cache is touched); runs locust headless with bounded users, spawn
rate and time (loadtest/locustfile.py); prints per action the requests, failures, median
and p95, and the trivial page's throughput; then steps the number of users (bounded) until
the p95 of page views and saves passes 300 ms, and prints that number. Everything it
started is stopped at the end, on failure and on Ctrl-C.

Only loopback: a host that is not 127.0.0.1, ::1 or localhost is refused before anything
starts. A service that cannot start is named, and the run exits non-zero.

    python loadtest/run.py [--users 50] [--spawn-rate 2] [--run-time 60]
                           [--steps 5,10,25,50,100] [--step-time 30] [--host 127.0.0.1]
"""

from __future__ import annotations

import argparse
import csv
import ipaddress
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DATABASE = "cim_load"
GOAL_MS = 300.0
# What the goal covers: page views and saves (not signing in, the PDF request or the export).
NOT_IN_GOAL = {"login (POST)", "login page", "PDF request", "PDF status", "status grid CSV export"}
TRIVIAL = "trivial page"


class CannotStart(Exception):
    """A service the run needs did not start; the message says which."""


def require_loopback(host: str) -> str:
    """The host, if it is this machine's loopback; else SystemExit (a load run never
    points at anything else)."""
    name = host.strip().strip("[]")
    if name == "localhost":
        return name
    try:
        if ipaddress.ip_address(name).is_loopback:
            return name
    except ValueError:
        pass
    raise SystemExit(f"Refusing to load {host!r}: the load test runs against 127.0.0.1 only.")


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def with_redis_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))


def check_backends(database_url: str, redis_url: str) -> None:
    import psycopg
    import redis

    try:
        psycopg.connect(database_url, connect_timeout=5).close()
    except Exception as error:
        raise CannotStart(f"PostgreSQL at {urlsplit(database_url).hostname}: {error}") from None
    try:
        redis.Redis.from_url(redis_url, socket_timeout=5).ping()
    except Exception as error:
        raise CannotStart(f"Redis at {urlsplit(redis_url).hostname}: {error}") from None


def recreate_database(admin_url: str, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{DATABASE}"')


class Services:
    """The processes this run started, stopped (with their children) however it ends."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.started: list[tuple[str, subprocess.Popen[bytes]]] = []

    def run(self, label: str, *command: str) -> None:
        print(f"- {label}", flush=True)
        done = subprocess.run(command, env=self.env, cwd=ROOT, capture_output=True, check=False)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).decode()[-2000:]
            raise CannotStart(f"{label} failed (exit {done.returncode}):\n{tail}")

    def start(self, label: str, *command: str) -> subprocess.Popen[bytes]:
        log = open(self.logs / f"{label}.log", "wb")  # noqa: SIM115 -- closed with the process
        process = subprocess.Popen(
            command, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.started.append((label, process))
        return process

    def alive_or_raise(self) -> None:
        for label, process in self.started:
            if process.poll() is not None:
                log = (self.logs / f"{label}.log").read_text(errors="replace")[-2000:]
                raise CannotStart(f"{label} exited with {process.returncode}:\n{log}")

    def stop(self) -> None:
        for label, process in reversed(self.started):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
                print(f"- stopped {label}")
        self.started.clear()


def wait_healthy(services: Services, base_url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        services.alive_or_raise()
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except Exception as error:
            last = str(error)
        time.sleep(1)
    raise CannotStart(
        f"gunicorn or the Celery worker: /healthz not healthy in {timeout:.0f} s ({last})"
    )


def run_locust(
    services: Services, base_url: str, users: int, rate: float, seconds: int
) -> dict[str, dict[str, Any]]:
    # Signing in is a password hash each (CPU): people arrive over a ramp, and the figures
    # count from when all are in (--reset-stats), for `seconds`.
    ramp = int(users / rate) + 1
    prefix = services.logs / f"locust-{users}"
    command = [
        str(BIN / "locust"), "-f", str(ROOT / "loadtest" / "locustfile.py"), "--headless",
        "--host", base_url, "--users", str(users), "--spawn-rate", str(rate),
        "--run-time", f"{ramp + seconds}s", "--reset-stats", "--stop-timeout", "10",
        "--csv", str(prefix),
        "--only-summary", "--loglevel", "WARNING",
    ]  # fmt: skip
    print(f"- locust: {users} users, spawning {rate}/s, {seconds} s", flush=True)
    with open(services.logs / f"locust-{users}.log", "wb") as log:
        subprocess.run(
            command, env=services.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            check=False, timeout=ramp + seconds + 120,
        )  # fmt: skip
    services.alive_or_raise()
    with open(f"{prefix}_stats.csv", newline="") as stats:
        return {row["Name"]: row for row in csv.DictReader(stats)}


def _ms(value: str) -> str:
    try:
        return f"{float(value):.0f}"
    except ValueError:
        return value


def print_table(stats: dict[str, dict[str, Any]]) -> None:
    print(
        f"{'action':<28}{'requests':>10}{'failures':>10}{'median ms':>11}{'p95 ms':>9}{'req/s':>8}"
    )
    for name, row in stats.items():
        print(
            f"{name:<28}{row['Request Count']:>10}{row['Failure Count']:>10}"
            f"{_ms(row['Median Response Time']):>11}{_ms(row['95%']):>9}"
            f"{float(row['Requests/s']):>8.1f}"
        )
    if TRIVIAL in stats:
        throughput = float(stats[TRIVIAL]["Requests/s"])
        print(f"trivial page throughput in this run: {throughput:.1f} requests/s")


def worst_p95(stats: dict[str, dict[str, Any]]) -> tuple[float, str]:
    rows = [
        (float(row["95%"]), name)
        for name, row in stats.items()
        if name not in NOT_IN_GOAL and name != "Aggregated" and row["95%"] not in ("N/A", "")
    ]
    return max(rows) if rows else (float("inf"), "nothing measured")


def failures(stats: dict[str, dict[str, Any]]) -> int:
    return int(stats.get("Aggregated", {}).get("Failure Count", 0))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=2)
    parser.add_argument("--run-time", type=int, default=60, help="seconds")
    parser.add_argument("--steps", default="5,10,25,50,100", help="user counts to step through")
    parser.add_argument("--step-time", type=int, default=30, help="seconds per step")
    args = parser.parse_args()
    host = require_loopback(args.host)
    if not 1 <= args.users <= 500 or not 1 <= args.run_time <= 1800:
        raise SystemExit("Bounds: 1-500 users, 1-1800 seconds.")
    steps = [int(n) for n in args.steps.split(",") if n.strip()]
    if any(not 1 <= n <= 500 for n in steps) or len(steps) > 8:
        raise SystemExit("Bounds: at most 8 steps of 1-500 users.")
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not database_url or not redis_url:
        raise SystemExit(
            "The production shape needs DATABASE_URL (PostgreSQL) and REDIS_URL (Redis)."
        )
    for url in (database_url, redis_url):
        require_loopback(urlsplit(url).hostname or "")
    redis_load = with_redis_db(redis_url, int(os.environ.get("LOADTEST_REDIS_DB", "14")))
    workers = os.environ.get("WEB_CONCURRENCY", "3")
    base_url = f"http://{host if ':' not in host else f'[{host}]'}:{args.port}"
    logs = Path(tempfile.mkdtemp(prefix="cim-loadtest-"))
    env = {
        **os.environ,
        "DATABASE_URL": with_database(database_url, DATABASE),
        "REDIS_URL": redis_load,
        "CACHE_KEY_PREFIX": "cimload",
        # Production settings but for TLS: behind the proxy, not here on plain HTTP
        # (secure cookies would not come back over http://127.0.0.1).
        "DJANGO_ENV": "development",
        "DJANGO_DEBUG": "false",
        "CONN_MAX_AGE": "60",
        "EMAIL_URL": f"filemail://{logs / 'mail'}",
        "MFA_REQUIRED_FOR_STAFF": "false",
        "AXES_FAILURE_LIMIT": "1000",
        "WEB_CONCURRENCY": workers,
        "LOADTEST_PLAN": str(logs / "plan.json"),
    }
    services = Services(env, logs)
    interrupted = {"signal": 0}

    def on_signal(number: int, _frame: object) -> None:
        interrupted["signal"] = number
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    created = False
    print(f"Load test: logs in {logs}; web workers (WEB_CONCURRENCY) {workers}")
    try:
        # The server's maintenance database: DATABASE_URL's own may not exist (the tests
        # use test_<name>), and cim_load is made and dropped from outside it.
        admin_url = with_database(database_url, "postgres")
        check_backends(admin_url, redis_load)
        recreate_database(admin_url)
        created = True
        python = str(BIN / "python")
        services.run("migrate", python, "manage.py", "migrate", "--noinput")
        services.run("load_catalog", python, "manage.py", "load_catalog")
        services.run("seed_demo", python, "manage.py", "seed_demo")
        services.run("seed the load plan", python, "-m", "loadtest.seed", str(logs / "plan.json"))
        services.start(
            "gunicorn", str(BIN / "gunicorn"), "cim.wsgi:application", "--bind",
            f"{host}:{args.port}", "--workers", workers, "--access-logfile", "-",
        )  # fmt: skip
        services.start(
            "celery", str(BIN / "celery"), "-A", "cim", "worker", "--loglevel", "WARNING",
            "--concurrency", "1", "-Q", "celery,bulk",
        )  # fmt: skip
        wait_healthy(services, base_url)
        stats = run_locust(services, base_url, args.users, args.spawn_rate, args.run_time)
        print(
            f"\n{args.users} concurrent users, {args.run_time} s (a shared machine: noisy figures)"
        )
        print_table(stats)
        p95, action = worst_p95(stats)
        ok = failures(stats) == 0 and p95 <= GOAL_MS
        print(
            f"failures {failures(stats)}, worst p95 of page views and saves {p95:.0f} ms"
            f" ({action}): {'within' if ok else 'OVER'} the goal"
        )
        passed_at = None
        for users in steps:
            # People arrive at the same rate in every step: faster, their sign-ins (a
            # password hash each) are still queued when the step starts measuring, and the
            # step measures a sign-in storm rather than N people at work.
            step = run_locust(services, base_url, users, args.spawn_rate, args.step_time)
            p95, action = worst_p95(step)
            trivial = float(step.get(TRIVIAL, {}).get("Requests/s", 0) or 0)
            print(
                f"  {users:>4} users: worst p95 {p95:>6.0f} ms ({action}),"
                f" failures {failures(step)}, trivial page {trivial:.1f} req/s"
            )
            if p95 > GOAL_MS:
                passed_at = users
                break
        if passed_at is None:
            print(f"p95 stayed under {GOAL_MS:.0f} ms up to {steps[-1]} users (the last step)")
        else:
            print(f"p95 passes {GOAL_MS:.0f} ms at {passed_at} users")
        return 0 if ok else 1
    except CannotStart as error:
        print(f"Cannot start: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Interrupted: stopping what this run started.", file=sys.stderr)
        return 128 + (interrupted["signal"] or signal.SIGINT)
    finally:
        services.stop()
        if created:
            recreate_database(admin_url, drop_only=True)
            print(f"- dropped {DATABASE}")


if __name__ == "__main__":
    sys.exit(main())
