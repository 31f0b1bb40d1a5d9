"""``mis-wizard liss-serve``: a LISS server that receives what Timetable Daily publishes, for on-premises
timetablers and for testing an integration before the integrator's own server exists.

The protocol (authentication, routing, error wording) is vendors/liss/receiver_protocol.py;
this module keeps what arrives in one SQLite file under the directory the caller names, and
summarises it the way the admin thinks of a sync: Basic sync (calendar, classes, class lists,
daily timetable) and Publish and sync (covers, room changes, cancellations). Like Timetable
Daily itself, it warns when daily data arrived for dates whose covers were never published.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import os
import sqlite3
import ssl
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from mis_wizard.vendors.liss import wire
from mis_wizard.vendors.liss.receiver_protocol import LissServer, Publish, ServerAuth, UnknownMethod

DB_NAME = "liss-received.sqlite"
BODY_SECONDS = 120.0
"""How long one request's body may take to arrive in all (a sender trickling bytes is cut off)."""
SOCKET_SECONDS = 30.0
"""How long the receiver waits for any one piece of a request before closing the connection."""
_PIECE = 64 * 1024
_MAX_LINE = 1024
KINDS = {"publishClasses": "classes", "publishClassMemberships": "class_memberships", "publishCalendar": "calendar",
         "publishDailyData": "daily_data", "publishDailyDeltas": "daily_deltas", "publishTimetable": "timetable",
         "publishBellTimes": "bell_times", "publishStudents": "students", "publishTeachers": "teachers",
         "publishRooms": "rooms"}
READS = {"getClasses": "classes", "getClassMemberships": "class_memberships", "getCalendar": "calendar",
         "getDailyData": "daily_data", "getTimetable": "timetable", "getBellTimes": "bell_times",
         "getStudents": "students", "getTeachers": "teachers", "getRooms": "rooms"}
DATED = frozenset({"calendar", "daily_data", "daily_deltas"})
"""Kinds replaced date by date; the others are full sets, replaced whole (bell times per structure)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS publishes (id INTEGER PRIMARY KEY, method TEXT NOT NULL, received TEXT NOT NULL,
                                      user_agent TEXT NOT NULL, rows INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS records (kind TEXT NOT NULL, scope TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS records_kind ON records (kind, scope);
CREATE TABLE IF NOT EXISTS covers_published (date TEXT PRIMARY KEY);
"""


def _is_true(value: Any) -> bool:
    return value is True or str(value).strip().lower() in ("true", "1", "yes", "y")


class ReceiverStore:
    """What the timetabler published, in one SQLite file; each publish is one transaction."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / DB_NAME
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False)
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def publish(self, publish: Publish) -> None:
        kind = KINDS[publish.method]
        scoped = [(self._scope(kind, publish, row), row) for row in publish.rows]
        with self._lock, self._db:
            if kind in DATED:
                start, end = publish.date_range()
                if start and end:
                    self._db.execute("DELETE FROM records WHERE kind = ? AND scope BETWEEN ? AND ?",
                                     (kind, start.isoformat(), end.isoformat()))
                self._db.executemany("DELETE FROM records WHERE kind = ? AND scope = ?",
                                     {(kind, scope) for scope, _ in scoped})
                if kind == "daily_deltas" and start and end:
                    days = [(start + dt.timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]
                    self._db.executemany("INSERT OR IGNORE INTO covers_published VALUES (?)", [(d,) for d in days])
            elif kind == "bell_times":
                self._db.executemany("DELETE FROM records WHERE kind = ? AND scope = ?",
                                     {(kind, scope) for scope, _ in scoped})
            else:
                self._db.execute("DELETE FROM records WHERE kind = ?", (kind,))
            self._db.executemany("INSERT INTO records VALUES (?, ?, ?)",
                                 [(kind, scope, json.dumps(row, separators=(",", ":"))) for scope, row in scoped])
            self._db.execute("INSERT INTO publishes (method, received, user_agent, rows) VALUES (?, ?, ?, ?)",
                             (publish.method, publish.received.isoformat(timespec="seconds"), publish.user_agent,
                              len(publish.rows)))

    @staticmethod
    def _scope(kind: str, publish: Publish, row: dict[str, Any]) -> str:
        if kind in DATED:
            day = wire.parse_date(row.get("Date"))
            return day.isoformat() if day else ""
        if kind == "bell_times":
            # Edval sends the structure as a parameter rather than in each row.
            structure = row.get("TtStructure") or next((a for a in publish.args if isinstance(a, str)), "")
            return str(structure)
        return ""

    def rows(self, kind: str) -> list[dict[str, Any]]:
        with self._lock:
            found = self._db.execute("SELECT data FROM records WHERE kind = ? ORDER BY scope, rowid", (kind,))
            return [json.loads(data) for (data,) in found.fetchall()]

    def scopes(self, kind: str) -> set[str]:
        with self._lock:
            found = self._db.execute("SELECT DISTINCT scope FROM records WHERE kind = ? AND scope != ''", (kind,))
            return {scope for (scope,) in found.fetchall()}

    def covers_published(self) -> set[str]:
        with self._lock:
            return {d for (d,) in self._db.execute("SELECT date FROM covers_published").fetchall()}

    def last_publishes(self) -> dict[str, str]:
        with self._lock:
            found = self._db.execute("SELECT method, MAX(received) FROM publishes GROUP BY method").fetchall()
            return dict(found)


class ReceiverBackend:
    """The receiver's answers: publishes are stored, reads return what was stored (Test connection reads)."""

    def __init__(self, store: ReceiverStore) -> None:
        self.store = store

    def publish(self, publish: Publish) -> None:
        self.store.publish(publish)

    def read(self, call: wire.Call) -> Any:
        if call.name == "getTimetableStructures":
            names = self.store.scopes("bell_times") | {str(r["TtStructure"]) for r in self.store.rows("classes")
                                                       if r.get("TtStructure")}
            return [{"TtStructure": name} for name in sorted(names)]
        if call.name in READS:
            return self.store.rows(READS[call.name])
        raise UnknownMethod(call.name)


