"""A sync holds no more than it needs: raw fields only where rules read them, and canonical
records let go once mapped unless the sink builds its own format from them."""

from __future__ import annotations

import asyncio
import copy
from pathlib import Path
from typing import Any

from mis_wizard.vendors.base import Context
from mis_wizard.vendors.powerschool.sandbox import PowerSchoolEmulator
from mis_wizard.wizard.http import build_client
from mis_wizard.wizard.profile import load_builtin
from mis_wizard.wizard.subject import Subject, from_credentials
from mis_wizard.wizard.sync import engine
from mis_wizard.wizard.sync.report import RunReport
from mis_wizard.wizard.sync.sinks.base import row_hash
from mis_wizard.wizard.sync.sinks.sqlite_sink import SqliteSink
from mis_wizard.wizard.sync.state import State


def subject_of(sandbox, school, mapping: dict[str, Any] | None = None) -> Subject:
    sandbox.add(PowerSchoolEmulator(school))
    creds = sandbox.describe()["systems"]["powerschool"]["credentials"]
    subject = from_credentials("powerschool", creds, load_builtin("demo"))
    subject.mapping = mapping or {}
    return subject


def pulled(subject: Subject) -> dict[str, list[dict[str, Any]]]:
    async def go() -> dict[str, list[dict[str, Any]]]:
        async with build_client(backoff=0.01) as http:
            return await engine.pull(subject, Context(http), ["students"], RunReport("powerschool", "test"))
    return asyncio.run(go())


def test_records_keep_only_the_raw_fields_rules_read(sandbox, small_school) -> None:
    plain = pulled(subject_of(sandbox, small_school))["students"]
    assert not any(k.startswith("raw:") for r in plain for k in r)
    assert all("student.id" in r for r in plain)


def test_a_session_rule_on_a_raw_field_keeps_that_field(sandbox, small_school) -> None:
    mapping = {"students": {"code": {"kind": "direct", "source": "raw:student_username"}}}
    records = pulled(subject_of(sandbox, small_school, mapping))["students"]
    assert {k for r in records for k in r if k.startswith("raw:")} == {"raw:student_username"}


def test_shape_without_the_dataset_maps_the_same_and_lets_records_go(sandbox, small_school) -> None:
    subject = subject_of(sandbox, small_school)
    dataset = pulled(subject)
    kept = engine.shape(subject, copy.deepcopy(dataset), RunReport("powerschool", "test"))
    released = engine.shape(subject, dataset, RunReport("powerschool", "test"), keep_dataset=False)
    assert dataset == {} and released.dataset == {}
    assert kept.dataset["students"]
    assert released.tables == kept.tables and len(released.tables["students"]) == len(small_school.students)


def test_the_state_keeps_the_hashes_the_diff_computed(sandbox, small_school, tmp_path: Path) -> None:
    subject = subject_of(sandbox, small_school)
    sink = SqliteSink(tmp_path / "store.sqlite")

    async def go() -> RunReport:
        async with build_client(backoff=0.01) as http:
            return await engine.run(engine.Plan(subject, sink, ["students"]), Context(http))

    assert asyncio.run(go()).table("students").added == len(small_school.students)
    state = State(tmp_path / "store.sqlite", setup=engine.setup_of(subject))
    stored = state.hashes(sink.key)["students"]
    rows = state.conn.execute('SELECT * FROM "data_students"')
    names = [d[0] for d in rows.description]
    for values in rows:
        row = dict(zip(names, values, strict=True))
        assert stored[row["_id"]] == row_hash(row)
    state.close()
