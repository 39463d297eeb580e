"""Loading the SQL files under sql/ and quoting what SQL cannot take as a bound parameter."""

from __future__ import annotations

import re
from functools import cache

from macro_pipeline.settings import SQL_DIR

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


@cache
def load_sql(name: str) -> str:
    """The text of sql/<name>.sql; ``name`` is a path below sql/ without the suffix, e.g. 'pipeline/merge'."""
    if not re.fullmatch(r"[a-z_]+(/[a-z_]+)*", name):
        raise ValueError(f"not a sql file name: {name!r}")
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def quote_identifier(name: str) -> str:
    """Quote a registry identifier (schema, table or column); anything but snake_case is refused."""
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"not a warehouse identifier: {name!r}")
    return f'"{name}"'


def qualified(table_name: str) -> str:
    schema, table = table_name.split(".")
    return f"{quote_identifier(schema)}.{quote_identifier(table)}"


def string_literal(text: str) -> str:
    """A SQL string literal, for the few statements (COMMENT ON) that take no parameters."""
    return "'" + text.replace("'", "''") + "'"


def split_statements(sql: str) -> list[str]:
    """The statements of a sql/ file, comments removed (the files hold no ';' inside strings)."""
    body = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    return [s.strip() for s in body.split(";") if s.strip()]
