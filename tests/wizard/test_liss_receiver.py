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
FIXTURE = (Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "liss" / "xmlrpc"
           / "edval.publishBellTimes.methodCall.xml")


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
        "covers": sum(c.kind == "cover" for c in changes),
        "room_changes": sum(c.kind == "room_change" for c in changes),
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


# Hostile senders: a request's framing is checked before its body is read, and a body is bounded while it arrives.

AUTH_OBJECT = {"School": AUTH.school, "UserName": AUTH.username, "Password": AUTH.password, "LissVersion": 10002}
HELLO = wire.request_body("liss.hello", [], 1)


def raw_exchange(receiver: Receiver, request: bytes, timeout: float = 5.0) -> tuple[int, bytes]:
    """Send bytes as they are (no client to fix the framing) and read the answer until the server closes."""
    import socket

    with socket.create_connection((receiver.host, receiver.httpd.server_port), timeout=timeout) as sock:
        sock.sendall(request)
        answer = b""
        while b"\r\n\r\n" not in answer:
            piece = sock.recv(65536)
            if not piece:
                break
            answer += piece
        head, _, body = answer.partition(b"\r\n\r\n")
        length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        while len(body) < length:
            piece = sock.recv(65536)
            if not piece:
                break
            body += piece
    return int(head.split(b" ", 2)[1]), body


def post_head(*headers: str) -> bytes:
    return ("POST /liss HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + "".join(f"{h}\r\n" for h in headers) + "\r\n").encode()


def still_answers(receiver: Receiver) -> bool:
    answer = httpx.post(receiver.url, content=HELLO, headers={"Content-Type": "application/json"}, timeout=5)
    return answer.status_code == 200 and answer.json()["result"]["LissVersion"] == 10002


@pytest.mark.parametrize("headers, status", [
    (("Content-Length: -1",), 400),
    ((), 411),
    (("Content-Length: 12abc",), 400),
    (("Content-Length: 99999999999999",), 413),
    (("Content-Length: 10", "Content-Length: 11"), 400),
    (("Content-Length: 10", "Transfer-Encoding: chunked"), 400),
    (("Transfer-Encoding: gzip",), 501),
])
def test_bad_framing_is_refused_before_the_body_is_read(receiver: Receiver, headers: tuple[str, ...],
                                                        status: int) -> None:
    import time

    started = time.monotonic()
    got, text = raw_exchange(receiver, post_head(*headers) + HELLO)
    assert got == status and text  # a plain sentence, not a traceback or a closed socket
    assert time.monotonic() - started < 3  # answered at once, not after reading until the sender gives up
    assert still_answers(receiver)


def test_a_chunked_body_is_read_up_to_the_ceiling_and_no_further(tmp_path: Path) -> None:
    r = Receiver(tmp_path / "liss", AUTH, max_body=4000).start()
    try:
        ok_status, ok_body = raw_exchange(r, post_head("Transfer-Encoding: chunked")
                                          + b"%x\r\n%s\r\n0\r\n\r\n" % (len(HELLO), HELLO))
        assert ok_status == 200 and json.loads(ok_body)["result"]["LissVersion"] == 10002
        chunk = b"x" * 1500
        endless = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(4))
        status, text = raw_exchange(r, post_head("Transfer-Encoding: chunked") + endless)
        assert status == 413 and b"larger than 0.004 MB" in text
        status, _ = raw_exchange(r, post_head("Transfer-Encoding: chunked") + b"zz\r\nabc\r\n")
        assert status == 400
        big = raw_exchange(r, post_head("Content-Length: 4001") + b"x" * 4001)
        assert big[0] == 413
        assert still_answers(r)
    finally:
        r.close()


def test_a_sender_trickling_its_body_is_cut_off(tmp_path: Path) -> None:
    import socket
    import time

    r = Receiver(tmp_path / "liss", AUTH, body_seconds=0.5).start()
    try:
        with socket.create_connection((r.host, r.httpd.server_port), timeout=5) as sock:
            sock.sendall(post_head(f"Content-Length: {len(HELLO)}"))
            started = time.monotonic()
            answer = b""
            for byte in HELLO:
                try:
                    sock.sendall(bytes([byte]))
                except OSError:
                    break
                sock.settimeout(0.2)
                try:
                    answer += sock.recv(4096)
                except TimeoutError:
                    continue
                if answer:
                    break
            assert answer.startswith(b"HTTP/1.1 408"), answer[:40]
            assert time.monotonic() - started < 3
        assert still_answers(r)
    finally:
        r.close()


def publish(receiver: Receiver, method: str, rows: list) -> httpx.Response:
    body = wire.request_body(f"liss.{method}", [AUTH_OBJECT, "20261122T00:00:00", rows], 2)
    return httpx.post(receiver.url, content=body, headers={"Content-Type": "application/json"}, timeout=5)


@pytest.mark.parametrize("rows, said", [
    ([1, None, "x"], "Row 1 of publishStudents is a number, not a record"),
    ([{"StudentId": "S1", "FirstName": "Ada"}, None], "Row 2 of publishStudents is null"),
    ([{"FirstName": "Ada"}], "Row 1 of publishStudents has no StudentId"),
    ([{"StudentId": None}], "has no StudentId"),
    ([{"StudentId": True}], "has no StudentId"),
    ([{"StudentId": ["S1"]}], "has no StudentId"),
])
def test_a_publish_whose_rows_are_not_records_is_refused_and_keeps_what_was_there(
        receiver: Receiver, rows: list, said: str) -> None:
    good = publish(receiver, "publishStudents", [{"StudentId": "S1", "FirstName": "Ada", "Surname": "L"}])
    assert good.status_code == 200 and good.json()["result"] == ""
    refused = publish(receiver, "publishStudents", rows)
    assert refused.status_code == 400
    assert said in wire.error_text(refused.json()["error"])
    assert receiver.store.rows("students") == [{"StudentId": "S1", "FirstName": "Ada", "Surname": "L"}]
    assert still_answers(receiver)


def test_dated_rows_need_a_date(receiver: Receiver) -> None:
    refused = publish(receiver, "publishCalendar", [{"Date": "not a day", "DayName": "MonA"}])
    assert refused.status_code == 400 and "Date that is not a date" in wire.error_text(refused.json()["error"])
    assert publish(receiver, "publishCalendar", [{"Date": "20261123", "DayName": "MonA"}]).status_code == 200
