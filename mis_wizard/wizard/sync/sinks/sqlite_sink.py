"""The default store: one SQLite file, each run one transaction with its state."""

from __future__ import annotations

import sqlite3

import httpx

from mis_wizard.wizard.sync.report import RunReport
from mis_wizard.wizard.sync.sinks.base import ID, FileSink, Output
from mis_wizard.wizard.sync.state import State


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _is_key_column(column: str) -> bool:
    """The row id, each record's own id (``student.id``) and the columns that point at other rows
    (``class_membership.student_id``, ``class.teacher_ids``, ``classSourcedId``)."""
    lower = column.lower()
    return column == ID or lower in ("id", "guid", "uuid") or lower.endswith(("_id", "_ids", "_guid", ".id")) \
        or column.endswith(("Id", "Ids", "ID", "Guid", "GUID"))


def _create_indexes(conn: sqlite3.Connection, name: str, columns: list[str]) -> None:
    """An index on each key column that joins use, so a report across tables does not scan them."""
    table = _quote(f"data_{name}")
    for column in columns:
        if column != ID and _is_key_column(column):  # the row id already has its primary-key index
            conn.execute(f"CREATE INDEX IF NOT EXISTS {_quote(f'idx_{name}_{column}')} ON {table} ({_quote(column)})")


class SqliteSink(FileSink):
    scheme = "sqlite"

    def state(self) -> State:
        return State(self.path)

    async def write(self, output: Output, state: State, report: RunReport, http: httpx.AsyncClient) -> None:
        conn = state.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            for name, rows in output.tables.items():
                columns = [ID, *[c for c in output.columns[name] if c != ID]]
                table = _quote(f"data_{name}")
                conn.execute(f"DROP TABLE IF EXISTS {table}")
                conn.execute(f"CREATE TABLE {table} ({', '.join(_quote(c) + ' TEXT' for c in columns)}, "
                             f"PRIMARY KEY ({_quote(ID)}))")
                conn.executemany(
                    f"INSERT OR REPLACE INTO {table} VALUES ({', '.join('?' for _ in columns)})",
                    ([None if r.get(c) is None else str(r.get(c)) for c in columns] for r in rows))
                _create_indexes(conn, name, columns)
            state.replace_hashes(self.key, output.hashes())
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
