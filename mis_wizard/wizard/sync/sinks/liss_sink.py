"""Publish to a LISS server: classes, class lists, the calendar and daily data.

``liss:URL?school=CODE&user=NAME``; the password comes from the environment variable named
by ``password_env`` (default MIS_WIZARD_LISS_PASSWORD), never from the URL or the command
line, where it would sit in shell history and process lists. Publishing starts only after
everything was read and mapped, so a failed read publishes nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import urllib.parse
from typing import Any

import httpx

from mis_wizard.vendors.errors import VendorError
from mis_wizard.vendors.liss import publish
from mis_wizard.vendors.liss.rpc import Auth
from mis_wizard.vendors.liss.wire import format_date
from mis_wizard.wizard import redact
from mis_wizard.wizard.mapping.transforms import parse_date
from mis_wizard.wizard.sync.report import RunReport
from mis_wizard.wizard.sync.sinks.base import Output, Sink, SinkError
from mis_wizard.wizard.sync.sinks.files import _commit
from mis_wizard.wizard.sync.state import State

PASSWORD_ENV = "MIS_WIZARD_LISS_PASSWORD"
DAILY_DAYS = 14
"""Daily data covers today and the next two weeks, as Timetable Daily publishes it."""


def _s(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _day(value: Any) -> dt.date | None:
    try:
        return parse_date(_s(value)) if _s(value) else None
    except ValueError:
        return None


class LissSink(Sink):
    scheme = "liss"
    reads_dataset = True

    def __init__(self, target: str, password_env: str = PASSWORD_ENV, today: dt.date | None = None,
                 password: str | None = None) -> None:
        parts = urllib.parse.urlsplit(target)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SinkError(f"liss:{target} should be liss:https://server/path?school=CODE&user=NAME")
        if parts.password:
            raise SinkError("Do not put the LISS password in the address; set it in the environment "
                            f"variable {password_env}.")
        query = urllib.parse.parse_qs(parts.query)
        self.school = (query.get("school") or [""])[0]
        self.username = (query.get("user") or [""])[0]
        if not (self.school and self.username):
            raise SinkError("The LISS address needs ?school=CODE&user=NAME.")
        self.url = urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path or "/", "", ""))
        self.password_env = password_env
        self.password = password
        """Given by the GUI, which has it from the admin; the command line uses the environment."""
        self.today = today or dt.date.today()

    @property
    def key(self) -> str:
        return f"liss:{self.url}?school={self.school}"

    def _auth(self) -> Auth:
        password = self.password or os.environ.get(self.password_env, "")
        if not password:
            raise SinkError(f"Set the LISS password in the environment variable {self.password_env}.")
        redact.register(password)
        return Auth(self.school, self.username, password)

    async def write(self, output: Output, state: State, report: RunReport, http: httpx.AsyncClient) -> None:
        auth = self._auth()
        rows = self.rows(output.dataset)
        start, end = self.today, self.today + dt.timedelta(days=DAILY_DAYS)
        try:
            if rows["classes"]:
                await publish.publish_classes(http, self.url, auth, self.today.year, rows["classes"])
            if rows["memberships"]:
                await publish.publish_class_memberships(http, self.url, auth, rows["memberships"], self.today)
            if rows["calendar"]:
                await publish.publish_calendar(http, self.url, auth, rows["calendar"])
            daily = self.daily(output.dataset, start, end)
            if daily:
                await publish.publish_daily_data(http, self.url, auth, start, end, daily)
        except VendorError as exc:
            raise SinkError(f"{exc.message} {exc.remedy}".strip()) from exc
        for name, value in rows.items():
            report.table(f"liss:{name}").written = len(value)
        _commit(state, self.key, output)

    def rows(self, data: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
        classes = [{"ClassCode": _s(c.get("class.code") or c.get("class.id")), "CourseName": _s(c.get("class.name")),
                    "DefaultTeacher": _s(c.get("class.main_teacher_id")), "Faculty": _s(c.get("class.subject")),
                    "Form": _s(c.get("class.year_level"))}
                   for c in data.get("classes", []) if _s(c.get("class.id") or c.get("class.code"))]
        codes = {_s(c.get("class.id")): _s(c.get("class.code") or c.get("class.id"))
                 for c in data.get("classes", [])}
        memberships = [{"StudentId": _s(m.get("class_membership.student_id")),
                        "ClassCode": codes.get(_s(m.get("class_membership.class_id")),
                                               _s(m.get("class_membership.class_id")))}
                       for m in data.get("class_memberships", [])]
        calendar = []
        for d in data.get("calendar", []):
            day = _day(d.get("calendar.date"))
            if day is None:
                continue
            cycle = _s(d.get("calendar.cycle_day"))
            calendar.append({"Date": format_date(day), "DayNumber": int(cycle), "DayName": f"Day {cycle}"}
                            if cycle.isdigit() else {"Date": format_date(day), "DayName": "Holiday"})
        return {"classes": classes, "memberships": memberships, "calendar": calendar}

    def daily(self, data: dict[str, list[dict[str, Any]]], start: dt.date, end: dt.date) -> list[dict[str, Any]]:
        """The cycle timetable laid onto dates through the calendar."""
        by_day: dict[str, list[dict[str, Any]]] = {}
        for lesson in data.get("timetable", []):
            by_day.setdefault(_s(lesson.get("timetable.day")), []).append(lesson)
        codes = {_s(c.get("class.id")): _s(c.get("class.code") or c.get("class.id"))
                 for c in data.get("classes", [])}
        out = []
        for d in data.get("calendar", []):
            day = _day(d.get("calendar.date"))
            if day is None or not start <= day <= end:
                continue
            for lesson in by_day.get(_s(d.get("calendar.cycle_day")), []):
                out.append({"Date": format_date(day), "Period": _s(lesson.get("timetable.period")),
                            "ClassCode": codes.get(_s(lesson.get("timetable.class_id")),
                                                   _s(lesson.get("timetable.class_id"))),
                            "TeacherIds": _s(lesson.get("timetable.staff_id")),
                            "Rooms": _s(lesson.get("timetable.room")),
                            "StartTime": _s(lesson.get("timetable.start_time")),
                            "EndTime": _s(lesson.get("timetable.end_time"))})
        return out
