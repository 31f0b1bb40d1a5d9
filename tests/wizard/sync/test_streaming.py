"""A sync into SQLite streams (records spooled to disk, then filtered, mapped and written as they
come, the diff counted in SQL); it must give exactly what the gathered run gives: the same store,
the same state and the same report, for every system, on a second run, and when held."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from mis_wizard.vendors import registry
from mis_wizard.vendors.base import Context
from mis_wizard.vendors.sandbox.kit import Sandbox
from mis_wizard.wizard.http import build_client
from mis_wizard.wizard.profile import load_builtin
from mis_wizard.wizard.subject import Subject, from_credentials
from mis_wizard.wizard.sync import engine, streaming
from mis_wizard.wizard.sync.report import RunReport
from mis_wizard.wizard.sync.sinks.sqlite_sink import SqliteSink


class GatheredSink(SqliteSink):
    """The same store written the way every other sink is: everything gathered first."""

    stream = None  # type: ignore[assignment]


def run(subject: Subject, sink: SqliteSink, entities: list[str] | None = None, confirm: bool = False
        ) -> dict[str, Any]:
    async def go() -> RunReport:
        async with build_client(backoff=0.01) as http:
            return await engine.run(engine.Plan(subject, sink, entities or [], confirm_removals=confirm,
                                                setup="streaming-test"), Context(http))
    try:
        report = asyncio.run(go())
    except engine.RemovalsHeld as held:
        report = held.report
        assert report.status == "held"
    except engine.TooManyExcluded as excluded:
        report = excluded.report
        assert report.status == "failed"
    data = report.to_json()
    for key in ("sink", "elapsed_ms", "finished", "started", "run_id"):
        data.pop(key, None)
    return data


def store(path: Path) -> dict[str, Any]:
    conn = sqlite3.connect(path)
    out: dict[str, Any] = {}
    names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'index') "
                                        "AND name NOT LIKE 'sqlite_%' AND name != 'sync_runs' ORDER BY name")]
    for name in names:
        kind = conn.execute("SELECT type FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0]
        if kind == "index":
            out[name] = "index"
        elif name == "sync_state":
            out[name] = sorted((tbl, rid, h) for _, tbl, rid, h in conn.execute("SELECT * FROM sync_state"))
        else:
            cur = conn.execute(f'SELECT * FROM "{name}" ORDER BY rowid')
            out[name] = ([d[0] for d in cur.description], cur.fetchall())
    conn.close()
    return out


def subject_for(box: Sandbox, system: str, filters: list[dict[str, Any]] | None = None) -> Subject:
    creds = box.describe()["systems"][system]["credentials"]
    subject = from_credentials(system, creds, load_builtin("demo"))
    if filters is not None:
        subject.profile = dataclasses.replace(subject.profile, filters=filters)
    return subject


@pytest.fixture(scope="module")
def box(small_school):
    with Sandbox() as sandbox:
        for spec in registry.all_specs():
            sandbox.add(spec.emulator(small_school))
        yield sandbox


@pytest.mark.parametrize("system", registry.SYSTEM_IDS)
def test_every_system_streams_to_the_same_store_and_report(box, system: str, tmp_path: Path) -> None:
    subject = subject_for(box, system)
    streamed, gathered = tmp_path / "streamed.sqlite", tmp_path / "gathered.sqlite"
    assert run(subject, SqliteSink(streamed)) == run(subject, GatheredSink(gathered))
    assert store(streamed) == store(gathered)


STUDENT_FILTERS = [
    {"name": "students_in_class"},
    {"name": "year_collisions", "params": {"apply_suffix": True}},
    {"name": "unique_email", "entity": "students"},
    {"name": "field_values", "params": {"concept": "student.year_level", "values": ["7", "8", "9", "10", "11"]}},
]


@pytest.mark.parametrize("system", ["powerschool", "tass", "isams"])
def test_students_stream_through_their_filters(box, system: str, tmp_path: Path) -> None:
    """Students alone stream (nothing else read reads them); a second run diffs against the first,
    and a run that would remove many students is held without writing, both ways alike."""
    subject = subject_for(box, system, STUDENT_FILTERS)
    assert streaming.streamed_entities(subject, ["students"]) == {"students"}
    streamed, gathered = tmp_path / "streamed.sqlite", tmp_path / "gathered.sqlite"
    first = run(subject, SqliteSink(streamed), ["students"])
    assert first == run(subject, GatheredSink(gathered), ["students"])
    assert first["tables"]["students"]["written"] > 0
    assert store(streamed) == store(gathered)

    fewer = subject_for(box, system, [*STUDENT_FILTERS[:3], {"name": "field_values", "params": {
        "concept": "student.year_level", "values": ["7", "8"]}}])
    held = run(fewer, SqliteSink(streamed), ["students"])
    assert held == run(fewer, GatheredSink(gathered), ["students"])
    assert held["status"] == "held" and store(streamed) == store(gathered)

    confirmed = run(fewer, SqliteSink(streamed), ["students"], confirm=True)
    assert confirmed == run(fewer, GatheredSink(gathered), ["students"], confirm=True)
    assert confirmed["tables"]["students"]["removed"] > 0
    assert store(streamed) == store(gathered)


def test_a_filter_that_finds_nothing_suggests_the_same_both_ways(box, tmp_path: Path) -> None:
    subject = subject_for(box, "powerschool", [
        {"name": "field_values", "params": {"concept": "student.year_level", "values": ["13"]}},
        {"name": "year_collisions"}])
    streamed = run(subject, SqliteSink(tmp_path / "s.sqlite"), ["students"])
    assert streamed == run(subject, GatheredSink(tmp_path / "g.sqlite"), ["students"])
    assert streamed["status"] == "failed" and "it sends" in streamed["filters"][0]["suggestion"]


def test_the_spool_is_gone_when_the_run_ends(box, tmp_path: Path) -> None:
    run(subject_for(box, "powerschool", STUDENT_FILTERS), SqliteSink(tmp_path / "store.sqlite"), ["students"])
    assert sorted(p.name for p in tmp_path.iterdir() if "spool" in p.name) == []
