"""OneRoster 1.2 and 1.1 CSV bulk packages built from the sync's dataset and the profile's mapping.

OneRoster consumers are strict: the exact header order, a manifest naming every file, no
empty data files, and every referenced sourcedId defined in the package. The package is
built in memory, checked with the same validator ``mis-wizard validate oneroster`` uses, and
only then written (temporary file, rename). Rows whose references cannot be satisfied are
excluded and counted.

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
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx

from mis_wizard.vendors.oneroster.csv_spec import SPECS, Spec, validate_bulk_package
from mis_wizard.wizard import atomic, spreadsheet_safe
from mis_wizard.wizard.mapping.canonical import record_id
from mis_wizard.wizard.mapping.transforms import parse_date
from mis_wizard.wizard.sync.report import RunReport
from mis_wizard.wizard.sync.sinks.base import FileSink, Output, SinkError
from mis_wizard.wizard.sync.sinks.files import _commit
from mis_wizard.wizard.sync.state import State

Row = dict[str, str]


def _s(value: Any) -> str:
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


class Builder:
    """Canonical records (and the profile's mapped rows) → OneRoster rows, tracking what each file defines."""

    def __init__(self, dataset: dict[str, list[dict[str, Any]]], school_name: str, report: RunReport,
                 version: str = "1.2", mapped: Output | None = None) -> None:
        self.data = dataset
        self.report = report
        self.school_name = school_name or "School"
        self.spec: Spec = SPECS[version]
        self.v12 = version != "1.1"
        self.files: dict[str, list[Row]] = {name: [] for name in self.spec.headers}
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

    def row(self, file: str, source: tuple[str, dict[str, Any]] | None = None, **values: Any) -> None:
        """Bulk packages leave status and dateLastModified blank (the spec reserves them for deltas).

        ``source`` (entity, canonical record): the profile's mapped row for that record, if any,
        fills every column it maps that is not one of the sink's own."""
        cells = {k: v.strip() if type(v) is str else _s(v) for k, v in values.items()}
        if source is not None:
            entity, record = source
            by_id = self.mapped.get((entity, file))
            mapped = by_id.get(record_id(entity, record)) if by_id else None
            if mapped:
                self.overlay(file, cells, mapped)
        self.files.setdefault(file, []).append(cells)

    def overlay(self, file: str, cells: Row, mapped: dict[str, Any]) -> None:
        header = self.spec.headers.get(file, [])
        enums = self.spec.enums.get(file, {})
        for column in header:
            if column in _OWN or column not in mapped or (column == "role" and file == "users.csv"):
                continue
            value = _cell(mapped[column], column)
            if not value:
                continue  # a blank mapped value leaves the sink's own (username falls back to the code)
            allowed = enums.get(column)
            if allowed and value.casefold() not in {a.casefold() for a in allowed}:
                self.report.table(f"oneroster:{file}").error(
                    str(mapped.get("_id", "")), column,
                    f"the profile gives {value!r}, which OneRoster {self.spec.version} does not take; "
                    f"the package has {cells.get(column, '')!r}")
                continue
            cells[column] = value

    def exclude(self, file: str, reason: str) -> None:
        table = self.report.table(f"oneroster:{file}")
        table.excluded[reason] = table.excluded.get(reason, 0) + 1

    def build(self) -> dict[str, list[Row]]:
        org_ids = self.orgs()
        default_org = next(iter(org_ids.values()))
        term_ids, year_id = self.sessions()
        users = self.users(org_ids, default_org)
        classes = self.classes(org_ids, default_org, term_ids, year_id)
        self.enrollments(classes, users)
        if self.v12:
            self.user_profiles(users)
            fixed = FIXED_12 if "classes" in self.data else tuple(f for f in FIXED_12 if f not in CLASS_FILES)
            empty = [f for f in fixed if not self.files.get(f)]
            if empty:
                raise SinkError(
                    f"The OneRoster 1.2 package would have nothing in {', '.join(empty)}, so nothing was written: "
                    "School Data Sync marks every record of a missing file inactive. Check that the school's "
                    "system sends these records and that the profile's filters keep some of them.")
        for file, rows in list(self.files.items()):
            if not rows:
                del self.files[file]
        return self.files

    def person(self, source: tuple[str, dict[str, Any]], sid: str, role: str, org: str, **values: Any) -> None:
        """A users.csv row; in 1.2 also the user's primary role at their org in roles.csv."""
        self.row("users.csv", source, sourcedId=sid, enabledUser="true", orgSourcedIds=org, primaryOrgSourcedId=org,
                 role=role, **values)
        if self.v12:
            self.row("roles.csv", sourcedId=f"role-{sid}", userSourcedId=sid, roleType="primary", role=role,
                     orgSourcedId=org)

    def user_profiles(self, users: dict[str, str]) -> None:
        """userProfiles.csv from a profile target named ``userProfiles`` (students or staff), when it maps one."""
        for entity, rows in self.profile_rows:
            kind = {"students": "student", "staff": "staff", "contacts": "contact"}.get(entity)
            for r in rows:
                user = users.get(f"{kind}:{_s(r.get('_id'))}")
                if user is None:
                    self.exclude("userProfiles.csv", "profile of a person not in the package")
                    continue
                columns = ("profileType", "vendorId", "applicationId", "description", "credentialType", "username")
                values: dict[str, Any] = {c: _cell(r.get(c), c) for c in columns}
                if not all(values[c] for c in ("profileType", "vendorId", "credentialType", "username")):
                    self.exclude("userProfiles.csv", "profile without a type, vendor, credential type or username")
                    continue
                self.row("userProfiles.csv", sourcedId=f"up-{len(self.files.get('userProfiles.csv', [])) + 1}",
                         userSourcedId=user, **values)

    def orgs(self) -> dict[str, str]:
        """School or campus value → org sourcedId."""
        ids: dict[str, str] = {}
        for s in self.data.get("schools", []):
            sid = _s(s.get("school.id"))
            if sid:
                ids[sid] = f"org-{sid}"
                self.row("orgs.csv", sourcedId=f"org-{sid}", name=s.get("school.name") or sid, type="school",
                         identifier=s.get("school.code"))
        if not ids:
            ids[""] = "org-school"
            self.row("orgs.csv", sourcedId="org-school", name=self.school_name, type="school")
        return ids

    def sessions(self) -> tuple[dict[str, str], str]:
        terms = [t for t in self.data.get("terms", []) if _s(t.get("term.id"))]
        starts = [_date(t.get("term.start_date")) for t in terms]
        year = next((d[:4] for d in sorted(filter(None, starts))), str(dt.date.today().year))
        year_id = f"as-year-{year}"
        ends = [_date(t.get("term.end_date")) for t in terms]
        self.row("academicSessions.csv", sourcedId=year_id, title=f"School year {year}", type="schoolYear",
                 startDate=min(filter(None, starts), default=f"{year}-01-01"),
                 endDate=max(filter(None, ends), default=f"{year}-12-31"), schoolYear=year)
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
            self.row("academicSessions.csv", ("terms", t), sourcedId=sid, title=t.get("term.name") or sid, type="term",
                     startDate=start, endDate=end, parentSourcedId=year_id, schoolYear=year)
        return ids, year_id

    def users(self, orgs: dict[str, str], default_org: str) -> dict[str, str]:
        """Canonical person id → user sourcedId (students, staff, guardians)."""
        defined: dict[str, str] = {}

        def org_of(record: dict[str, Any], prefix: str) -> str:
            return orgs.get(_s(record.get(f"{prefix}.school_id")), default_org)

        for s in self.data.get("students", []):
            pid = _s(s.get("student.id"))
            if not pid:
                self.exclude("users.csv", "student without an id")
                continue
            if self.nameless(s, "student"):
                continue
            defined[f"student:{pid}"] = f"u-s-{pid}"
            self.person(("students", s), f"u-s-{pid}", "student", org_of(s, "student"),
                        username=s.get("student.email") or s.get("student.code") or pid,
                        givenName=s.get("student.first_name"), familyName=s.get("student.last_name"),
                        middleName=s.get("student.middle_name"), identifier=s.get("student.code"),
                        email=s.get("student.email"), grades=_grade(s.get("student.year_level")))
            birth = _date(s.get("student.birth_date"))
            sex = {"M": "male", "F": "female"}.get(_s(s.get("student.gender"))[:1].upper(), "")
            if birth or sex or self.v12:  # 1.2: every student, so the file set stays the same
                self.row("demographics.csv", ("students", s), sourcedId=f"u-s-{pid}", birthDate=birth, sex=sex)
        for t in self.data.get("staff", []):
            pid = _s(t.get("staff.id"))
            if not pid or self.nameless(t, "staff"):
                continue
            defined[f"staff:{pid}"] = f"u-t-{pid}"
            self.person(("staff", t), f"u-t-{pid}", "teacher", org_of(t, "staff"),
                        username=t.get("staff.email") or t.get("staff.code") or pid,
                        givenName=t.get("staff.first_name"), familyName=t.get("staff.last_name"),
                        identifier=t.get("staff.code"), email=t.get("staff.email"))
        self.guardians(defined, default_org)
        return defined

    def nameless(self, record: dict[str, Any], prefix: str) -> bool:
        """OneRoster requires givenName and familyName: a person the system sent without both is
        left out and counted (their enrolments then go too), not written as a row consumers reject."""
        if _s(record.get(f"{prefix}.first_name")) and _s(record.get(f"{prefix}.last_name")):
            return False
        who = {"student": "student", "staff": "staff member", "contact": "contact"}[prefix]
        self.exclude("users.csv", f"{who} without a first or last name from the school's system")
        return True

    def guardians(self, defined: dict[str, str], default_org: str) -> None:
        links: dict[str, list[str]] = {}
        for link in self.data.get("contact_links", []):
            student = defined.get(f"student:{_s(link.get('contact_link.student_id'))}")
            if student:
                links.setdefault(_s(link.get("contact_link.contact_id")), []).append(student)
        for c in self.data.get("contacts", []):
            cid = _s(c.get("contact.id"))
            children = links.get(cid, [])
            if not children:
                self.exclude("users.csv", "contact linked to no student in the package")
                continue
            if self.nameless(c, "contact"):
                continue
            defined[f"contact:{cid}"] = f"u-g-{cid}"
            self.person(("contacts", c), f"u-g-{cid}", "guardian", default_org,
                        username=c.get("contact.email") or f"guardian-{cid}",
                        givenName=c.get("contact.first_name"), familyName=c.get("contact.last_name"),
                        email=c.get("contact.email"), phone=c.get("contact.mobile") or c.get("contact.phone"),
                        agentSourcedIds=",".join(sorted(set(children))))

    def classes(self, orgs: dict[str, str], default_org: str, terms: dict[str, str], year_id: str
                ) -> dict[str, tuple[str, str]]:
        """Class id → (class sourcedId, org sourcedId); one course per subject."""
        courses: dict[str, str] = {}
        out: dict[str, tuple[str, str]] = {}
        all_terms = ",".join(dict.fromkeys(terms.values())) or year_id
        for c in self.data.get("classes", []):
            cid = _s(c.get("class.id"))
            if not cid:
                self.exclude("classes.csv", "class without an id")
                continue
            org = orgs.get(_s(c.get("class.school_id")), default_org)
            subject = _s(c.get("class.subject_code") or c.get("class.subject")) or "GENERAL"
            course_id = courses.get(subject)
            if course_id is None:
                course_id = f"course-{len(courses) + 1}"
                courses[subject] = course_id
                self.row("courses.csv", sourcedId=course_id, schoolYearSourcedId=year_id,
                         title=_s(c.get("class.subject")) or subject, courseCode=subject, orgSourcedId=org)
            term_id = _s(c.get("class.term_id"))
            term = terms.get(f"{_s(c.get('class.school_id'))}:{term_id}") or terms.get(term_id, all_terms)
            sid = f"class-{cid}"
            out[cid] = (sid, org)
            self.row("classes.csv", ("classes", c), sourcedId=sid, title=c.get("class.name") or cid,
                     grades=_grade(c.get("class.year_level")), courseSourcedId=course_id,
                     classCode=c.get("class.code") or cid,
                     classType="homeroom" if _s(c.get("class.kind")) in ("registration", "registration_group")
                     else "scheduled", location=c.get("class.room"), schoolSourcedId=org, termSourcedIds=term)
        return out

    def enrollments(self, classes: dict[str, tuple[str, str]], users: dict[str, str]) -> None:
        seen: set[tuple[str, str]] = set()

        def add(class_id: str, person: str, role: str, primary: str,
                source: tuple[str, dict[str, Any]] | None = None) -> None:
            cls, user = classes.get(class_id), users.get(person)
            if cls is None or user is None:
                self.exclude("enrollments.csv", f"{role} enrolment refers to a class or person not in the package")
                return
            if (cls[0], user) in seen:
                return
            seen.add((cls[0], user))
            self.row("enrollments.csv", source, sourcedId=f"enr-{len(seen)}", classSourcedId=cls[0],
                     schoolSourcedId=cls[1], userSourcedId=user, role=role, primary=primary)

        for m in self.data.get("class_memberships", []):
            add(_s(m.get("class_membership.class_id")), f"student:{_s(m.get('class_membership.student_id'))}",
                "student", "false", ("class_memberships", m))
        for c in self.data.get("classes", []):
            cid = _s(c.get("class.id"))
            if _s(c.get("class.main_teacher_id")):
                add(cid, f"staff:{_s(c.get('class.main_teacher_id'))}", "teacher", "true")
            if _s(c.get("class.second_teacher_id")):
                add(cid, f"staff:{_s(c.get('class.second_teacher_id'))}", "teacher", "false")


def _csv(header: list[str], rows: Iterable[Row]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(spreadsheet_safe.row(header))
    triggers, prefix = spreadsheet_safe.TRIGGERS, spreadsheet_safe.PREFIX
    # The cells are text (Builder._s), so neutralising is the one startswith test per cell,
    # written out here instead of a call per cell: a 250,000-student package has millions.
    writer.writerows([prefix + v if v.startswith(triggers) else v for v in map(r.get, header, blanks)]
                     for blanks in [[""] * len(header)] for r in rows)
    return buf.getvalue().encode("utf-8")


def package(files: dict[str, list[Row]], version: str = "1.2") -> bytes:
    spec = SPECS[version]
    manifest = [{"propertyName": "manifest.version", "value": "1.0"},
                {"propertyName": "oneroster.version", "value": version}]
    for name in spec.manifest_files:
        mode = "bulk" if f"{name}.csv" in files else "absent"
        manifest.append({"propertyName": f"file.{name}", "value": mode})
    manifest += [{"propertyName": "source.systemName", "value": "MIS Onboarding Wizard"},
                 {"propertyName": "source.systemCode", "value": "mis-wizard"}]
    buf = io.BytesIO()
    # Level 1: about a third of the default level's time for a CSV package a few percent larger.
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("manifest.csv", _csv(["propertyName", "value"], manifest))
        for name, rows in files.items():
            zf.writestr(name, _csv(spec.headers[name], rows))
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
        files = Builder(output.dataset, output.school_name, report, self.version, output).build()
        data = package(files, self.version)
        with atomic.replacing(self.path) as tmp:
            tmp.write_bytes(data)
            problems = validate_bulk_package(tmp, self.version)
            if problems:
                raise SinkError(f"The OneRoster {self.version} package would not be valid, so the last one was kept: "
                                + "; ".join(problems[:5]))
        for name, rows in files.items():
            report.table(f"oneroster:{name}").written = len(rows)
        _commit(state, self.key, output)
