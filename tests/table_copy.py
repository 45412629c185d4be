"""A copy of the rows of every table of a test database, in a schema of its own, put back
after a transactional test has emptied the tables: a few milliseconds, where making the
rows again (the catalog load, a world built through the services) takes seconds."""

from __future__ import annotations

from django.db import connection, transaction


class TableCopy:
    def __init__(self, schema: str) -> None:
        self.schema = schema
        self.tables: list[str] = []

    def take(self) -> None:
        """Copy every table that has rows now."""
        tables = connection.introspection.django_table_names(
            only_existing=True, include_views=False
        )
        self.tables.clear()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
            cursor.execute(f"CREATE SCHEMA {self.schema}")
            for table in sorted(tables):
                name = connection.ops.quote_name(table)
                cursor.execute(f"SELECT EXISTS (SELECT FROM {name})")  # noqa: S608 -- a model's table
                if cursor.fetchone()[0]:
                    cursor.execute(f"CREATE TABLE {self.schema}.{name} AS TABLE {name}")
                    self.tables.append(table)

    def put_back(self) -> None:
        """Every copied row, in one transaction (the foreign keys are checked at its end);
        rows still there are kept."""
        with transaction.atomic(), connection.cursor() as cursor:
            for table in self.tables:
                name = connection.ops.quote_name(table)
                cursor.execute(
                    f"INSERT INTO {name} SELECT * FROM {self.schema}.{name} "  # noqa: S608 -- a model's table
                    "ON CONFLICT DO NOTHING"
                )
