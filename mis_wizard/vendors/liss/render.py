"""The synthetic school as LISS records, field for field as the spec and Edval web send them.

Used by both emulators: the LISS server answers ``get*`` calls with these rows and the
timetabler emulator publishes them. Rows are built once per school and cached, so a
5,000-student school answers quickly. What the school lacks (room ids and capacities,
GUIDs, recess and lunch rows) is derived from its seed so every run sees the same values.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from functools import cached_property
from typing import Any

from mis_wizard.vendors.liss.wire import format_date
from mis_wizard.vendors.sandbox.school import CYCLE_DAYS, PERIODS, School, TeachingClass

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")
BREAKS = (("R", "10:30", "10:50"), ("L", "12:30", "13:20"))
"""Recess and lunch between the school's periods, typed ``R`` as Edval web sends them."""

Row = dict[str, Any]


def day_name(cycle_day: int) -> str:
    """``MonA`` … ``FriB`` for a ten-day cycle, as Timetable Daily names days."""
    week = (cycle_day - 1) // 5
    return f"{WEEKDAYS[(cycle_day - 1) % 5]}{chr(ord('A') + week)}"


def period_name(period: str) -> str:
    """The school's ``P1`` is LISS's ``1``."""
    return period.removeprefix("P")


class LissSchool:
    """One school's LISS rows, computed on first use."""

    def __init__(self, school: School) -> None:
        self.school = school
        self.tt_structure = str(school.school_year)

    def _guid(self, kind: str, key: str) -> str:
        return hashlib.md5(f"{self.school.seed}:liss:{kind}:{key}".encode()).hexdigest().upper()

    @cached_property
    def _classes_by_id(self) -> dict[str, TeachingClass]:
        return {c.id: c for c in self.school.classes}

    @cached_property
    def class_codes(self) -> dict[str, str]:
        """Class id → ``<course> <class>`` code (``7MAT1 2``), the LISS form with its space."""
        codes: dict[str, str] = {}
        for c in self.school.classes:
            last = c.name.rsplit(" ", 1)[-1]
            codes[c.id] = f"{c.code[: -len(last)]} {last}" if last.isdigit() and c.code.endswith(last) else c.code
        for g in self.school.reg_groups:
            campus = g.year_id.split("-")[0]
            codes[g.id] = f"RC{campus[-1]} {g.name}"
        return codes

    @cached_property
    def _student_codes(self) -> dict[str, str]:
        return {s.id: s.code for s in self.school.students}

    @cached_property
    def students(self) -> list[Row]:
        houses = {h.id: h.name for h in self.school.houses}
        groups = {g.id: g.name for g in self.school.reg_groups}
        return [{
            "StudentId": s.code, "FirstName": s.first_name, "Surname": s.last_name,
            "PreferredName": s.preferred_name, "Form": str(s.year_level), "RollGroup": groups[s.reg_group_id],
            "House": houses[s.house_id], "Gender": s.gender,
            "StatewideId": f"{int(self._guid('sw', s.id)[:8], 16):010d}",
            "Email": s.email, "Phone": "", "Guid": self._guid("student", s.id),
            "StartDate": format_date(s.entry_date), "EndDate": format_date(s.leave_date) if s.leave_date else "",
        } for s in self.school.current_students()]

    @cached_property
    def teachers(self) -> list[Row]:
        return [{
            "TeacherId": t.id, "TeacherCode": t.code, "Title": t.title, "FirstName": t.first_name,
            "Surname": t.last_name, "PreferredName": t.first_name, "DisplayName": f"{t.title} {t.last_name}".strip(),
            "Faculty": "", "StaffType": t.role, "Gender": "",
            "Email": t.email, "Phone": "", "Guid": self._guid("teacher", t.id),
        } for t in self.school.staff if t.teaching and t.status == "current"]

    @cached_property
    def rooms(self) -> list[Row]:
        names = sorted({c.room for c in self.school.classes} | {lsn.room for lsn in self.school.lessons}
                       | {d.room for d in self.school.daily_changes})
        rng = random.Random(f"{self.school.seed}:liss-rooms")
        return [{"RoomId": f"{46000 + i}", "RoomCode": name, "Name": name, "Capacity": rng.choice((24, 28, 30, 32)),
                 "Campus": "", "Comment": ""} for i, name in enumerate(names)]

    @cached_property
    def _room_ids(self) -> dict[str, str]:
        return {r["RoomCode"]: r["RoomId"] for r in self.rooms}

    @cached_property
    def classes(self) -> list[Row]:
        subjects = {s.id: s for s in self.school.subjects}
        years = {y.id: y for y in self.school.years}
        rows = [{
            "ClassCode": self.class_codes[c.id], "CourseName": c.name, "DefaultTeacher": c.main_teacher_id,
            "Type": "ExtraCurricular" if c.kind == "custom" else "", "TtStructure": self.tt_structure,
            "EdvalClassCode": c.code, "Form": str(years[c.year_id].level), "Faculty": subjects[c.subject_id].name,
        } for c in self.school.classes]
        rows += [{
            "ClassCode": self.class_codes[g.id], "CourseName": f"Roll class {g.name}", "DefaultTeacher": g.tutor_id,
            "Type": "RollClass", "TtStructure": self.tt_structure, "EdvalClassCode": g.name,
            "Form": str(years[g.year_id].level), "Faculty": "",
        } for g in self.school.reg_groups]
        return rows

    @cached_property
    def memberships(self) -> list[Row]:
        """Teaching-class lists plus roll-class lists; leavers are on neither."""
        current = {s.id for s in self.school.current_students()}
        rows = [{"StudentId": self._student_codes[sid], "ClassCode": self.class_codes[cid]}
                for cid, sid in self.school.memberships if sid in current]
        rows += [{"StudentId": s.code, "ClassCode": self.class_codes[s.reg_group_id]}
                 for s in self.school.current_students()]
        return rows

    @cached_property
    def structures(self) -> list[Row]:
        terms = [{"SemesterId": 1 if i < 2 else 2, "Semester": f"Semester {1 if i < 2 else 2}", "TermId": i + 1,
                  "Term": f"Term {i + 1}", "StartDate": format_date(t.start),
                  "EndDate": f"{t.end:%Y%m%d}T23:59:00"} for i, t in enumerate(self.school.terms)]
        return [{"TtStructure": self.tt_structure, "AcademicYear": self.school.school_year, "Terms": terms}]

    @cached_property
    def timetable(self) -> list[Row]:
        return [{
            "DayNumber": lsn.day, "Period": period_name(lsn.period), "ClassCode": self.class_codes[lsn.class_id],
            "TeacherId": lsn.staff_id, "RoomId": self._room_ids[lsn.room], "RoomCode": lsn.room,
            "TtStructure": self.tt_structure,
        } for lsn in self.school.lessons]

    @cached_property
    def bell_times(self) -> list[Row]:
        """Every period and break of every cycle day, time-ordered (80 rows, like Edval's publish)."""
        rows = []
        for day in range(1, CYCLE_DAYS + 1):
            slots = [(period_name(p), s, e, "T") for p, s, e in PERIODS] + [(p, s, e, "R") for p, s, e in BREAKS]
            for period, start, end, kind in sorted(slots, key=lambda x: x[1]):
                rows.append({"DayNumber": day, "DayName": day_name(day), "Period": period,
                             "TtStructure": self.tt_structure, "StartTime": start, "EndTime": end, "Type": kind})
        return rows

    def calendar(self, start: dt.date, end: dt.date) -> list[Row]:
        """Date → cycle day; weekends and holidays are ``Holiday`` with no DayNumber."""
        rows: list[Row] = []
        for day in self.school.calendar:
            if not start <= day.date <= end:
                continue
            if day.cycle_day:
                rows.append({"Date": format_date(day.date), "DayName": day_name(day.cycle_day),
                             "DayNumber": day.cycle_day, "Rotation": 1})
            else:
                rows.append({"Date": format_date(day.date), "DayName": "Holiday"})
        return rows

    @cached_property
    def _times(self) -> dict[str, tuple[str, str]]:
        return {p: (s, e) for p, s, e in PERIODS}

    def _lesson_row(self, date: dt.date, class_id: str, period: str, staff_id: str, room: str) -> Row:
        start, end = self._times[period]
        cls = self._classes_by_id[class_id]
        return {"Date": format_date(date), "Period": period_name(period), "StartTime": start, "EndTime": end,
                "ClassCode": self.class_codes[class_id], "ClassName": cls.name, "TeacherIds": staff_id,
                "Rooms": room, "TtStructure": self.tt_structure}

    def daily_data(self, start: dt.date, end: dt.date) -> list[Row]:
        """The cyclical timetable expanded to dates, with covers and room changes applied and cancelled
        lessons left out, as Timetable Daily publishes it."""
        changes = {(c.date, c.class_id, c.period): c for c in self.school.daily_changes}
        by_day: dict[int, list[Any]] = {}
        for lsn in self.school.lessons:
            by_day.setdefault(lsn.day, []).append(lsn)
        rows: list[Row] = []
        for day in self.school.calendar:
            if not (start <= day.date <= end and day.cycle_day):
                continue
            for lsn in by_day.get(day.cycle_day, []):
                row = self._lesson_row(day.date, lsn.class_id, lsn.period, lsn.staff_id, lsn.room)
                change = changes.get((day.date, lsn.class_id, lsn.period))
                if change and change.kind == "cancellation":
                    continue
                if change and change.kind == "cover":
                    row.update(TeacherIds=change.staff_id, Replacing=lsn.staff_id)
                elif change and change.kind == "room_change":
                    row["Rooms"] = change.room
                rows.append(row)
        return rows

    def daily_deltas(self, start: dt.date, end: dt.date) -> list[Row]:
        """Ext 1 deltas: one row per cover, room change or cancellation in the range."""
        staff = {lsn_key: lsn.staff_id for lsn in self.school.lessons
                 for lsn_key in [(lsn.class_id, lsn.period, lsn.day)]}
        rows: list[Row] = []
        for change in self.school.daily_changes:
            if not start <= change.date <= end:
                continue
            usual = staff.get((change.class_id, change.period, self.school.cycle_day(change.date) or 0),
                              self._classes_by_id[change.class_id].main_teacher_id)
            row = self._lesson_row(change.date, change.class_id, change.period, change.staff_id, change.room)
            if change.kind == "cover":
                row.update(Replacing=usual, CoverType="casual" if change.staff_id != usual else "inlieu")
            elif change.kind == "cancellation":
                row.update(isCancelled=True, TeacherIds=usual)
            rows.append(row)
        return rows
