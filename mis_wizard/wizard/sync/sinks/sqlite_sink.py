"""The default store: one SQLite file, each run one transaction with its state."""

from __future__ import annotations

import sqlite3

import httpx

from mis_wizard.wizard.sync.report import RunReport
from mis_wizard.wizard.sync.sinks.base import ID, FileSink, Output, Row, row_hash
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

    def stream(self, state: State) -> SqliteStream:
        """Write a sync as it streams (the engine's path for this sink); see SqliteStream."""
        return SqliteStream(self, state)

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


class SqliteStream:
    """A sync written into the store as its rows arrive, in one transaction with its state.

    Each table's rows and their hashes go straight into SQLite (the hashes into a temporary table),
    so neither the rows nor the last run's state are held in memory; the diff against the last good
    state is counted in SQL. ``commit`` replaces that state; ``rollback`` (a held, failed or
    cancelled run) leaves the last good output and state as they were."""

    def __init__(self, sink: SqliteSink, state: State) -> None:
        self.conn = state.conn
        self.state = state
        self.key = state.scoped(sink.key)
        self.columns: dict[str, list[str]] = {}
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS sync_new (tbl TEXT, id TEXT, hash TEXT, "
                          "PRIMARY KEY (tbl, id))")
        self.conn.execute("DELETE FROM temp.sync_new")

    def table(self, name: str, columns: list[str]) -> None:
        self.columns[name] = [ID, *[c for c in columns if c != ID]]
        table = _quote(f"data_{name}")
        self.conn.execute(f"DROP TABLE IF EXISTS {table}")
        self.conn.execute(f"CREATE TABLE {table} ({', '.join(_quote(c) + ' TEXT' for c in self.columns[name])}, "
                          f"PRIMARY KEY ({_quote(ID)}))")

    def add(self, name: str, rows: list[Row]) -> int:
        """Write rows (each with ``_id``); returns how many had an id an earlier row already had
        (the first row with an id is kept, as when the rows were gathered first)."""
        columns = self.columns[name]
        before = self.conn.total_changes
        self.conn.executemany("INSERT OR IGNORE INTO temp.sync_new VALUES (?, ?, ?)",
                              ((name, str(r[ID]), row_hash(r)) for r in rows))
        fresh = self.conn.total_changes - before
        self.conn.executemany(
            f"INSERT OR IGNORE INTO {_quote(f'data_{name}')} VALUES ({', '.join('?' for _ in columns)})",
            ([None if r.get(c) is None else str(r.get(c)) for c in columns] for r in rows))
        return len(rows) - fresh

    def diff(self, name: str) -> tuple[int, int, int, int, int]:
        """(written, previous, added, changed, removed) against the last good state."""
        one = self.conn.execute
        written = one("SELECT count(*) FROM temp.sync_new WHERE tbl = ?", (name,)).fetchone()[0]
        previous = one("SELECT count(*) FROM sync_state WHERE sink = ? AND tbl = ?", (self.key, name)).fetchone()[0]
        kept, changed = one(
            "SELECT count(*), coalesce(sum(s.hash != n.hash), 0) FROM temp.sync_new n JOIN sync_state s "
            "ON s.sink = ? AND s.tbl = n.tbl AND s.id = n.id WHERE n.tbl = ?", (self.key, name)).fetchone()
        return written, previous, written - kept, changed, previous - kept

    def commit(self) -> None:
        for name, columns in self.columns.items():
            _create_indexes(self.conn, name, columns)
            self.conn.execute("DELETE FROM sync_state WHERE sink = ? AND tbl = ?", (self.key, name))
            self.conn.execute("INSERT INTO sync_state SELECT ?, tbl, id, hash FROM temp.sync_new WHERE tbl = ?",
                              (self.key, name))
        self.conn.execute("COMMIT")
        self.conn.execute("DROP TABLE IF EXISTS temp.sync_new")

    def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        self.conn.execute("DROP TABLE IF EXISTS temp.sync_new")