@dataclass
class Summary:
    """What arrived, grouped as Timetable Daily's sync kinds, with the warnings the admin must see."""

    basic: dict[str, int] = field(default_factory=dict)
    publish_and_sync: dict[str, int] = field(default_factory=dict)
    daily_dates: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    last_publishes: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def lines(self) -> list[str]:
        out = ["Basic sync:"] + [f"  {k.replace('_', ' ')}: {v}" for k, v in self.basic.items()]
        out += ["Publish and sync:"] + [f"  {k.replace('_', ' ')}: {v}" for k, v in self.publish_and_sync.items()]
        return out + [f"Warning: {w}" for w in self.warnings]


NOT_SCHOOL_DAYS = frozenset({"holiday", "weekend"})
"""Calendar DayNames that mark a day without lessons. The spec names ``Holiday`` (confirmed, liss.md);
timetablers also send ``Weekend`` in any case, e.g. ``weekend`` (inferred: seen in the field, not in
the spec), so the names are compared case-insensitively."""


def _is_school_day(row: dict[str, Any]) -> bool:
    return str(row.get("DayName") or "").strip().casefold() not in NOT_SCHOOL_DAYS


def summarise(store: ReceiverStore) -> Summary:
    calendar = store.rows("calendar")
    classes = store.rows("classes")
    memberships = store.rows("class_memberships")
    daily = store.rows("daily_data")
    deltas = store.rows("daily_deltas")
    class_codes = {str(c.get("ClassCode")) for c in classes}
    covers = [r for r in deltas if r.get("Replacing") and not _is_true(r.get("isCancelled"))]
    cancellations = [r for r in deltas if _is_true(r.get("isCancelled"))]
    others = [r for r in deltas if not r.get("Replacing") and not _is_true(r.get("isCancelled"))]
    daily_dates = sorted({d.isoformat() for d in (wire.parse_date(r.get("Date")) for r in daily) if d})
    summary = Summary(
        basic={"calendar_days": len(calendar),
               "school_days": sum(1 for r in calendar if _is_school_day(r)),
               "classes": len(classes),
               "class_lists": len({m.get("ClassCode") for m in memberships}),
               "class_memberships": len(memberships),
               "daily_lessons": len(daily)},
        publish_and_sync={"covers": len(covers),
                          "room_changes": sum(1 for r in others if r.get("ClassCode") in class_codes),
                          "cancellations": len(cancellations),
                          "events": sum(1 for r in others if r.get("ClassCode") not in class_codes)},
        daily_dates=daily_dates, last_publishes=store.last_publishes())
    published = store.covers_published()
    missing = [d for d in daily_dates if d not in published]
    if missing:
        more = f" and {len(missing) - 1} later date(s)" if len(missing) > 1 else ""
        summary.warnings.append(
            f"Daily data arrived for {missing[0]}{more} whose covers were not published: in Timetable Daily, "
            "open the Covers page, choose Publish covers > Publish and sync for those dates.")
    if daily and not classes:
        summary.warnings.append("Daily data arrived but no classes: run a Basic sync from Daily > Synchronise.")
    return summary


