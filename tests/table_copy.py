"""A copy of the rows of a test database's tables, in a schema of its own, put back after a
transactional test has emptied the tables or inside a test's transaction: a few
milliseconds, where making the rows again (the catalog load, a world built through the
services) takes seconds."""

from __future__ import annotations

from django.db import connection, transaction


class TableCopy:
    def __init__(self, schema: str) -> None:
        self.schema = schema
        self.tables: list[str] = []

    def take(self, *, leaving_out: TableCopy | None = None) -> None:
        """Copy the rows of every table, but those that `leaving_out` holds (by primary
        key): what was made since that copy was taken."""
        tables = connection.introspection.django_table_names(
            only_existing=True, include_views=False
        )
        earlier = set(leaving_out.tables) if leaving_out else set()
        self.tables.clear()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
            cursor.execute(f"CREATE SCHEMA {self.schema}")
            for table in sorted(tables):
                name = connection.ops.quote_name(table)
                rows = f"SELECT * FROM {name}"  # noqa: S608 -- a model's table
                if leaving_out is not None and table in earlier:
                    column = connection.introspection.get_primary_key_column(cursor, table)
                    assert column is not None, f"{table} has no primary key to tell rows apart"
                    key = connection.ops.quote_name(column)
                    earlier_keys = f"SELECT {key} FROM {leaving_out.schema}.{name}"  # noqa: S608 -- a model's table
                    rows += f" WHERE {key} NOT IN ({earlier_keys})"
                cursor.execute(f"SELECT EXISTS ({rows})")
                if cursor.fetchone()[0]:
                    cursor.execute(f"CREATE TABLE {self.schema}.{name} AS {rows}")
                    self.tables.append(table)

    def put_back(self, *, keep_existing: bool) -> None:
        """Every copied row, in one transaction; with `keep_existing`, a row whose key is
        there already is kept as it is (and any other clash with a unique constraint too),
        otherwise any clash is an error. The foreign keys are checked at the end, also
        inside a test's transaction, which is rolled back before it would check them."""
        clash = " ON CONFLICT DO NOTHING" if keep_existing else ""
        with transaction.atomic(), connection.cursor() as cursor:
            for table in self.tables:
                name = connection.ops.quote_name(table)
                cursor.execute(
                    f"INSERT INTO {name} SELECT * FROM {self.schema}.{name}{clash}"  # noqa: S608 -- a model's table
                )
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
