"""What the last good run wrote (a hash per record) and every run's report, in one SQLite file.

Diffs are made against this, so a second run reports exactly what changed at the school. It
is updated in the same step as the output (the SQLite sink shares its transaction), so an
interrupted run leaves the last good state with the last good output.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sqlite3
import unicodedata
import urllib.parse
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from mis_wizard.wizard import atomic, paths
from mis_wizard.wizard.sync.report import RunReport

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS sync_state (sink TEXT, tbl TEXT, id TEXT, hash TEXT, PRIMARY KEY (sink, tbl, id));
CREATE TABLE IF NOT EXISTS sync_runs (id INTEGER PRIMARY KEY AUTOINCREMENT, sink TEXT, system TEXT,
    started TEXT, status TEXT, report TEXT);
"""


SHARED_NAME = "sync.sqlite"
"""The one default store every setup shared before each setup had its own."""
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def slug(text: str, limit: int = 40) -> str:
    """Lower-case letters, digits and single dashes: safe in a Windows file name."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    out = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:limit].strip("-")
    if not out:
        return "unnamed"
    return f"{out}-x" if out in _RESERVED else out


def setup_name(school: str, system: str, profile: str) -> str:
    """One setup (school × system × integrator profile) as a readable name, e.g. ``riverbend-college-tass-demo``.

    ``profile`` is a built-in profile name or a TOML file's path: the file's stem is used."""
    profile_id = Path(profile).stem if ("/" in profile or "\\" in profile or profile.endswith(".toml")) else profile
    return f"{slug(school)}-{slug(system, 20)}-{slug(profile_id or 'demo', 30)}"


def school_of_credentials(credentials: Mapping[str, Any]) -> str:
    """Who a credentials file is for: its school name if it has one, else its server's host."""
    for key in ("school_name", "school"):
        value = credentials.get(key)
        if isinstance(value, Mapping):
            value = value.get("name")
        if isinstance(value, str) and value.strip():
            return value.strip()
    for key in ("base_url", "server", "url", "host", "server_url", "base"):
        value = credentials.get(key)
        if isinstance(value, str) and value.strip():
            parts = urllib.parse.urlsplit(value.strip() if "//" in value else f"//{value.strip()}")
            host = parts.hostname or value.strip()
            return f"{host}-{parts.port}" if parts.port else host
    return "unnamed school"


def stores_dir() -> Path:
    path = paths.data_dir() / "stores"
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_path(setup: str) -> Path:
    """This setup's own default store; no other setup's records are ever in it. (Whoever runs a
    sync first calls set_aside_shared, to say to the admin where the old shared store went.)"""
    return stores_dir() / f"{setup}.sqlite"


def shared_path() -> Path:
    return paths.data_dir() / SHARED_NAME


def set_aside_shared() -> str:
    """Move the old shared default store aside, once, under a clear name; nothing is deleted.

    Returns what was done, for the admin (empty when there was nothing to move)."""
    old = shared_path()
    if not old.exists():
        return ""
    stamp = dt.date.today().isoformat()
    aside = old.with_name(f"sync-shared-before-{stamp}.sqlite")
    n = 2
    while aside.exists():
        aside = old.with_name(f"sync-shared-before-{stamp}-{n}.sqlite")
        n += 1
    for suffix in ("-wal", "-shm"):  # SQLite's companions move with it, so nothing is lost
        part = old.with_name(old.name + suffix)
        if part.exists():
            part.replace(aside.with_name(aside.name + suffix))
    old.replace(aside)
    message = (f"The store all schools used to share was kept as {aside.name} in {aside.parent}. "
               "Each school's setup now has its own store in the stores folder beside it.")
    log.info("old shared sync store set aside as %s", aside.name)
    return message


def connect(path: Path) -> sqlite3.Connection:
    atomic.create_private(path)  # SQLite gives its -wal and -shm files the database file's mode
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.executescript(SCHEMA)
    return conn


class State:
    def __init__(self, path: Path | None = None, setup: str = "") -> None:
        self.path = path or (paths.data_dir() / "sync-state.sqlite")
        self.setup = setup
        """The setup whose records these are: its state and runs are kept apart from every other setup's."""
        self.conn = connect(self.path)

    def scoped(self, sink: str) -> str:
        return f"{sink} [{self.setup}]" if self.setup else sink

    def hashes(self, sink: str) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        rows = self.conn.execute("SELECT tbl, id, hash FROM sync_state WHERE sink = ?", (self.scoped(sink),))
        for tbl, rid, h in rows:
            out.setdefault(tbl, {})[rid] = h
        return out

    def replace_hashes(self, sink: str, tables: Mapping[str, Iterable[tuple[str, str]]]) -> None:
        """Inside the caller's transaction."""
        sink = self.scoped(sink)
        for tbl, rows in tables.items():
            self.conn.execute("DELETE FROM sync_state WHERE sink = ? AND tbl = ?", (sink, tbl))
            self.conn.executemany("INSERT INTO sync_state VALUES (?, ?, ?, ?)",
                                  ((sink, tbl, rid, h) for rid, h in rows))

    def record_run(self, report: RunReport) -> int:
        cur = self.conn.execute(
            "INSERT INTO sync_runs (sink, system, started, status, report) VALUES (?, ?, ?, ?, ?)",
            (self.scoped(report.sink), report.system, report.started, report.status, json.dumps(report.to_json())))
        return int(cur.lastrowid or 0)

    def runs(self, limit: int = 20, sink: str | None = None) -> list[RunReport]:
        """Newest first; only one output's runs when ``sink`` (its key) is given, and only this
        setup's when the state has one."""
        if sink is None and not self.setup:
            rows = self.conn.execute("SELECT id, report FROM sync_runs ORDER BY id DESC LIMIT ?", (limit,))
        elif sink is None:
            rows = self.conn.execute("SELECT id, report FROM sync_runs WHERE sink LIKE ? ESCAPE '\\' "
                                     "ORDER BY id DESC LIMIT ?", ("%" + _like(f" [{self.setup}]"), limit))
        else:
            rows = self.conn.execute("SELECT id, report FROM sync_runs WHERE sink = ? ORDER BY id DESC LIMIT ?",
                                     (self.scoped(sink), limit))
        out = []
        for rid, text in rows:
            report = RunReport.from_json(json.loads(text))
            report.run_id = rid
            out.append(report)
        return out

    def close(self) -> None:
        self.conn.close()


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
