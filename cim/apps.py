import sys
from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.db.models.signals import post_migrate


class CimConfig(AppConfig):
    name = "cim"

    def ready(self) -> None:
        post_migrate.connect(_load_shipped_catalogs, sender=self)


def _load_shipped_catalogs(
    *,
    plan: Any = None,
    using: str = "default",
    verbosity: int = 1,
    stdout: Any = None,
    **kwargs: Any,
) -> None:
    """After `migrate`, the catalog files shipped with the code are in the database, so a
    new database never lacks them (idempotent: rows already there are kept as a CDE
    administrator left them).

    Only migrate passes a plan: a flush (`manage.py flush`, and each transactional test's
    teardown) sends this signal too, and the empty database it asked for stays empty. A
    database migrated to an earlier state (`migrate cim 0009`) has not the tables the
    loader writes: it is left alone until it is migrated all the way.
    """
    if plan is None or _migrations_left(using):
        return
    from cim import services  # the models can be imported only once the registry is ready

    for year, result in services.shipped_catalogs_load():
        if result.changed and verbosity:
            created = ", ".join(f"{n} {name}" for name, n in sorted(result.created.items()))
            (stdout or sys.stdout).write(f"Loaded the shipped {year} catalog: {created}.\n")


def _migrations_left(using: str) -> bool:
    executor = MigrationExecutor(connections[using])
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))
