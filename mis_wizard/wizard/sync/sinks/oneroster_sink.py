"""OneRoster 1.2 and 1.1 CSV bulk packages built from the sync's dataset and the profile's mapping.

OneRoster consumers are strict: the exact header order, a manifest naming every file, no
empty data files, and every referenced sourcedId defined in the package. Each file's rows are
streamed into a temporary zip a batch at a time and checked as they go, with every rule of the
validator ``mis-wizard validate oneroster`` uses (csv_spec.StreamCheck); the manifest goes in
last, and only a valid package is renamed into place. When the check finds something wrong, the
zip is read back by that validator so the message names each problem's file, line and column.
Rows whose references cannot be satisfied are excluded and counted.

Where the values come from: the sink builds the package's structure (sourcedIds, the
references between files, the school year, one course per subject) from the filtered
canonical records, because no profile maps an id scheme that keeps students, staff and
guardians apart in one users.csv. Every other column takes the profile's mapped value when
the profile has a target named after the file (``users``, ``teachers``, ``guardians``,
``demographics``, ``classes``, ``enrollments``, ``academicSessions``) with that column, so the
profile's match codes (enabledUser, sex, classType, enrolment role) and transforms reach the
zip as they reach the other sinks. A mapped value the version's vocabulary does not take is
not written; the sink's own value is, and the row is listed under the file's errors.

1.2 (``oneroster:ZIP``, what Microsoft School Data Sync reads): users.csv with the 1.2
columns, each user's role and org in roles.csv (one primary role per user), demographics for
every student, and always the same file set (orgs, academicSessions, courses, classes, users,
roles, enrollments, demographics; without the class files when the setup reads no classes),
because School Data Sync marks records inactive when a file is missing from a later upload; a run
that would leave one of them empty fails instead.
1.1 (``oneroster11:ZIP``) leaves empty files out and marks them absent.

People without both a first and a last name (Skyward Qmlativ sends staff without names) are
left out of users.csv and counted, with their enrolments: both versions require givenName and
familyName, and no other field of theirs is a name.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from itertools import repeat
from operator import itemgetter, methodcaller
from pathlib import Path
from typing import Any

import httpx

from mis_wizard.vendors.oneroster.csv_spec import MANIFEST, SPECS, Spec, StreamCheck, validate_bulk_package
from mis_wizard.wizard import atomic, spreadsheet_safe
from mis_wizard.wizard.mapping.canonical import record_id
from mis_wizard.wizard.mapping.transforms import parse_date
from mis_wizard.wizard.sync.report import RunReport
from mis_wizard.wizard.sync.sinks.base import FileSink, Output, SinkError
from mis_wizard.wizard.sync.sinks.fast_deflate import open_member
from mis_wizard.wizard.sync.sinks.files import _commit
from mis_wizard.wizard.sync.state import State


def _s(value: Any) -> str:
    if type(value) is str:
        return value.strip()
    return "" if value is None else str(value).strip()


def _date(value: Any) -> str:
    text = _s(value)
    if not text:
        return ""
    try:
        return parse_date(text).isoformat()
    except ValueError:
        return ""


def _grade(level: Any) -> str:
    text = _s(level)
    digits = "".join(ch for ch in text if ch.isdigit())
    if digits:
        return f"{int(digits):02d}"
    return "KG" if text.upper() in ("K", "KG", "KINDERGARTEN") else ""


FIXED_12 = ("orgs.csv", "academicSessions.csv", "courses.csv", "classes.csv", "users.csv", "roles.csv",
            "enrollments.csv", "demographics.csv")
"""The 1.2 package's file set, the same on every run of a setup (userProfiles.csv joins it when the
profile maps one)."""
CLASS_FILES = ("courses.csv", "classes.csv", "enrollments.csv")
"""Left out of the fixed set for a setup that reads no classes (users only, which School Data Sync takes)."""

MAPPED: dict[str, tuple[str, str]] = {
    "users": ("students", "users.csv"), "teachers": ("staff", "users.csv"), "guardians": ("contacts", "users.csv"),
    "demographics": ("students", "demographics.csv"), "classes": ("classes", "classes.csv"),
    "enrollments": ("class_memberships", "enrollments.csv"), "academicSessions": ("terms", "academicSessions.csv"),
}
"""Profile target name → (its entity, the OneRoster file whose columns its mapped values fill)."""

_OWN = {"sourcedId", "status", "dateLastModified", "orgSourcedIds", "primaryOrgSourcedId",
        "agentSourcedIds", "classSourcedId", "schoolSourcedId", "userSourcedId", "courseSourcedId",
        "termSourcedIds", "parentSourcedId", "schoolYearSourcedId", "orgSourcedId", "resourceSourcedIds"}
"""Columns the sink always writes itself: ids, references, and the bulk-mode blanks (users.csv's
role follows from which entity the person came from; an enrolment's role may be mapped)."""
_DATE_COLUMNS = {"birthDate", "startDate", "endDate", "beginDate"}


def _cell(value: Any, column: str) -> str:
    """A mapped value as the OneRoster cell: booleans as true/false, dates as YYYY-MM-DD, grades as 2 digits."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(_s(v) for v in value)
    if isinstance(value, (dt.date, dt.datetime)):
        return (value.date() if isinstance(value, dt.datetime) else value).isoformat()
    if column in _DATE_COLUMNS:
        return _date(value)
    if column == "grades":
        return ",".join(filter(None, (_grade(g) for g in _s(value).split(","))))
    return _s(value)


_TRIGGERS, _PREFIX = spreadsheet_safe.TRIGGERS, spreadsheet_safe.PREFIX


def _t(value: Any) -> str:
    """A record's value as a text cell: trimmed, and neutralised when a spreadsheet would run it.

    The sink's own cells (ids, references, vocabulary words, dates, grades) never start with a
    trigger, so only cells that come from the school's records or the profile go through this."""
    text = "" if value is None else (value if type(value) is str else str(value)).strip()
    return _PREFIX + text if text.startswith(_TRIGGERS) else text


_NEUTRALISE = re.compile("\x00[" + re.escape("".join(_TRIGGERS)) + "]")


def _each(fn: Callable[[Any], str], values: list[Any]) -> list[str]:
    """``fn`` of each value, worked out once per distinct value (year levels, dates of birth and
    genders repeat across a district)."""
    answers = {value: fn(value) for value in set(values)}
    return [*map(answers.__getitem__, values)]


def _clean(values: list[Any]) -> list[str]:
    """:func:`_s` of each value, one C call for a column of text."""
    kinds = set(map(type, values))
    if kinds <= {str}:
        return [*map(str.strip, values)]
    if kinds == {type(None)}:
        return [""] * len(values)
    return [*map(_s, values)]


def _texts(values: list[Any]) -> list[str]:
    """:func:`_t` of each value: a column is searched once for a cell starting with a trigger, and
    only a column that has one is neutralised cell by cell."""
    cells = _clean(values)
    if _NEUTRALISE.search("\x00" + "\x00".join(cells)):
        return [*map(_t, cells)]
    return cells


Cells = tuple[str, ...]


class _Memo(dict[Any, str]):
    """``fn``'s answers by value, worked out once each: year levels, dates of birth and genders
    repeat across a district, so a row costs a dict lookup instead of a parse."""

    def __init__(self, fn: Callable[[Any], str]) -> None:
        super().__init__()
        self.fn = fn

    def __missing__(self, key: Any) -> str:
        value = self[key] = self.fn(key)
        return value


def _sex(gender: Any) -> str:
    return {"M": "male", "F": "female"}.get(_s(gender)[:1].upper(), "")

ORG = ("sourcedId", "name", "type", "identifier")
SESSION = ("sourcedId", "title", "type", "startDate", "endDate", "parentSourcedId", "schoolYear")
COURSE = ("sourcedId", "schoolYearSourcedId", "title", "courseCode", "orgSourcedId")
CLASS = ("sourcedId", "title", "grades", "courseSourcedId", "classCode", "classType", "location", "schoolSourcedId",
         "termSourcedIds")
USER = ("sourcedId", "enabledUser", "orgSourcedIds", "primaryOrgSourcedId", "role", "username", "givenName",
        "familyName", "middleName", "identifier", "email", "phone", "agentSourcedIds", "grades")
ROLE = ("sourcedId", "userSourcedId", "roleType", "role", "orgSourcedId")
PROFILE = ("sourcedId", "userSourcedId", "profileType", "vendorId", "applicationId", "description", "credentialType",
           "username")
ENROLMENT = ("sourcedId", "classSourcedId", "schoolSourcedId", "userSourcedId", "role", "primary")
DEMOGRAPHIC = ("sourcedId", "birthDate", "sex")
"""The values the builder gives each file's rows, in this order; :meth:`Builder.shape` turns them
into the version's header order in one C call (columns it does not give are blank, and given
ones the header lacks, such as 1.1's primaryOrgSourcedId, are dropped)."""


class Columns:
    """Rows given a column at a time: column → its cells, one per row, or the one value every row
    has; columns not named are blank. For the big files (enrolments, roles, demographics) whose
    cells are all the sink's own, so each step is one C call per column instead of one per row."""

    __slots__ = ("count", "cells")

    def __init__(self, count: int, cells: dict[str, Sequence[str] | str]) -> None:
        self.count, self.cells = count, cells

    def table(self, header: list[str]) -> list[Sequence[str]]:
        """Every column of the header, in its order."""
        n = self.count
        out: list[Sequence[str]] = []
        for column in header:
            cells = self.cells.get(column, "")
            out.append((cells,) * n if isinstance(cells, str) else cells)
        return out

    def rows(self, header: list[str]) -> list[Cells]:
        return list(zip(*self.table(header), strict=True))

    def batches(self, size: int) -> Iterator[Columns]:
        for start in range(0, self.count, size):
            yield Columns(min(size, self.count - start), {
                column: cells if isinstance(cells, str) else cells[start:start + size]
                for column, cells in self.cells.items()})


class Builder:
    """Canonical records (and the profile's mapped rows) → OneRoster rows, file after file.

    :meth:`files` gives each file's rows as they are made (tuples in header order, text cells
    neutralised), so a writer can stream them into the zip and let them go; a later file's ids
    come from what earlier ones defined."""

    def __init__(self, dataset: dict[str, list[dict[str, Any]]], school_name: str, report: RunReport,
                 version: str = "1.2", mapped: Output | None = None) -> None:
        self.data = dataset
        self.report = report
        self.school_name = school_name or "School"
        self.spec: Spec = SPECS[version]
        self.v12 = version != "1.1"
        self.mapped: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
        if mapped is not None:
            for table, (entity, file) in MAPPED.items():
                if table in mapped.tables and mapped.entities.get(table) == entity:
                    by_id = self.mapped.setdefault((entity, file), {})
                    for r in mapped.tables[table]:
                        by_id.setdefault(str(r.get("_id", "")), r)
        self.profile_rows: list[tuple[str, list[dict[str, Any]]]] = []
        if mapped is not None and "userProfiles" in mapped.tables:
            self.profile_rows.append((mapped.entities.get("userProfiles", ""), mapped.tables["userProfiles"]))

    def shape(self, file: str, given: tuple[str, ...]) -> Callable[[tuple[str, ...]], Cells]:
        """The file's row builder: the ``given`` values (plus one blank) → the header's cells."""
        blank = len(given)
        return itemgetter(*(given.index(c) if c in given else blank for c in self.spec.headers[file]))

    def overlay(self, file: str, entity: str) -> Callable[[Cells, dict[str, Any]], Cells] | None:
        """For a file the profile maps from ``entity``: (row, its record) → the row with every column
        the profile's row for that record maps, but for the sink's own; None when it maps none."""
        by_id = self.mapped.get((entity, file))
        if not by_id:
            return None
        header = self.spec.headers[file]
        enums = self.spec.enums.get(file, {})
        columns = [(i, c, enums.get(c)) for i, c in enumerate(header)
                   if c not in _OWN and not (c == "role" and file == "users.csv")]

        def apply(row: Cells, record: dict[str, Any]) -> Cells:
            mapped = by_id.get(record_id(entity, record))
            if not mapped:
                return row
            cells = list(row)
            for i, column, allowed in columns:
                if column not in mapped:
                    continue
                value = _cell(mapped[column], column)
                if not value:
                    continue  # a blank mapped value leaves the sink's own (username falls back to the code)
                if allowed and value.casefold() not in {a.casefold() for a in allowed}:
                    self.report.table(f"oneroster:{file}").error(
                        str(mapped.get("_id", "")), column,
                        f"the profile gives {value!r}, which OneRoster {self.spec.version} does not take; "
                        f"the package has {cells[i]!r}")
                    continue
                cells[i] = _t(value)
            return tuple(cells)
        return apply

    def exclude(self, file: str, reason: str, count: int = 1) -> None:
        table = self.report.table(f"oneroster:{file}")
        table.excluded[reason] = table.excluded.get(reason, 0) + count

    def files(self) -> Iterator[tuple[str, Iterable[Cells | Columns]]]:
        """Each file's name and its rows, in the package's order; take each file's rows before the next."""
        org_ids, orgs = self.orgs()
        self.default_org = next(iter(org_ids.values()))
        self.org_ids = org_ids
        yield "orgs.csv", orgs
        term_ids, year_id, sessions = self.sessions()
        yield "academicSessions.csv", sessions
        self.class_ids: dict[str, tuple[str, str]] = {}
        self.people: dict[str, dict[str, str]] = {"student": {}, "staff": {}, "contact": {}}
        """Kind of person → their canonical id → user sourcedId."""
        self.grades = _Memo(_grade)
        self.user_roles: tuple[list[str], list[str], list[str]] = ([], [], [])
        """Each user's sourcedId, role and org, for roles.csv (a list each, read a column at a time)."""
        self.kept_students: tuple[list[str], list[dict[str, Any]]] = ([], [])
        """Each student's sourcedId and record, for demographics.csv."""
        courses, rows = self.courses(year_id)
        yield "courses.csv", rows
        yield "classes.csv", self.classes(courses, term_ids, year_id)
        yield "users.csv", self.users()
        if self.v12:
            yield "roles.csv", self.roles()
            yield "userProfiles.csv", self.user_profiles()
        yield "enrollments.csv", self.enrollments()
        yield "demographics.csv", self.demographics()

    def check_fixed(self, counts: dict[str, int]) -> None:
        """1.2: a run that would leave a file of the fixed set empty writes nothing."""
        if not self.v12:
            return
        fixed = FIXED_12 if "classes" in self.data else tuple(f for f in FIXED_12 if f not in CLASS_FILES)
        empty = [f for f in fixed if not counts.get(f)]
        if empty:
            raise SinkError(
                f"The OneRoster 1.2 package would have nothing in {', '.join(empty)}, so nothing was written: "
                "School Data Sync marks every record of a missing file inactive. Check that the school's "
                "system sends these records and that the profile's filters keep some of them.")

    def orgs(self) -> tuple[dict[str, str], list[Cells]]:
        """School or campus value → org sourcedId, and the orgs.csv rows."""
        shape = self.shape("orgs.csv", ORG)
        ids: dict[str, str] = {}
        rows = []
        for s in self.data.get("schools", []):
            sid = _s(s.get("school.id"))
            if sid:
                ids[sid] = f"org-{sid}"
                rows.append(shape((f"org-{sid}", _t(s.get("school.name") or sid), "school", _t(s.get("school.code")),
                                   "")))
        if not ids:
            ids[""] = "org-school"
            rows.append(shape(("org-school", _t(self.school_name), "school", "", "")))
        return ids, rows

    def sessions(self) -> tuple[dict[str, str], str, list[Cells]]:
        shape = self.shape("academicSessions.csv", SESSION)
        over = self.overlay("academicSessions.csv", "terms")
        terms = [t for t in self.data.get("terms", []) if _s(t.get("term.id"))]
        starts = [_date(t.get("term.start_date")) for t in terms]
        year = next((d[:4] for d in sorted(filter(None, starts))), str(dt.date.today().year))
        year_id = f"as-year-{year}"
        ends = [_date(t.get("term.end_date")) for t in terms]
        rows = [shape((year_id, f"School year {year}", "schoolYear",
                       min(filter(None, starts), default=f"{year}-01-01"),
                       max(filter(None, ends), default=f"{year}-12-31"), "", year, ""))]
        ids: dict[str, str] = {}
        for t, start, end in zip(terms, starts, ends, strict=True):
            if not (start and end):
                self.exclude("academicSessions.csv", "term without start or end date")
                continue
            # A term id may repeat across schools (Aeries numbers each school's terms 1-4).
            tid, school = _s(t.get("term.id")), _s(t.get("term.school_id"))
            sid = f"as-{school}-{tid}" if school else f"as-{tid}"
            if school:
                ids[f"{school}:{tid}"] = sid
            ids.setdefault(tid, sid)
            row = shape((sid, _t(t.get("term.name") or sid), "term", start, end, year_id, year, ""))
            rows.append(over(row, t) if over else row)
        return ids, year_id, rows

    def courses(self, year_id: str) -> tuple[dict[str, str], list[Cells]]:
        """One course per subject (subject → course sourcedId), at the org of its first class."""
        shape = self.shape("courses.csv", COURSE)
        courses: dict[str, str] = {}
        rows = []
        for c in self.data.get("classes", []):
            if not _s(c.get("class.id")):
                continue
            subject = _s(c.get("class.subject_code") or c.get("class.subject")) or "GENERAL"
            if subject not in courses:
                courses[subject] = course_id = f"course-{len(courses) + 1}"
                org = self.org_ids.get(_s(c.get("class.school_id")), self.default_org)
                rows.append(shape((course_id, year_id, _t(_s(c.get("class.subject")) or subject), _t(subject), org,
                                   "")))
        return courses, rows

    def classes(self, courses: dict[str, str], terms: dict[str, str], year_id: str) -> Iterator[Cells]:
        """classes.csv; fills ``class_ids`` (class id → (class sourcedId, org sourcedId))."""
        shape = self.shape("classes.csv", CLASS)
        over = self.overlay("classes.csv", "classes")
        orgs, default_org, out = self.org_ids, self.default_org, self.class_ids
        all_terms = ",".join(dict.fromkeys(terms.values())) or year_id
        for c in self.data.get("classes", []):
            cid = _s(c.get("class.id"))
            if not cid:
                self.exclude("classes.csv", "class without an id")
                continue
            school = _s(c.get("class.school_id"))
            org = orgs.get(school, default_org)
            subject = _s(c.get("class.subject_code") or c.get("class.subject")) or "GENERAL"
            term_id = _s(c.get("class.term_id"))
            term = terms.get(f"{school}:{term_id}") or terms.get(term_id, all_terms)
            sid = f"class-{cid}"
            out[cid] = (sid, org)
            row = shape((sid, _t(c.get("class.name") or cid), self.grades[c.get("class.year_level")], courses[subject],
                         _t(c.get("class.code") or cid),
                         "homeroom" if _s(c.get("class.kind")) in ("registration", "registration_group")
                         else "scheduled", _t(c.get("class.room")), org, term, ""))
            yield over(row, c) if over else row

    def users(self) -> Iterator[Cells | Columns]:
        """users.csv: students, staff, then guardians; fills ``people``, ``user_roles`` for
        roles.csv and ``kept_students`` for demographics.csv."""
        students = self.data.get("students", [])
        if students and self.overlay("users.csv", "students") is None:
            done = yield from self.student_columns(students)
            if done:
                yield from self.staff_and_guardians()
                return
        yield from self.student_rows()
        yield from self.staff_and_guardians()

    def student_columns(self, students: list[dict[str, Any]]) -> Generator[Columns, None, bool]:
        """The students a column at a time, when every one has an id and both names (else False,
        and nothing is written or counted: the rows then go one by one)."""
        def column(key: str) -> list[Any]:
            return _column(students, key)

        pids = _clean(column("student.id"))
        given, family = _texts(column("student.first_name")), _texts(column("student.last_name"))
        if "" in pids or "" in given or "" in family:
            return False
        emails, codes = column("student.email"), column("student.code")
        orgs = [*map(self.org_ids.get, _clean(column("student.school_id")), repeat(self.default_org))]
        sids = [*map("u-s-".__add__, pids)]
        self.people["student"].update(zip(pids, sids, strict=True))
        self.role(sids, repeat("student", len(sids)), orgs)
        self.kept_students[0].extend(sids)
        self.kept_students[1].extend(students)
        yield from Columns(len(sids), {
            "sourcedId": sids, "enabledUser": "true", "orgSourcedIds": orgs, "primaryOrgSourcedId": orgs,
            "role": "student", "username": _texts([e or c or p for e, c, p in zip(emails, codes, pids, strict=True)]),
            "givenName": given, "familyName": family, "middleName": _texts(column("student.middle_name")),
            "identifier": _texts(codes), "email": _texts(emails),
            "grades": _each(_grade, column("student.year_level"))}).batches(BATCH)
        return True

    def student_rows(self) -> Iterator[Cells]:
        shape = self.shape("users.csv", USER)
        orgs, default_org, grades = self.org_ids, self.default_org, self.grades
        kept = self.kept_students
        people = self.people["student"]
        over = self.overlay("users.csv", "students")
        for s in self.data.get("students", []):
            g = s.get
            pid = _s(g("student.id"))
            if not pid:
                self.exclude("users.csv", "student without an id")
                continue
            given, family = _t(g("student.first_name")), _t(g("student.last_name"))
            if not (given and family):
                self.nameless("student")
                continue
            sid = people[pid] = f"u-s-{pid}"
            org = orgs.get(_s(g("student.school_id")), default_org)
            self.role((sid,), ("student",), (org,))
            kept[0].append(sid)
            kept[1].append(s)
            row = shape((sid, "true", org, org, "student", _t(g("student.email") or g("student.code") or pid),
                         given, family, _t(g("student.middle_name")), _t(g("student.code")), _t(g("student.email")),
                         "", "", grades[g("student.year_level")], ""))
            yield over(row, s) if over else row

    def staff_and_guardians(self) -> Iterator[Cells]:
        shape = self.shape("users.csv", USER)
        orgs, default_org = self.org_ids, self.default_org
        people = self.people["staff"]
        over = self.overlay("users.csv", "staff")
        for t in self.data.get("staff", []):
            g = t.get
            pid = _s(g("staff.id"))
            if not pid:
                continue
            given, family = _t(g("staff.first_name")), _t(g("staff.last_name"))
            if not (given and family):
                self.nameless("staff")
                continue
            sid = people[pid] = f"u-t-{pid}"
            org = orgs.get(_s(g("staff.school_id")), default_org)
            self.role((sid,), ("teacher",), (org,))
            row = shape((sid, "true", org, org, "teacher", _t(g("staff.email") or g("staff.code") or pid),
                         given, family, "", _t(g("staff.code")), _t(g("staff.email")), "", "", "", ""))
            yield over(row, t) if over else row
        yield from self.guardians()

    def role(self, sids: Iterable[str], roles: Iterable[str], orgs: Iterable[str]) -> None:
        """Users' primary roles, for roles.csv."""
        for column, cells in zip(self.user_roles, (sids, roles, orgs), strict=True):
            column.extend(cells)

    def nameless(self, prefix: str) -> None:
        """OneRoster requires givenName and familyName: a person the system sent without both is
        left out and counted (their enrolments then go too), not written as a row consumers reject."""
        who = {"student": "student", "staff": "staff member", "contact": "contact"}[prefix]
        self.exclude("users.csv", f"{who} without a first or last name from the school's system")

    def guardians(self) -> Iterator[Cells]:
        shape = self.shape("users.csv", USER)
        over = self.overlay("users.csv", "contacts")
        students, people, org = self.people["student"], self.people["contact"], self.default_org
        links: dict[str, list[str]] = {}
        for link in self.data.get("contact_links", []):
            student = students.get(_s(link.get("contact_link.student_id")))
            if student:
                links.setdefault(_s(link.get("contact_link.contact_id")), []).append(student)
        for c in self.data.get("contacts", []):
            cid = _s(c.get("contact.id"))
            children = links.get(cid, [])
            if not children:
                self.exclude("users.csv", "contact linked to no student in the package")
                continue
            given, family = _t(c.get("contact.first_name")), _t(c.get("contact.last_name"))
            if not (given and family):
                self.nameless("contact")
                continue
            sid = people[cid] = f"u-g-{cid}"
            self.role((sid,), ("guardian",), (org,))
            row = shape((sid, "true", org, org, "guardian", _t(c.get("contact.email") or f"guardian-{cid}"),
                         given, family, "", "",
                         _t(c.get("contact.email")), _t(c.get("contact.mobile") or c.get("contact.phone")),
                         ",".join(sorted(set(children))), "", ""))
            yield over(row, c) if over else row

    def roles(self) -> Iterator[Columns]:
        """1.2 roles.csv: each user's primary role at their org."""
        sids, roles, orgs = self.user_roles
        if sids:
            yield from Columns(len(sids), {
                "sourcedId": [*map("role-".__add__, sids)], "userSourcedId": sids, "roleType": "primary",
                "role": roles, "orgSourcedId": orgs}).batches(BATCH)

    def demographics(self) -> Iterator[Cells | Columns]:
        """demographics.csv: in 1.2 every student in users.csv (so the file set stays the same), in
        1.1 those with a birth date or sex."""
        shape = self.shape("demographics.csv", DEMOGRAPHIC)
        over = self.overlay("demographics.csv", "students")
        births, sexes = _Memo(_date), _Memo(_sex)
        sids, records = self.kept_students
        if self.v12 and over is None and sids:
            yield from Columns(len(sids), {
                "sourcedId": sids,
                "birthDate": _each(_date, _column(records, "student.birth_date")),
                "sex": _each(_sex, _column(records, "student.gender"))}).batches(BATCH)
            return
        for sid, s in zip(sids, records, strict=True):
            birth = births[s.get("student.birth_date")]
            sex = sexes[s.get("student.gender")]
            if birth or sex or self.v12:
                row = shape((sid, birth, sex, ""))
                yield over(row, s) if over else row

    def user_profiles(self) -> Iterator[Cells]:
        """userProfiles.csv from a profile target named ``userProfiles`` (students or staff), when it maps one."""
        shape = self.shape("userProfiles.csv", PROFILE)
        written = 0
        for entity, rows in self.profile_rows:
            kind = {"students": "student", "staff": "staff", "contacts": "contact"}.get(entity, "")
            for r in rows:
                user = self.people.get(kind, {}).get(_s(r.get("_id")))
                if user is None:
                    self.exclude("userProfiles.csv", "profile of a person not in the package")
                    continue
                columns = ("profileType", "vendorId", "applicationId", "description", "credentialType", "username")
                values = [_cell(r.get(c), c) for c in columns]
                if not all(values[i] for i in (0, 1, 4, 5)):
                    self.exclude("userProfiles.csv", "profile without a type, vendor, credential type or username")
                    continue
                written += 1
                yield shape((f"up-{written}", user, *map(_t, values), ""))

    def enrollments(self) -> Iterator[Cells | Columns]:
        shape = self.shape("enrollments.csv", ENROLMENT)
        classes, staff = self.class_ids, self.people["staff"]
        seen = yield from self.student_enrolments(shape)
        for c in self.data.get("classes", []):
            cid = _s(c.get("class.id"))
            for column, primary in (("class.main_teacher_id", "true"), ("class.second_teacher_id", "false")):
                teacher = _s(c.get(column))
                if not teacher:
                    continue
                cls, user = classes.get(cid), staff.get(teacher)
                if cls is None or user is None:
                    self.exclude("enrollments.csv", "teacher enrolment refers to a class or person not in the package")
                    continue
                if (cls[0], user) not in seen:
                    seen[cls[0], user] = None
                    yield shape((f"enr-{len(seen)}", cls[0], cls[1], user, "teacher", primary, ""))

    def student_enrolments(self, shape: Callable[[tuple[str, ...]], Cells]
                           ) -> Generator[Cells | Columns, None, dict[tuple[str, str], None]]:
        """Each student's enrolment rows, once per class and student in the order the class lists
        give them; returns each (class sourcedId, user sourcedId) written, in that order.

        A district has millions: the lists are read a column at a time (lookups mapped over the
        records, duplicates dropped by one dict), and memberships are looked at one by one only
        when an id is not clean text or refers to nothing, or the profile maps enrolments."""
        memberships = self.data.get("class_memberships", [])
        classes, students = self.class_ids, self.people["student"]
        over = self.overlay("enrollments.csv", "class_memberships")
        class_ids = _column(memberships, "class_membership.class_id")
        student_ids = _column(memberships, "class_membership.student_id")
        found = [*map(classes.get, class_ids)]
        users = [*map(students.get, student_ids)]
        missing = 0
        if None in found or None in users:
            for i, (cls, user) in enumerate(zip(found, users, strict=True)):
                if cls is None:
                    cls = found[i] = classes.get(_s(class_ids[i]))
                if user is None:
                    user = users[i] = students.get(_s(student_ids[i]))
                missing += cls is None or user is None
        if missing:
            self.exclude("enrollments.csv", "student enrolment refers to a class or person not in the package",
                         missing)
        if over is None and not missing:
            # nothing is missing here, so every entry is a (sourcedId, org) and a user sourcedId
            sids: list[str] = [*map(itemgetter(0), found)]  # type: ignore[arg-type]
            seen: dict[tuple[str, str], None] = dict.fromkeys(zip(sids, users, strict=True))  # type: ignore[arg-type]
            if len(seen) < len(sids):  # a student listed twice in a class: the first place counts
                sids, users = [*map(itemgetter(0), seen)], [*map(itemgetter(1), seen)]
            org_of = dict(classes.values())
            yield from Columns(len(sids), {
                "sourcedId": [f"enr-{n}" for n in range(1, len(sids) + 1)], "classSourcedId": sids,
                "schoolSourcedId": [*map(org_of.__getitem__, sids)], "userSourcedId": users,  # type: ignore[dict-item]
                "role": "student", "primary": "false"}).batches(BATCH)
            return seen
        seen = {}
        for m, cls, user in zip(memberships, found, users, strict=True):
            if cls is None or user is None or (cls[0], user) in seen:
                continue
            seen[cls[0], user] = None
            row = shape((f"enr-{len(seen)}", cls[0], cls[1], user, "student", "false", ""))
            yield over(row, m) if over else row
        return seen


def _column(records: list[dict[str, Any]], key: str) -> list[Any]:
    """One field of every record, None where a record lacks it: itemgetter first, as ``.get`` per record
    takes about three times as long (0.15 s for a million class-list entries here)."""
    try:
        return [*map(itemgetter(key), records)]
    except KeyError:
        return [*map(methodcaller("get", key), records)]


BATCH = 5000
"""Rows written, checked and let go at a time."""


def write_package(path: Path, builder: Builder) -> dict[str, int]:
    """Stream the builder's files into a zip at ``path`` (ISA-L's deflate), each batch of rows
    checked as it is written (csv_spec.StreamCheck), the manifest last; rows written per file.

    Raises SinkError when a 1.2 fixed file would be empty, or the package is not valid (then with
    the problems check_bulk_package names, read back from what was written)."""
    spec = builder.spec
    check = StreamCheck(spec)
    counts: dict[str, int] = {}
    # The data files go through ISA-L (fast_deflate); level 1 is for zlib's, the manifest's few bytes.
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, rows in builder.files():
            counts[name] = _write_file(zf, name, spec.headers[name], rows, check)
        builder.check_fixed(counts)
        manifest = _manifest(spec, {name for name, n in counts.items() if n})
        zf.writestr(MANIFEST, manifest.encode("utf-8"))
    if not check.finish(manifest, spec.version):
        problems = validate_bulk_package(path, spec.version)
        if problems:
            raise SinkError(f"The OneRoster {spec.version} package would not be valid, so the last one was kept: "
                            + "; ".join(problems[:5]))
    return {name: n for name, n in counts.items() if n}


def _write_file(zf: zipfile.ZipFile, name: str, header: list[str], rows: Iterable[Cells | Columns],
                check: StreamCheck) -> int:
    """One file's rows into the zip, a batch at a time; a file without rows is left out."""
    chunks = batches(rows)
    batch = next(chunks, None)
    if batch is None:
        return 0
    count = 0
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow(spreadsheet_safe.row(header))
    head = buf.getvalue()
    check.start(name, header)
    with open_member(zf, name) as fh:
        while batch is not None:
            if isinstance(batch, Columns):
                table = batch.table(header)
                body, plain = _columns_text(batch, header, table)
                text = head + body
                check.columns(table, text, breaks_counted=plain)
                count += batch.count
            else:
                body, plain = _rows_text(batch, len(header))
                text = head + body
                check.rows(batch, text, breaks_counted=plain)
                count += len(batch)
            fh.write(text.encode("utf-8"))
            head = ""
            batch = next(chunks, None)
    check.end()
    return count


def batches(items: Iterable[Cells | Columns]) -> Iterator[list[Cells] | Columns]:
    rows: list[Cells] = []
    for item in items:
        if isinstance(item, Columns):
            if rows:
                yield rows
                rows = []
            yield item
        else:
            rows.append(item)
            if len(rows) == BATCH:
                yield rows
                rows = []
    if rows:
        yield rows


def _rows_text(rows: Sequence[Cells], width: int) -> tuple[str, bool]:
    """The CSV text csv.writer gives the rows: joined with commas when no cell needs quoting
    (every comma and line break is then one the join put there), else csv.writer's own; and
    whether it was the join (then no cell holds a line break: they were counted)."""
    return _plain(rows, "\r\n".join(map(",".join, rows)), len(rows), width)


def _columns_text(batch: Columns, header: list[str], table: list[Sequence[str]]) -> tuple[str, bool]:
    """As :func:`_rows_text`, from columns: their rows joined once, and counted as there."""
    return _plain(zip(*table, strict=True), "\r\n".join(map(",".join, zip(*table, strict=True))), batch.count,
                  len(header))


def _plain(rows: Iterable[Cells], body: str, n: int, width: int) -> tuple[str, bool]:
    """``body`` (the ``n`` rows of ``width`` cells joined) and True when nothing in it needs quoting,
    else csv.writer's text and False."""
    if body.count(",") == (width - 1) * n and body.count("\n") == n - 1 and body.count("\r") == n - 1 \
            and '"' not in body:
        return body + "\r\n", True
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue(), False


def _manifest(spec: Spec, names: set[str]) -> str:
    rows = [["propertyName", "value"], ["manifest.version", "1.0"], ["oneroster.version", spec.version]]
    rows += [[f"file.{name}", "bulk" if f"{name}.csv" in names else "absent"] for name in spec.manifest_files]
    rows += [["source.systemName", "MIS Onboarding Wizard"], ["source.systemCode", "mis-wizard"]]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


class OneRosterSink(FileSink):
    """``oneroster:ZIP`` writes OneRoster 1.2; ``oneroster11:ZIP`` writes 1.1."""

    scheme = "oneroster"
    reads_dataset = True

    def __init__(self, path: Path, version: str = "1.2") -> None:
        super().__init__(path)
        self.version = version
        self.scheme = "oneroster" if version == "1.2" else "oneroster11"

    async def write(self, output: Output, state: State, report: RunReport, http: httpx.AsyncClient) -> None:
        builder = Builder(output.dataset, output.school_name, report, self.version, output)
        with atomic.replacing(self.path) as tmp:
            counts = write_package(tmp, builder)
        for name, rows in counts.items():
            report.table(f"oneroster:{name}").written = rows
        _commit(state, self.key, output)
