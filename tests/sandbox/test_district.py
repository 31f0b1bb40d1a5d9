"""The synthetic school's district size: deterministic, made a block at a time, and served by
the PowerSchool emulator page by page to a real sync."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import sqlite3
from pathlib import Path

from mis_wizard.vendors.base import Context
from mis_wizard.vendors.powerschool.sandbox import PowerSchoolEmulator
from mis_wizard.vendors.sandbox import school as model
from mis_wizard.vendors.sandbox.kit import Sandbox
from mis_wizard.wizard.http import build_client
from mis_wizard.wizard.profile import load_builtin
from mis_wizard.wizard.subject import from_credentials
from mis_wizard.wizard.sync import engine
from mis_wizard.wizard.sync.sinks.sqlite_sink import SqliteSink

ANCHOR = dt.date(2026, 11, 22)


def test_a_district_is_the_same_district_each_time_and_read_in_any_order() -> None:
    one, two = model.district(5, 2_500, ANCHOR), model.district(5, 2_500, ANCHOR)
    assert len(one.students) == 2_500 and one.students[-1].id == "S002500"
    assert [s.id for s in one.students] == [f"S{i:06d}" for i in range(1, 2_501)]
    backwards = [two.students[i] for i in range(2_499, -1, -1)]  # blocks made again, in another order
    assert list(reversed(backwards)) == list(one.students)
    assert one.students[990:1010] == list(one.students)[990:1010]
    assert list(one.memberships) == list(two.memberships) and len(one.memberships) == len(list(one.memberships))
    assert [dataclasses.asdict(c) for c in one.contacts] == [dataclasses.asdict(c) for c in two.contacts]
    assert model.district(6, 2_500, ANCHOR).students[7] != one.students[7]


def test_a_district_keeps_the_quirks_filters_exist_for() -> None:
    d = model.district(1, 3_000, ANCHOR)
    assert any(s.status == "leaver" for s in d.students)
    assert any(c.combined for c in d.contacts) and any(not c.email for c in d.contacts)
    placed = {sid for _, sid in d.memberships}
    current = [s for s in d.students if s.status == "current"]
    assert 0 < len(current) - len(placed & {s.id for s in current}) < len(current) // 10  # some in no class
    assert {cid for cid, _ in d.memberships} <= {c.id for c in d.classes}


def test_a_district_syncs_through_the_emulator_page_by_page(tmp_path: Path) -> None:
    district = model.district(7, 2_345, ANCHOR)
    with Sandbox() as box:
        box.add(PowerSchoolEmulator(district))
        subject = from_credentials("powerschool", box.describe()["systems"]["powerschool"]["credentials"],
                                   load_builtin("demo"))
        sink = SqliteSink(tmp_path / "store.sqlite")

        async def go() -> int:
            async with build_client(backoff=0.01) as http:
                report = await engine.run(engine.Plan(subject, sink, ["students", "class_memberships"]),
                                          Context(http))
                return report.table("students").written
        written = asyncio.run(go())
    conn = sqlite3.connect(tmp_path / "store.sqlite")
    ids = {rid for (rid,) in conn.execute('SELECT "_id" FROM data_students')}
    members = conn.execute("SELECT count(*) FROM data_class_memberships").fetchone()[0]
    conn.close()
    placed = {sid for _, sid in district.memberships}
    assert written == len(ids) == len({s.id for s in district.students if s.id in placed})
    assert members == len(district.memberships)
