"""Hostile servers: the real `check` and `preview` against a loopback server that streams forever,
trickles, sends garbage, declares a huge body or answers JSON of the wrong shape. Each ends as its
own clear failure, in seconds, with memory bounded by the reply ceiling (set small here through
MIS_WIZARD_REPLY_LIMITS, as an admin or support engineer would)."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from loopback_server import LoopbackServer

from mis_wizard.vendors import registry
from mis_wizard.vendors.errors import ReplyTooLarge, ReplyTooSlow, classify_exception
from mis_wizard.wizard.cli import main
from mis_wizard.wizard.http import ReplyLimit, build_client, reply_limits

LIMITS = "small=0.5MB/2s,data=2MB/2s,bulk=2MB/2s"
TOO_LARGE = "The server kept sending more than "
TOO_LARGE_RE = re.compile(r"The server kept sending more than (2|0\.5) MB for one reply; this is not the school's API")
TOO_SLOW = "The server took longer than 2 seconds to send one reply"
SENT_AT_MOST = 400_000_000
"""An endless reply stops by itself after this much, so a client without a ceiling would show
up as hundreds of MB in the memory measured below rather than as a hung test."""
GARBAGE = b"\x00\xff<html>not json"
TOKEN = json.dumps({"access_token": "tok-hostile", "token_type": "Bearer", "expires_in": "3600"}).encode()


class HostileServer(LoopbackServer):
    """A plain HTTP/1.1 server on loopback answering every request in one ``mode``."""

    def __init__(self, mode: str) -> None:
        super().__init__()
        self.mode = mode
        self.requests: list[str] = []

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        try:
            head = self.read_head(conn)
            if not head:
                return
            request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
            self.requests.append(request_line)
            self._answer(conn, request_line.split(" ")[1] if " " in request_line else "/")
        except OSError:
            pass  # the client gave up, as it should
        finally:
            conn.close()

    def _answer(self, conn: socket.socket, path: str) -> None:
        def send(body: bytes, status: str = "200 OK") -> None:
            conn.sendall(f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                         "Connection: close\r\n\r\n".encode() + body)

        if self.mode in ("endless", "huge_length"):
            length = "Content-Length: 1000000000000\r\n" if self.mode == "huge_length" else ""
            conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{length}Connection: close\r\n\r\n"
                         .encode())
            piece = b'{"students": [' + b'{"id": 1, "name": "xxxxxxxxxxxxxxxxxxxx"}, ' * 1500
            sent = 0
            while sent < SENT_AT_MOST and not self.stopped.is_set():
                conn.sendall(piece)
                sent += len(piece)
        elif self.mode == "trickle":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n"
                         b"Connection: close\r\n\r\n")
            for _ in range(1000):
                if self.stopped.wait(0.2):
                    return
                conn.sendall(b" ")
        elif "token" in path:  # a token is given, so what comes after it is what is tested
            send(TOKEN)
        elif self.mode == "garbage":
            send(GARBAGE)
        elif self.mode == "wrong_types":
            if "systeminfo" in path:
                send(json.dumps({"DatabaseYear": "2026", "AvailableDatabaseYears": ["2026-2027"],
                                 "CurrentDateTime": "2026-11-22T10:00:00"}).encode())
            elif "metadata" in path:
                send(json.dumps({"metadata": {"powerschool_version": "24.1", "plugin_id": 7}}).encode())
            else:
                send(json.dumps([1, None, "x"]).encode())
        else:
            raise AssertionError(self.mode)


@pytest.fixture(autouse=True)
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIS_WIZARD_REPLY_LIMITS", LIMITS)


@pytest.fixture
def measured() -> Iterator[dict[str, float]]:
    """Python memory at its peak during the test, in MB."""
    out: dict[str, float] = {}
    tracemalloc.start()
    try:
        yield out
    finally:
        out["peak_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()


def credentials(system: str, base_url: str, school, tmp_path: Path) -> Path:
    spec = registry.get(system)
    assert spec.emulator is not None
    path = tmp_path / f"{system}.json"
    path.write_text(json.dumps(spec.emulator(school).credentials(base_url)), encoding="utf-8")
    return path


def run_check(system: str, server: HostileServer, school, tmp_path: Path, capsys) -> tuple[int, list[dict], float]:
    path = credentials(system, server.url(), school, tmp_path)
    capsys.readouterr()
    started = time.monotonic()
    code = main(["check", system, "--credentials", str(path), "--json"])
    took = time.monotonic() - started
    return code, json.loads(capsys.readouterr().out)["results"], took


def test_the_limits_come_from_the_environment() -> None:
    limits = reply_limits()
    assert limits["data"] == ReplyLimit(2_000_000, 2.0) and limits["small"] == ReplyLimit(500_000, 2.0)
    assert reply_limits("data=20MB")["data"].max_bytes == 20_000_000
    assert reply_limits("nonsense, data=5s")["data"] == ReplyLimit(64_000_000, 5.0)


@pytest.mark.parametrize("mode", ["endless", "huge_length"])
@pytest.mark.parametrize("system", ["powerschool", "aeries"])
def test_a_reply_that_never_ends_is_cut_at_the_ceiling(system: str, mode: str, small_school, tmp_path: Path,
                                                      capsys, measured: dict[str, float]) -> None:
    with HostileServer(mode) as server:
        code, results, took = run_check(system, server, small_school, tmp_path, capsys)
    assert code == 1
    failed = [r for r in results if r["status"] == "failed"]
    assert failed and all(r["status"] != "ok" for r in results)
    assert any(TOO_LARGE_RE.search(r["message"]) for r in failed), [r["message"] for r in failed]
    assert "support" in next(r for r in failed if TOO_LARGE in r["message"])["remedy"]
    assert all(r["code"].endswith("reply_too_large") for r in failed if TOO_LARGE in r["message"])
    assert took < 20
    assert tracemalloc.get_traced_memory()[1] / 1e6 < 100


@pytest.mark.parametrize("system", ["powerschool", "aeries"])
def test_a_reply_that_trickles_meets_the_overall_deadline(system: str, small_school, tmp_path: Path,
                                                           capsys) -> None:
    with HostileServer("trickle") as server:
        code, results, took = run_check(system, server, small_school, tmp_path, capsys)
    assert code == 1
    failed = [r for r in results if r["status"] == "failed"]
    assert any(TOO_SLOW in r["message"] for r in failed), [r["message"] for r in failed]
    assert all(r["code"].endswith("reply_too_slow") for r in failed if TOO_SLOW in r["message"])
    assert all(r["status"] != "ok" for r in results)
    assert took < 15  # the 60 s read timeout never fires on a byte every 0.2 s; the 2 s deadline does


def test_aeries_garbage_is_never_reported_as_readable(small_school, tmp_path: Path, capsys) -> None:
    with HostileServer("garbage") as server:
        code, results, _ = run_check("aeries", server, small_school, tmp_path, capsys)
    assert code == 1
    by_check = {(r["key"], r["check"]): r for r in results}
    reads = [r for (key, check), r in by_check.items() if key == "oneroster" and check.startswith("Read ")]
    assert len(reads) == 8
    assert all(r["status"] == "failed" and r["code"].endswith("_unreadable") for r in reads)
    assert all("not OneRoster data" in r["message"] for r in reads)
    assert by_check[("oneroster", "Sample student")]["status"] == "skipped"
    assert by_check[("connection", "Aeries address")]["status"] == "failed"
    assert not [r for r in results if r["status"] == "ok" and r["check"] != "Consumer ID and secret"
                and r["check"] != "OneRoster address"]


def test_wrong_json_types_are_never_reported_as_readable(small_school, tmp_path: Path, capsys) -> None:
    with HostileServer("wrong_types") as server:
        code, results, _ = run_check("aeries", server, small_school, tmp_path, capsys)
    assert code == 1
    by_check = {(r["key"], r["check"]): r for r in results}
    assert by_check[("standard_api", "Certificate accepted")]["code"] == "aeries.schools_unreadable"
    reads = [r for (key, check), r in by_check.items() if key == "oneroster" and check.startswith("Read ")]
    assert reads and all(r["code"].endswith("_unreadable") for r in reads)
    assert not any(r["status"] == "ok" and r["check"].startswith(("Read ", "Sample")) for r in results)


def test_powerschool_wrong_json_types_fail_the_check(small_school, tmp_path: Path, capsys) -> None:
    with HostileServer("wrong_types") as server:
        code, results, _ = run_check("powerschool", server, small_school, tmp_path, capsys)
    assert code == 1
    assert not any(r["status"] == "ok" and r["check"].startswith(("Read", "Sample")) for r in results)
    assert any(r["status"] == "failed" for r in results)


@pytest.mark.parametrize("mode, said", [("endless", TOO_LARGE), ("trickle", TOO_SLOW), ("huge_length", TOO_LARGE)])
@pytest.mark.parametrize("system", ["powerschool", "aeries"])
def test_preview_ends_with_the_same_clear_message(system: str, mode: str, said: str, small_school,
                                                  tmp_path: Path, capsys, measured: dict[str, float]) -> None:
    with HostileServer(mode) as server:
        path = credentials(system, server.url(), small_school, tmp_path)
        capsys.readouterr()
        started = time.monotonic()
        code = main(["preview", system, "--credentials", str(path), "--entity", "students"])
        took = time.monotonic() - started
    out = capsys.readouterr().out
    assert code == 2 and said in out and (said != TOO_LARGE or TOO_LARGE_RE.search(out)), out
    assert "Traceback" not in out and "Error" not in out
    assert took < 20
    assert tracemalloc.get_traced_memory()[1] / 1e6 < 100


def test_the_client_raises_its_own_failures_and_the_table_words_them() -> None:
    async def get(url: str) -> None:
        async with build_client(backoff=0.01) as http:
            await http.get(url)

    with HostileServer("endless") as server:
        with pytest.raises(ReplyTooLarge) as large:
            asyncio.run(get(server.url("/x")))
    assert large.value.limit == 2_000_000
    with HostileServer("trickle") as server:
        started = time.monotonic()
        with pytest.raises(ReplyTooSlow) as slow:
            asyncio.run(get(server.url("/x")))
        assert 1.5 < time.monotonic() - started < 6
    failure = classify_exception(slow.value)
    assert failure.message.startswith(TOO_SLOW) and failure.kind.value == "transient"
    assert classify_exception(large.value).message.startswith(TOO_LARGE + "2 MB for one reply")


def test_a_token_reply_has_the_small_ceiling(small_school, tmp_path: Path) -> None:
    from mis_wizard.vendors.oneroster.client import OneRosterClient

    async def token(url: str) -> str:
        async with build_client(backoff=0.01) as http:
            return await OneRosterClient(http, url, "id", "secret").token()

    with HostileServer("endless") as server:
        with pytest.raises(ReplyTooLarge) as large:
            asyncio.run(token(server.url()))
    assert large.value.limit == 500_000


OTHERS = [s for s in registry.SYSTEM_IDS if s not in ("powerschool", "aeries") and registry.get(s).emulator]


@pytest.mark.parametrize("mode, said", [("endless", TOO_LARGE), ("trickle", TOO_SLOW)])
@pytest.mark.parametrize("system", OTHERS)
def test_every_other_system_check_ends_with_the_clear_failure(system: str, mode: str, said: str, small_school,
                                                              tmp_path: Path, capsys) -> None:
    with HostileServer(mode) as server:
        code, results, took = run_check(system, server, small_school, tmp_path, capsys)
    assert code == 1
    assert all(r["status"] != "ok" for r in results), [(r["check"], r["message"]) for r in results]
    assert any(said in r["message"] for r in results), [r["message"] for r in results]
    assert took < 20


ANSWERED_FOR_REAL = {"reachable", "token_ok", "reach_ok", "partner_ok", "systeminfo_ok", "client_accepted",
                     "plugin_enabled"}
"""What the hostile server does answer properly (its token, and in wrong_types its address probes):
the only results that may be ok."""


@pytest.mark.parametrize("mode", ["garbage", "wrong_types"])
@pytest.mark.parametrize("system", registry.SYSTEM_IDS)
def test_no_check_reports_a_read_it_could_not_parse(system: str, mode: str, small_school, tmp_path: Path,
                                                    capsys) -> None:
    if registry.get(system).emulator is None:
        pytest.skip("no live check")
    with HostileServer(mode) as server:
        code, results, _ = run_check(system, server, small_school, tmp_path, capsys)
    assert code == 1 and any(r["status"] == "failed" for r in results)
    ok = [r["code"].split(".", 1)[1].removeprefix("oneroster_") for r in results if r["status"] == "ok"]
    assert set(ok) <= ANSWERED_FOR_REAL, ok


WITH_EMULATOR = [s for s in registry.SYSTEM_IDS if registry.get(s).emulator]


@pytest.mark.parametrize("mode, said", [("endless", TOO_LARGE), ("trickle", TOO_SLOW), ("garbage", None)])
@pytest.mark.parametrize("system", WITH_EMULATOR)
def test_every_system_preview_and_sync_end_clearly_and_write_nothing(system: str, mode: str, said: str | None,
                                                                     small_school, tmp_path: Path, capsys,
                                                                     measured: dict[str, float]) -> None:
    out_dir = tmp_path / "out"
    with HostileServer(mode) as server:
        path = credentials(system, server.url(), small_school, tmp_path)
        capsys.readouterr()
        started = time.monotonic()
        preview_code = main(["preview", system, "--credentials", str(path), "--entity", "students"])
        preview = capsys.readouterr()
        sync_code = main(["sync", system, "--credentials", str(path), "--to", f"csv:{out_dir}"])
        sync = capsys.readouterr()
        took = time.monotonic() - started
    for code, said_text in ((preview_code, preview.out + preview.err), (sync_code, sync.out + sync.err)):
        assert code != 0, said_text
        assert "unexpected error" not in said_text and "Traceback" not in said_text, said_text
        if said:
            assert said in said_text, said_text
    assert not out_dir.exists() or not any(out_dir.iterdir())  # nothing written from a misbehaving server
    assert took < 40
    assert tracemalloc.get_traced_memory()[1] / 1e6 < 150
