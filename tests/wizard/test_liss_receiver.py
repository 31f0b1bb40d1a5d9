"""The LISS receiver (``mis-wizard liss-serve``), fed by the Timetable-Daily-like client over loopback."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from mis_wizard.vendors.base import Context, Status
from mis_wizard.vendors.errors import VendorError
from mis_wizard.vendors.liss import SPEC, timetabler, wire
from mis_wizard.vendors.liss.receiver_protocol import ServerAuth
from mis_wizard.vendors.liss.render import LissSchool
from mis_wizard.wizard.http import build_client
from mis_wizard.wizard.liss_receiver import Receiver

AUTH = ServerAuth("03014", "timetable", "receiver-secret-pw")
FIXTURE = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "liss" / "xmlrpc" / "edval.publishBellTimes.methodCall.xml"


@pytest.fixture
def receiver(tmp_path: Path):
    r = Receiver(tmp_path / "liss", AUTH).start()
    yield r
    r.close()


def replay(receiver: Receiver, school, start: dt.date, end: dt.date, **kw) -> list[str]:
    async def go() -> list[str]:
        async with build_client(backoff=0.01) as http:
            auth = timetabler.timetabler_auth(AUTH.school, AUTH.username, AUTH.password)
            return await timetabler.replay(http, receiver.url, auth, school, start, end, **kw)

    return asyncio.run(go())


def test_a_basic_sync_and_covers_arrive_whole(receiver: Receiver, small_school) -> None:
    start, end = small_school.anchor - dt.timedelta(days=7), small_school.anchor + dt.timedelta(days=7)
    sent = replay(receiver, small_school, start, end)
    assert sent[:2] == ["liss.hello", "liss.getTimetableStructures"] and sent[-1] == "liss.publishDailyDeltas"
    rows = LissSchool(small_school)
    changes = [c for c in small_school.daily_changes if start <= c.date <= end]
    summary = receiver.summary()
    assert summary.basic == {
        "calendar_days": 15, "school_days": sum(1 for d in small_school.calendar if start <= d.date <= end
                                                 and d.cycle_day),
        "classes": len(rows.classes), "class_lists": len({m["ClassCode"] for m in rows.memberships}),
        "class_memberships": len(rows.memberships), "daily_lessons": len(rows.daily_data(start, end))}
    assert summary.publish_and_sync == {
        "covers": sum(c.kind == "cover" for c in changes), "room_changes": sum(c.kind == "room_change" for c in changes),
        "cancellations": sum(c.kind == "cancellation" for c in changes), "events": 0}
    assert summary.warnings == []
    assert len(receiver.store.rows("bell_times")) == 80 and receiver.store.rows("timetable")


def test_daily_data_without_published_covers_is_warned_about(receiver: Receiver, small_school) -> None:
    start, end = small_school.anchor - dt.timedelta(days=7), small_school.anchor + dt.timedelta(days=7)
    replay(receiver, small_school, start, end, covers_from=small_school.anchor)
    [warning] = receiver.summary().warnings
    first_school_day = min(d.date for d in small_school.calendar if start <= d.date <= end and d.cycle_day)
    assert first_school_day.isoformat() in warning and "Publish covers" in warning


def test_a_second_sync_replaces_the_dates_it_covers(receiver: Receiver, small_school) -> None:
    start, end = small_school.anchor - dt.timedelta(days=7), small_school.anchor + dt.timedelta(days=7)
    replay(receiver, small_school, start, end)
    replay(receiver, small_school, start, end)
    assert receiver.summary().basic["daily_lessons"] == len(LissSchool(small_school).daily_data(start, end))


def test_our_live_check_passes_against_the_receiver_and_tells_mistakes_apart(receiver: Receiver) -> None:
    good = {"base_url": receiver.url, "school_code": AUTH.school, "username": AUTH.username,
            "password": AUTH.password}

    async def go(credentials: dict) -> list:
        async with build_client(backoff=0.01) as http:
            return [r async for r in SPEC.connector().check(Context(http), credentials, SPEC.requirements())]

    assert [r.status for r in asyncio.run(go(good))] == [Status.OK, Status.OK]
    assert asyncio.run(go({**good, "school_code": "99999"}))[-1].code == "liss.school_code_rejected"
    assert asyncio.run(go({**good, "password": "nope"}))[-1].code == "liss.password_rejected"


def test_test_connection_with_a_wrong_password_is_refused(receiver: Receiver) -> None:
    async def go() -> None:
        async with build_client(backoff=0.01) as http:
            await timetabler.check_connection(http, receiver.url, timetabler.timetabler_auth(
                AUTH.school, AUTH.username, "wrong"))

    with pytest.raises(VendorError) as refused:
        asyncio.run(go())
    assert refused.value.code == "liss.password_rejected"


def test_edval_xml_rpc_bell_times_are_stored_under_their_structure(tmp_path: Path) -> None:
    r = Receiver(tmp_path / "liss", ServerAuth("EXAMPLESCHOOL", "admin", "********")).start()
    try:
        answer = httpx.post(r.url, content=FIXTURE.read_bytes(), headers={"Content-Type": "text/xml"})
        assert answer.status_code == 200 and b"<fault>" not in answer.content
        rows = r.store.rows("bell_times")
        assert len(rows) == 8
        assert r.liss.backend.read(wire.Call("liss.getTimetableStructures", [])) == [{"TtStructure": "main"}]
    finally:
        r.close()


def test_liss_serve_prints_its_address_then_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    code = ("import argparse, sys\nfrom mis_wizard.wizard import liss_receiver as r\n"
            "p = argparse.ArgumentParser(); r.add_arguments(p)\nsys.exit(r.run(p.parse_args(sys.argv[1:])))")
    env = {**os.environ, "LISS_PW": "serve-secret"}
    proc = subprocess.Popen([sys.executable, "-c", code, "--dir", str(tmp_path / "d"), "--port", "0",
                             "--school-code", "03014", "--password-env", "LISS_PW", "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    try:
        first = json.loads(proc.stdout.readline())
        assert first["url"].startswith("http://127.0.0.1:") and first["school_code"] == "03014"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "serve-secret" not in out + err and (tmp_path / "d" / "liss-received.sqlite").exists()


def test_show_previews_what_arrived_without_serving(receiver: Receiver, small_school, tmp_path: Path,
                                                     capsys) -> None:
    from mis_wizard.wizard.cli import main

    assert main(["liss-serve", "--dir", str(tmp_path / "empty"), "--show"]) == 1
    start, end = small_school.anchor - dt.timedelta(days=7), small_school.anchor + dt.timedelta(days=7)
    replay(receiver, small_school, start, end, covers_from=small_school.anchor)
    capsys.readouterr()
    assert main(["liss-serve", "--dir", str(tmp_path / "liss"), "--show"]) == 0
    text = capsys.readouterr().out
    assert "Basic sync:" in text and "Publish and sync:" in text and "Warning:" in text
    assert main(["liss-serve", "--dir", str(tmp_path / "liss"), "--show", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["basic"]["classes"] > 0
    assert main(["liss-serve", "--dir", str(tmp_path / "liss")]) == 2


def test_days_marked_weekend_in_any_case_are_not_school_days(receiver: Receiver) -> None:
    """liss.md: a calendar row is Date and DayName (a bell-times DayName or Holiday), DayNumber blank on
    holidays and weekends; a timetabler that names weekends "weekend" (lower case) must not add them."""
    from mis_wizard.vendors.liss import publish

    days = [{"Date": "2026-11-20", "DayName": "FriA", "DayNumber": 5},
            {"Date": "2026-11-21", "DayName": "weekend"},
            {"Date": "2026-11-22", "DayName": "Weekend", "DayNumber": ""},
            {"Date": "2026-11-23", "DayName": "MonB", "DayNumber": 6},
            {"Date": "2026-11-24", "DayName": "holiday"}]

    async def go() -> None:
        async with build_client(backoff=0.01) as http:
            auth = timetabler.timetabler_auth(AUTH.school, AUTH.username, AUTH.password)
            await publish.publish_calendar(http, receiver.url, auth, days)

    asyncio.run(go())
    basic = receiver.summary().basic
    assert basic["calendar_days"] == 5 and basic["school_days"] == 2
