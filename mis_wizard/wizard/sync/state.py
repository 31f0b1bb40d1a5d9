"""What the last good run wrote (a hash per record) and every run's report, in one SQLite file.

Diffs are made against this, so a second run reports exactly what changed at the school. It
is updated in the same step as the output (the SQLite sink shares its transaction), so an
interrupted run leaves the last good state with the last good output.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path

from mis_wizard.wizard import atomic, paths
from mis_wizard.wizard.sync.report import RunReport

SCHEMA = """
CREATE TABLE IF NOT EXISTS sync_state (sink TEXT, tbl TEXT, id TEXT, hash TEXT, PRIMARY KEY (sink, tbl, id));
CREATE TABLE IF NOT EXISTS sync_runs (id INTEGER PRIMARY KEY AUTOINCREMENT, sink TEXT, system TEXT,
    started TEXT, status TEXT, report TEXT);
"""


def default_path() -> Path:
    return paths.data_dir() / "sync.sqlite"


def connect(path: Path) -> sqlite3.Connection:
    atomic.create_private(path)  # SQLite gives its -wal and -shm files the database file's mode
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.executescript(SCHEMA)
    return conn


class State:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()
        self.conn = connect(self.path)

    def hashes(self, sink: str) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for tbl, rid, h in self.conn.execute("SELECT tbl, id, hash FROM sync_state WHERE sink = ?", (sink,)):
            out.setdefault(tbl, {})[rid] = h
        return out

    def replace_hashes(self, sink: str, tables: Mapping[str, Iterable[tuple[str, str]]]) -> None:
        """Inside the caller's transaction."""
        for tbl, rows in tables.items():
            self.conn.execute("DELETE FROM sync_state WHERE sink = ? AND tbl = ?", (sink, tbl))
            self.conn.executemany("INSERT INTO sync_state VALUES (?, ?, ?, ?)",
                                  ((sink, tbl, rid, h) for rid, h in rows))

    def record_run(self, report: RunReport) -> int:
        cur = self.conn.execute(
            "INSERT INTO sync_runs (sink, system, started, status, report) VALUES (?, ?, ?, ?, ?)",
            (report.sink, report.system, report.started, report.status, json.dumps(report.to_json())))
        return int(cur.lastrowid or 0)

    def runs(self, limit: int = 20, sink: str | None = None) -> list[RunReport]:
        """Newest first; only one output's runs when ``sink`` (its key) is given."""
        if sink is None:
            rows = self.conn.execute("SELECT id, report FROM sync_runs ORDER BY id DESC LIMIT ?", (limit,))
        else:
            rows = self.conn.execute("SELECT id, report FROM sync_runs WHERE sink = ? ORDER BY id DESC LIMIT ?",
                                     (sink, limit))
        out = []
        for rid, text in rows:
            report = RunReport.from_json(json.loads(text))
            report.run_id = rid
            out.append(report)
        return out

    def close(self) -> None:
        self.conn.close()