class Receiver:
    """The LISS server on a socket, serving from a background thread until ``close()``."""

    def __init__(self, directory: Path, auth: ServerAuth, host: str = "127.0.0.1", port: int = 0,
                 tls: ssl.SSLContext | None = None, max_body: int = wire.MAX_BODY,
                 body_seconds: float = BODY_SECONDS) -> None:
        self.host = host
        self.store = ReceiverStore(directory)
        self.liss = LissServer(auth, ReceiverBackend(self.store), sis_name="MIS Wizard LISS receiver")
        self.httpd = ThreadingHTTPServer((host, port), _handler_for(self.liss, max_body, body_seconds))
        self.httpd.daemon_threads = True
        self.scheme = "http"
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
            self.scheme = "https"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="liss-receiver", daemon=True)

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.httpd.server_port}/liss"

    def start(self) -> Receiver:
        self._thread.start()
        return self

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)
        self.store.close()

    def summary(self) -> Summary:
        return summarise(self.store)


class _Refused(Exception):
    """A request the receiver answers with ``status`` and ``text`` before (or instead of) reading on."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


class _LissHandler(BaseHTTPRequestHandler):
    """Answers LISS calls with ``liss``; a request body over ``max_body`` bytes, or slower to arrive
    than ``body_seconds``, is refused. ``_handler_for`` makes the class a server is given."""

    liss: LissServer
    max_body: int
    body_seconds: float
    protocol_version = "HTTP/1.1"
    timeout = SOCKET_SECONDS

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Requests carry the password in their body; nothing about them is written to stderr."""

    def do_POST(self) -> None:
        try:
            try:
                body = self._body()
            finally:
                self.connection.settimeout(SOCKET_SECONDS)
        except _Refused as refused:
            self.close_connection = True  # what was not read of the request must not be read as the next
            self._send(refused.status, refused.text.encode(), "text/plain; charset=utf-8")
            return
        status, answer, content_type = self.liss.answer(body)
        self._send(status, answer, content_type)

    def _body(self) -> bytes:
        """The request body, refused before reading when its framing is missing, malformed or too
        large, and bounded while reading (chunked bodies have no length to check first)."""
        deadline = time.monotonic() + self.body_seconds
        encodings = [e.strip().lower() for v in self.headers.get_all("Transfer-Encoding") or []
                     for e in v.split(",") if e.strip()]
        lengths = [v.strip() for v in self.headers.get_all("Content-Length") or []]
        if encodings:
            if lengths:
                raise _Refused(400, "The request has both Content-Length and Transfer-Encoding.")
            if encodings != ["chunked"]:
                raise _Refused(501, "Only chunked transfer encoding is understood here.")
            return self._chunked(deadline)
        if not lengths:
            raise _Refused(411, "The request has no Content-Length; a LISS call states its length.")
        if len(set(lengths)) > 1 or not lengths[0].isdigit() or not lengths[0].isascii():
            raise _Refused(400, "The request's Content-Length is not a length (a whole number of bytes).")
        length = int(lengths[0])
        if length > self.max_body:
            raise self._too_large()
        return self._read(length, deadline)

    def _read(self, length: int, deadline: float) -> bytes:
        pieces: list[bytes] = []
        left = length
        while left > 0:
            self._wait_until(deadline)
            try:
                piece = self.rfile.read1(min(left, _PIECE))  # what has arrived, not a wait for all of it
            except TimeoutError:
                raise self._slow() from None
            if not piece:
                raise _Refused(400, "The request ended before its stated length.")
            pieces.append(piece)
            left -= len(piece)
        return b"".join(pieces)

    def _slow(self) -> _Refused:
        return _Refused(408, f"The request took longer than {self.body_seconds:g} seconds to arrive.")

    def _too_large(self) -> _Refused:
        return _Refused(413, f"The request is larger than {self.max_body / 1_000_000:g} MB, more than any LISS call.")

    def _wait_until(self, deadline: float) -> None:
        """Fail once the deadline has passed; otherwise wait no longer than it for the next bytes."""
        left = deadline - time.monotonic()
        if left <= 0:
            raise self._slow()
        self.connection.settimeout(min(SOCKET_SECONDS, left))

    def _line(self, deadline: float) -> bytes:
        self._wait_until(deadline)
        try:
            line = self.rfile.readline(_MAX_LINE + 1)
        except TimeoutError:
            raise self._slow() from None
        if len(line) > _MAX_LINE or not line.endswith(b"\n"):
            raise _Refused(400, "The request's chunked body is malformed.")
        return line

    def _chunked(self, deadline: float) -> bytes:
        pieces: list[bytes] = []
        total = 0
        while True:
            size_text = self._line(deadline).split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16) if size_text and size_text.isalnum() else -1
            except ValueError:
                size = -1
            if size < 0:
                raise _Refused(400, "The request's chunked body is malformed.")
            if size == 0:
                break
            total += size
            if total > self.max_body:
                raise self._too_large()
            pieces.append(self._read(size, deadline))
            if self._line(deadline).strip():
                raise _Refused(400, "The request's chunked body is malformed.")
        for _ in range(64):  # trailer fields, up to the empty line that ends the request
            if not self._line(deadline).strip():
                return b"".join(pieces)
        raise _Refused(400, "The request's chunked body is malformed.")

    def do_GET(self) -> None:
        self._send(405, b"This is a LISS server: POST JSON-RPC or XML-RPC calls here.", "text/plain; charset=utf-8")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _handler_for(liss: LissServer, max_body: int = wire.MAX_BODY,
                 body_seconds: float = BODY_SECONDS) -> type[BaseHTTPRequestHandler]:
    class Handler(_LissHandler):
        pass

    Handler.liss, Handler.max_body, Handler.body_seconds = liss, max_body, body_seconds
    return Handler


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=9001, help="port to listen on (default 9001; 0 picks one)")
    parser.add_argument("--dir", required=True, type=Path, help="directory for the received data (SQLite)")
    parser.add_argument("--username", default="timetable", help="username Timetable Daily must send")
    parser.add_argument("--password-env", metavar="NAME",
                        help="environment variable holding the password (otherwise you are asked for it)")
    parser.add_argument("--school-code", help="school code Timetable Daily must send (required to serve)")
    parser.add_argument("--certfile", type=Path, help="TLS certificate (PEM) to serve https://")
    parser.add_argument("--keyfile", type=Path, help="TLS private key (PEM) for --certfile")
    parser.add_argument("--json", action="store_true", help="print one JSON line with the address first")
    parser.add_argument("--max-request-mb", type=float, default=wire.MAX_BODY / 1_000_000,
                        help=f"largest request accepted, in MB (default {wire.MAX_BODY / 1_000_000:g})")
    parser.add_argument("--show", action="store_true",
                        help="do not serve: show what has arrived in --dir so far (Basic sync, Publish and sync, "
                             "warnings), and exit")


