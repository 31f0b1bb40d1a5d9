"""A OneRoster 1.1 CSV bulk package built from the canonical dataset.

OneRoster consumers are strict: the exact header order, a manifest naming every file, no
empty data files, and every referenced sourcedId defined in the package. The package is
built in memory, checked with the same validator the tests use, and only then written
(temporary file, rename). Rows whose references cannot be satisfied are excluded and counted.
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

from mis_wizard.vendors.oneroster.csv_spec import HEADERS, MANIFEST_FILES, validate_bulk_package
from mis_wizard.wizard import atomic, spreadsheet_safe
from mis_wizard.wizard.mapping.transforms import parse_date
from mis_wizard.wizard.sync.report import RunReport
from mis_wizard.wizard.sync.sinks.base import Output, Sink, SinkError
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


class Builder:
    """Canonical records → OneRoster rows, tracking what each file defines."""

    def __init__(self, dataset: dict[str, list[dict[str, Any]]], school_name: str, report: RunReport) -> None:
        self.data = dataset
        self.report = report
        self.school_name = school_name or "School"
        self.files: dict[str, list[Row]] = {name: [] for name in HEADERS}

    def row(self, file: str, **values: Any) -> None:
        """Bulk packages leave status and dateLastModified blank (the spec reserves them for deltas)."""
        self.files[file].append({k: _s(values.get(k)) for k in HEADERS[file]})

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
        for file, rows in list(self.files.items()):
            if not rows:
                del self.files[file]
        return self.files

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
            self.row("academicSessions.csv", sourcedId=sid, title=t.get("term.name") or sid, type="term",
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
            self.row("users.csv", sourcedId=f"u-s-{pid}", enabledUser="true", orgSourcedIds=org_of(s, "student"),
                     role="student", username=s.get("student.email") or s.get("student.code") or pid,
                     givenName=s.get("student.first_name"), familyName=s.get("student.last_name"),
                     middleName=s.get("student.middle_name"), identifier=s.get("student.code"),
                     email=s.get("student.email"), grades=_grade(s.get("student.year_level")))
            birth = _date(s.get("student.birth_date"))
            sex = {"M": "male", "F": "female"}.get(_s(s.get("student.gender"))[:1].upper(), "")
            if birth or sex:
                self.row("demographics.csv", sourcedId=f"u-s-{pid}", birthDate=birth, sex=sex)
        for t in self.data.get("staff", []):
            pid = _s(t.get("staff.id"))
            if not pid or self.nameless(t, "staff"):
                continue
            defined[f"staff:{pid}"] = f"u-t-{pid}"
            self.row("users.csv", sourcedId=f"u-t-{pid}", enabledUser="true", orgSourcedIds=org_of(t, "staff"),
                     role="teacher", username=t.get("staff.email") or t.get("staff.code") or pid,
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
            self.row("users.csv", sourcedId=f"u-g-{cid}", enabledUser="true", orgSourcedIds=default_org,
                     role="guardian", username=c.get("contact.email") or f"guardian-{cid}",
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
            self.row("classes.csv", sourcedId=sid, title=c.get("class.name") or cid,
                     grades=_grade(c.get("class.year_level")), courseSourcedId=course_id,
                     classCode=c.get("class.code") or cid,
                     classType="homeroom" if _s(c.get("class.kind")) in ("registration", "registration_group")
                     else "scheduled", location=c.get("class.room"), schoolSourcedId=org, termSourcedIds=term)
        return out

    def enrollments(self, classes: dict[str, tuple[str, str]], users: dict[str, str]) -> None:
        seen: set[tuple[str, str]] = set()

        def add(class_id: str, person: str, role: str, primary: str) -> None:
            cls, user = classes.get(class_id), users.get(person)
            if cls is None or user is None:
                self.exclude("enrollments.csv", f"{role} enrolment refers to a class or person not in the package")
                return
            if (cls[0], user) in seen:
                return
            seen.add((cls[0], user))
            self.row("enrollments.csv", sourcedId=f"enr-{len(seen)}", classSourcedId=cls[0], schoolSourcedId=cls[1],
                     userSourcedId=user, role=role, primary=primary)

        for m in self.data.get("class_memberships", []):
            add(_s(m.get("class_membership.class_id")), f"student:{_s(m.get('class_membership.student_id'))}",
                "student", "false")
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
    writer.writerows(spreadsheet_safe.row(r.get(h, "") for h in header) for r in rows)
    return buf.getvalue().encode("utf-8")


def package(files: dict[str, list[Row]]) -> bytes:
    manifest = [{"propertyName": "manifest.version", "value": "1.0"},
                {"propertyName": "oneroster.version", "value": "1.1"}]
    for name in MANIFEST_FILES:
        mode = "bulk" if f"{name}.csv" in files else "absent"
        manifest.append({"propertyName": f"file.{name}", "value": mode})
    manifest += [{"propertyName": "source.systemName", "value": "MIS Onboarding Wizard"},
                 {"propertyName": "source.systemCode", "value": "mis-wizard"}]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.csv", _csv(["propertyName", "value"], manifest))
        for name, rows in files.items():
            zf.writestr(name, _csv(HEADERS[name], rows))
    return buf.getvalue()


class OneRosterSink(Sink):
    scheme = "oneroster"
    reads_dataset = True

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def key(self) -> str:
        return f"oneroster:{self.path.resolve()}"

    async def write(self, output: Output, state: State, report: RunReport, http: httpx.AsyncClient) -> None:
        files = Builder(output.dataset, output.school_name, report).build()
        data = package(files)
        with atomic.replacing(self.path) as tmp:
            tmp.write_bytes(data)
            problems = validate_bulk_package(tmp)
            if problems:
                raise SinkError("The OneRoster package would not be valid, so the last one was kept: "
                                + "; ".join(problems[:5]))
        for name, rows in files.items():
            report.table(f"oneroster:{name}").written = len(rows)
        _commit(state, self.key, output)
