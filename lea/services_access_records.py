"""The access record (lea.AccessRecord): a row for each read of an LEA's CIM records, and
the sweep that removes rows past their retention.

IDEA (34 CFR 300.614) and FERPA ask for a record of who obtained access to education
records; these are about students with disabilities. Views that show or hand out an LEA's
records call `record_read` once, after the access module let them in: one INSERT, no
query before it, committed without waiting for the disk, so a page pays well under a
millisecond (bench/access_record.py). Only
GET pages and downloads are recorded: a POST that redraws a page after a refused write
shows what its GET already showed. A read whose row cannot be written fails with it.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from lea.client_ip import client_ip
from lea.models import AccessRecord, AuditVerb, User
from lea.services import audit

Kind = AccessRecord.Kind

# The name the append-only trigger (lea/migrations/0004_access_record.py) reads: rows
# older than this timestamp may be deleted, in the transaction that set it only.
PURGE_SETTING = "cim.access_record_purge_before"


def record_read(
    request: HttpRequest,
    *,
    kind: Kind,
    lea_id: int,
    object_id: object = "",
    description: str = "",
    actor: User | None = None,
) -> None:
    """Note that the request's user (or `actor`, for a calendar app fetching a person's
    feed) read the LEA's records: `kind`, and the object shown by id and in words. The
    words come from the caller, from what the page already loaded: a model's __str__
    could send a query of its own. Only a GET (or HEAD) is a read: a function that also
    draws the page again after a refused POST may call this either way."""
    if request.method not in ("GET", "HEAD"):
        return
    access_record_append(
        actor=actor or request.user,  # type: ignore[arg-type]
        kind=kind,
        lea_ids=[lea_id],
        object_id=str(object_id),
        description=description,
        path=request.get_full_path(),
        client_address=client_ip(request),
    )


def record_export(request: HttpRequest, *, kind: Kind, lea_ids: Collection[int]) -> None:
    """A download of many LEAs' records (a status export): one row per LEA in it, so
    each LEA's own record says who took it, written in one INSERT."""
    access_record_append(
        actor=request.user,  # type: ignore[arg-type]
        kind=kind,
        lea_ids=lea_ids,
        path=request.get_full_path(),
        client_address=client_ip(request),
    )


def access_record_append(
    *,
    actor: User,
    kind: Kind,
    lea_ids: Collection[int],
    object_id: str = "",
    description: str = "",
    path: str,
    client_address: str,
) -> None:
    """Append the rows. Not audited: the row is itself the record.

    A page's row is written on its own (a read writes nothing else), and waiting for its
    commit to reach the disk would cost the page about 2 ms: the transaction commits
    asynchronously (synchronous_commit off, for it alone). Such a commit is as atomic and
    ordered as any; only a crash of the database server itself within a fraction of a
    second after it could lose the row. Inside a caller's transaction, the row simply
    joins it (the setting would reach the caller's writes too)."""
    at = timezone.now()
    rows = [
        AccessRecord(
            user_id=actor.pk,
            organization_id=lea_id,
            kind=kind,
            object_id=object_id[:64],
            object_repr=description[:300],
            path=path[:500],
            client_address=client_address[:64],
            at=at,
        )
        for lea_id in sorted(set(lea_ids))
    ]
    if not rows:
        return
    if connection.in_atomic_block:
        AccessRecord.objects.bulk_create(rows)
        return
    _insert_committing_asynchronously(rows)


# The columns each row fills (each field's column is its attribute's name), in the order
# of the statement below.
_COLUMNS = (
    "user_id", "organization_id", "kind", "object_id", "object_repr", "path",
    "client_address", "at",
)  # fmt: skip


def _insert_committing_asynchronously(rows: list[AccessRecord]) -> None:
    """One statement, so one round trip: in autocommit it is its own transaction, and the
    set_config in it (local to that transaction) is still in force when it commits. BEGIN,
    SET LOCAL, INSERT and COMMIT apart cost a page four round trips."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in _COLUMNS)
    one_row = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
    values = ", ".join([one_row] * len(rows))
    params = [getattr(row, name) for row in rows for name in _COLUMNS]
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH asynchronous AS (SELECT set_config('synchronous_commit', 'off', true)) "  # noqa: S608 -- names from the model, values as parameters
            f"INSERT INTO {quote(AccessRecord._meta.db_table)} ({columns}) "
            f"SELECT v.* FROM asynchronous, (VALUES {values}) AS v({columns})",
            params,
        )


@transaction.atomic
def access_records_purge(*, now: datetime | None = None) -> int:
    """Delete the rows older than ACCESS_RECORD_RETENTION_DAYS and audit how many went, as
    a system action. The trigger lets these deletes through only because this transaction
    names the cutoff, and only for rows older than it; the cutoff is cleared again after."""
    retention = settings.ACCESS_RECORD_RETENTION_DAYS
    cutoff = (now or timezone.now()) - timedelta(days=retention)
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)", [PURGE_SETTING, cutoff.isoformat()])
        deleted, _ = AccessRecord.objects.filter(at__lt=cutoff).delete()
        cursor.execute("SELECT set_config(%s, '', true)", [PURGE_SETTING])
    audit(
        actor=None,
        verb=AuditVerb.ACCESS_RECORD_PURGE,
        changes={
            "deleted": [None, deleted],
            "before": [None, cutoff.isoformat()],
            "retention_days": [None, retention],
        },
        # Nothing a cached page shows has changed.
    )
    return deleted