def show(directory: Path, as_json: bool) -> int:
    """The preview of what a timetabler has published so far."""
    if not (directory / DB_NAME).exists():
        print(f"Nothing has arrived in {directory} yet.", file=sys.stderr)
        return 1
    store = ReceiverStore(directory)
    try:
        summary = summarise(store)
    finally:
        store.close()
    print(json.dumps(summary.to_json(), indent=2) if as_json else "\n".join(summary.lines()))
    return 0


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl+C; exit 0 then, 2 for unusable options."""
    if args.show:
        return show(args.dir, args.json)
    if not args.school_code:
        print("--school-code is required to serve.", file=sys.stderr)
        return 2
    if args.password_env:
        password = os.environ.get(args.password_env, "")
        if not password:
            print(f"The environment variable {args.password_env} is empty or not set.", file=sys.stderr)
            return 2
    else:
        password = getpass.getpass("Password Timetable Daily will send: ")
    if not password:
        print("A password is required.", file=sys.stderr)
        return 2
    tls = None
    if args.certfile:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(args.certfile, args.keyfile)
    try:
        receiver = Receiver(args.dir, ServerAuth(args.school_code, args.username, password), args.host, args.port,
                            tls, max_body=max(1, int(args.max_request_mb * 1_000_000)))
    except OSError as exc:
        print(f"Cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    try:
        if args.json:
            print(json.dumps({"url": receiver.url, "username": args.username, "school_code": args.school_code}),
                  flush=True)
        else:
            print(f"LISS receiver at {receiver.url}\nIn Timetable Daily (Daily > Synchronise > Add sync system > "
                  f"Generic LISS server) type Server Address {receiver.url}, Username {args.username}, "
                  f"School code {args.school_code} and the password you chose. Ctrl+C stops.", flush=True)
        receiver.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        receiver.httpd.server_close()
        summary = summarise(receiver.store)
        receiver.store.close()
    if not args.json:
        print("\n".join(summary.lines()), flush=True)
    return 0
