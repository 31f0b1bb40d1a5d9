"""The server side of LISS, without storage: authenticate a call, route it, word the answer.

Both the sandbox's LISS server (which answers reads from the synthetic school) and the
wizard's ``liss-serve`` receiver (which stores what a timetabler publishes) are LISS
servers; they differ only in what they do with a call once it is accepted, so that part is
a ``Backend`` and everything a Timetable-Daily-like client can get wrong is decided here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from mis_wizard.vendors.liss import wire

LISS_VERSION = 10002

PUBLISH_METHODS = frozenset({
    "publishClasses", "publishClassMemberships", "publishCalendar", "publishDailyData", "publishDailyDeltas",
    "publishTimetable", "publishBellTimes", "publishStudents", "publishTeachers", "publishRooms",
})
DETAILED_WORDING = {"school": "Unknown school code", "login": "Username or password is incorrect"}
GENERIC_WORDING = {"school": "Invalid Authentication Object", "login": "Invalid Authentication Object"}
"""Servers that say which part was wrong, and servers (like Constellation's) that do not."""


class UnknownMethod(Exception):
    """The backend has no answer for this read."""


class BadRows(ValueError):
    """A publish whose rows are not LISS records; the message says which row is wrong and how."""


REQUIRED_FIELDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "publishStudents": (("StudentId",),), "publishTeachers": (("TeacherId",),),
    "publishRooms": (("RoomId", "RoomCode"),), "publishClasses": (("ClassCode",),),
    "publishClassMemberships": (("StudentId",), ("ClassCode",)), "publishCalendar": (("Date",),),
    "publishDailyData": (("Date",),), "publishDailyDeltas": (("Date",),),
}
"""Per publish, the fields every row must carry (one of each group): the record's identifier, or the
date a dated row belongs to. Everything else is kept as sent; LISS senders differ in what they add."""


def _identifier(value: Any) -> bool:
    return (isinstance(value, str) and bool(value.strip())) or (isinstance(value, int) and not isinstance(value, bool))


def _kind_of(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list"}.get(
        type(value), type(value).__name__)


def row_problem(method: str, rows: list[Any]) -> str | None:
    """What is wrong with the first bad row of a publish, in words for the timetabler, or None."""
    for number, row in enumerate(rows, 1):
        if not isinstance(row, Mapping):
            return (f"Row {number} of {method} is {_kind_of(row)}, not a record: each row must be an object of "
                    "named fields (such as StudentId, FirstName).")
        for group in REQUIRED_FIELDS.get(method, ()):
            if not any(_identifier(row.get(name)) for name in group):
                return (f"Row {number} of {method} has no {' or '.join(group)} (text or a number); "
                        "every row needs one.")
        if "Date" in row and method in ("publishCalendar", "publishDailyData", "publishDailyDeltas") \
                and wire.parse_date(row.get("Date")) is None:
            return f"Row {number} of {method} has a Date that is not a date: {str(row.get('Date'))[:40]!r}."
    return None


@dataclass(frozen=True)
class ServerAuth:
    """The school code, username and password a server accepts."""

    school: str
    username: str
    password: str

    def refusal(self, auth: Any) -> str | None:
        """Which part of an authentication object is wrong: "missing", "school", "login", or None."""
        if not isinstance(auth, Mapping):
            return "missing"
        if str(auth.get("School", "")).strip().lower() != self.school.strip().lower():
            return "school"
        if str(auth.get("UserName", "")) != self.username or str(auth.get("Password", "")) != self.password:
            return "login"
        return None


@dataclass(frozen=True)
class Publish:
    """A publish call as data: its rows and the scalar params around them.

    LISS publishes put their array in different positions (publishClasses after the academic
    year, publishTimetable first, Edval's publishBellTimes after a TtStructure), so the rows
    are the first array after the authentication object and the rest are ``args`` in order.
    """

    method: str
    rows: list[dict[str, Any]]
    args: list[Any]
    user_agent: str = ""
    received: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    def date_range(self) -> tuple[dt.date | None, dt.date | None]:
        """The (start, end) a daily-data publish covers: its first two date params, else its rows' dates."""
        dates = [d for d in (wire.parse_date(a) for a in self.args) if d]
        if len(dates) >= 2:
            return min(dates[:2]), max(dates[:2])
        row_dates = [d for d in (wire.parse_date(r.get("Date")) for r in self.rows) if d]
        return (min(row_dates), max(row_dates)) if row_dates else (None, None)


def publish_from(call: wire.Call) -> Publish | None:
    """The rows of a publish call, or None when it carries no array at all; raises BadRows when a
    row is not a record of this publish (a list of anything else must not replace what was kept)."""
    rest = call.params[1:]
    for i, value in enumerate(rest):
        if isinstance(value, list):
            problem = row_problem(call.name, value)
            if problem:
                raise BadRows(problem)
            rows = list(value)
            auth = call.params[0] if call.params and isinstance(call.params[0], Mapping) else {}
            return Publish(call.name, [dict(r) for r in rows], rest[:i] + rest[i + 1:],
                           str(auth.get("UserAgent", "")))
    return None


class Backend(Protocol):
    def read(self, call: wire.Call) -> Any:
        """Answer an authenticated ``get*``; raise UnknownMethod when there is none."""
        ...

    def publish(self, publish: Publish) -> None:
        """Keep what an authenticated ``publish*`` sent."""
        ...


@dataclass
class LissServer:
    """One LISS endpoint: who may call it, how it words errors, and where accepted calls go."""

    auth: ServerAuth
    backend: Backend
    sis_name: str = "MIS Wizard"
    style: wire.ErrorStyle = wire.ErrorStyle.STRING
    wording: Mapping[str, str] = field(default_factory=lambda: DETAILED_WORDING)

    def handle(self, body: bytes) -> tuple[bytes, str]:
        """Answer one POST body; LISS answers every outcome with HTTP 200 and a result or error."""
        _status, answer, content_type = self.answer(body)
        return answer, content_type

    def answer(self, body: bytes) -> tuple[int, bytes, str]:
        """The HTTP status with the answer: 200, except 400 for a publish whose rows are not records
        (the body is still a LISS error saying which row), for servers that say so in HTTP too."""
        try:
            call = wire.decode_call(body)
        except wire.WireError:
            return 200, *wire.encode_error(None, "Invalid Call", self.style)
        try:
            return 200, *self._answer(call)
        except BadRows as exc:
            return 400, *wire.encode_error(call, f"Invalid parameters provided! {exc}", self.style)

    def _answer(self, call: wire.Call) -> tuple[bytes, str]:
        if call.name == "hello":
            return wire.encode_result(call, {"SIS": self.sis_name, "LissVersion": LISS_VERSION})
        refusal = self.auth.refusal(call.params[0] if call.params else None)
        if refusal == "missing":
            return wire.encode_error(call, "Invalid Authentication Object", self.style)
        if refusal:
            return wire.encode_error(call, self.wording[refusal], self.style)
        if call.name in PUBLISH_METHODS:
            publish = publish_from(call)
            if publish is None:
                return wire.encode_error(call, "Invalid parameters provided!", self.style)
            try:
                self.backend.publish(publish)
            except Exception as exc:  # a storage failure must reach the timetabler as a LISS error, not a hang
                return wire.encode_error(call, f"The server could not keep {call.method}: {type(exc).__name__}",
                                         self.style)
            return wire.encode_result(call, "")
        try:
            return wire.encode_result(call, self.backend.read(call))
        except UnknownMethod:
            return wire.encode_error(call, f"Invalid Call: {call.method} is not supported", self.style)
