"""The default store: one SQLite file, each run one transaction with its state."""

from __future__ import annotations

from pathlib import Path

import httpx

from mis_wizard.wizard.sync.report import RunReport
from mis_wizard.wizard.sync.sinks.base import ID, Output, Sink
from mis_wizard.wizard.sync.state import State


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class SqliteSink(Sink):
    scheme = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def key(self) -> str:
        return f"sqlite:{self.path.resolve()}"

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
            state.replace_hashes(self.key, output.hashes())
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
