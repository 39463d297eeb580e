"""Migrations of the history tables (raw.observations, meta.runs), which are never rebuilt.

Derived tables are rebuilt from their model on every write, so a changed column needs nothing. A history table
holds rows that cannot be recomputed (every vintage ever seen, every publish), so its shape changes only here:

- a column added to the model is added to the stored table with the value its field declares as
  ``metadata={"migration_default": <SQL literal>}`` for the rows stored before it existed;
- anything else (a column dropped, renamed or retyped) needs an explicit SQL file ``sql/migrations/NNN_<name>.sql``,
  applied once, in order, and recorded in ``meta.schema_migrations``.

A stored table that still differs from its model after that is an error naming the table and the columns: the
run stops before anything is written, and the data folder is left as it was.
"""

from __future__ import annotations

import datetime as dt
import re

import duckdb

from macro_pipeline.settings import SQL_DIR
from macro_pipeline.sql import load_sql, qualified, quote_identifier, split_statements

MIGRATIONS_DIR = SQL_DIR / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


class MigrationError(RuntimeError):
    """A stored history table cannot be brought to its model's shape by the declared migrations."""


def declared_migrations() -> list[str]:
    """Names (without .sql) of the explicit migrations, in the order they apply."""
    if not MIGRATIONS_DIR.is_dir():
        return []
    names = sorted(p.name for p in MIGRATIONS_DIR.iterdir() if p.suffix == ".sql")
    bad = [n for n in names if not _MIGRATION_NAME.match(n)]
    if bad:
        raise MigrationError(f"migration files must be named NNN_name.sql: {bad}")
    return [n[:-4] for n in names]


def migrate_history_tables(con: duckdb.DuckDBPyConnection, specs: list, stored: dict[str, list[str]]) -> list[str]:
    """Bring the stored history tables to their models' shape; returns what was done (for the run log)."""
    done: list[str] = []
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    con.execute("CREATE TABLE IF NOT EXISTS meta.schema_migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP)")
    applied = {r[0] for r in con.execute("SELECT name FROM meta.schema_migrations").fetchall()}
    for name in declared_migrations():
        if name in applied:
            continue
        con.begin()
        try:
            for statement in split_statements(load_sql(f"migrations/{name}")):
                con.execute(statement)
            con.execute("INSERT INTO meta.schema_migrations VALUES (?, ?)",
                        [name, dt.datetime.now(dt.UTC).replace(tzinfo=None)])
            con.commit()
        except duckdb.Error as err:
            con.rollback()
            raise MigrationError(f"migration sql/migrations/{name}.sql failed: {err}") from None
        done.append(name)
    for spec in specs:
        columns = [c[0] for c in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
            "AND schema_name = ? AND table_name = ? ORDER BY column_index", [spec.schema, spec.table]).fetchall()]
        for column in spec.columns:
            if column.name in columns:
                continue
            default = _migration_default(spec, column.name)
            if default is None:
                raise MigrationError(
                    f"{spec.name}: the stored table has no column {column.name!r} and its model declares no "
                    f"migration_default for it; add one or a migration under sql/migrations/")
            con.execute(f"ALTER TABLE {qualified(spec.name)} ADD COLUMN {quote_identifier(column.name)} "
                        f"{column.duckdb_type} DEFAULT {default}")
            done.append(f"{spec.name}: added {column.name} (earlier rows: {default})")
            columns.append(column.name)
        extra = [c for c in columns if c not in spec.column_names()]
        if extra:
            raise MigrationError(f"{spec.name}: stored columns {extra} are not in the model; a migration under "
                                 "sql/migrations/ must say what becomes of them")
    return done


def _migration_default(spec, column_name: str) -> str | None:
    field = spec.model.to_schema().columns[column_name]
    return (field.metadata or {}).get("migration_default")
