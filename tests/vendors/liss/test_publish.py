"""The publish client and the Timetable-Daily-like replay, against the LISS server emulator."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from mis_wizard.vendors.errors import VendorError
from mis_wizard.vendors.liss import publish, timetabler
from mis_wizard.vendors.liss.render import LissSchool
from mis_wizard.vendors.liss.sandbox import LissEmulator
from mis_wizard.wizard.http import build_client


def test_replay_publishes_every_kind_with_the_school_rows(sandbox, small_school) -> None:
    hosted = sandbox.add(LissEmulator(small_school))
    emulator: LissEmulator = hosted.emulator
    start, end = small_school.anchor - dt.timedelta(days=3), small_school.anchor + dt.timedelta(days=10)

    async def go() -> list[str]:
        async with build_client(backoff=0.01) as http:
            auth = timetabler.timetabler_auth(emulator.auth.school, emulator.auth.username, emulator.auth.password)
            return await timetabler.replay(http, f"{hosted.base_url}/liss", auth, small_school, start, end)

    sent = asyncio.run(go())
    rows = LissSchool(small_school)
    published = emulator.published
    assert {m.removeprefix("liss.") for m in sent if "publish" in m} == set(published)
    assert len(published["publishClasses"].rows) == len(rows.classes)
    assert len(published["publishClassMemberships"].rows) == len(rows.memberships)
    assert len(published["publishDailyData"].rows) == len(rows.daily_data(start, end))
    assert published["publishDailyData"].date_range() == (start, end)
    assert published["publishBellTimes"].args == [rows.tt_structure]
    assert len(published["publishTimetable"].args) == 6  # 8 positional params: auth, rows and six scalars
    assert published["publishDailyDeltas"].user_agent == "web.edval"
    assert any(r.get("Replacing") for r in published["publishDailyDeltas"].rows)


def test_a_refused_publish_raises_with_the_check_code(sandbox, small_school) -> None:
    hosted = sandbox.add(LissEmulator(small_school))

    async def go() -> None:
        async with build_client(backoff=0.01) as http:
            auth = timetabler.timetabler_auth("03014", "timetable", "whatever")
            await publish.publish_calendar(http, f"{hosted.base_url}/liss", auth, [])

    with pytest.raises(VendorError) as refused:
        asyncio.run(go())
    assert refused.value.code == "liss.school_code_rejected" and refused.value.remedy
