"""The synthetic school as OneRoster 1.1 REST records, for every emulator that serves OneRoster.

Aeries and Qmlativ both expose OneRoster beside their own API, with their own ids for schools,
students and staff; ``Naming`` carries those so a student or teacher found through OneRoster is
the same one the vendor's own API returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mis_wizard.vendors.sandbox.school import School, Staff, Student, Term

Record = dict[str, Any]
SEX = {"M": "male", "F": "female", "X": "other"}


@dataclass(frozen=True)
class Naming:
    """The vendor's sourcedIds: its district org, its school codes, its student and staff ids."""

    district_id: str = "0"
    org_ids: dict[str, str] = field(default_factory=dict)
    """Campus id → school org sourcedId (campus id itself when absent)."""
    student_id: Callable[[Student], str] = lambda s: s.id
    staff_id: Callable[[Staff], str] = lambda t: t.id

    def org(self, campus_id: str) -> str:
        return self.org_ids.get(campus_id, campus_id)


def grade(level: int) -> str:
    """CEDS grade code, as OneRoster carries grades."""
    return f"{level:02d}"


def _ref(kind: str, collection: str, sourced_id: str) -> dict[str, str]:
    return {"href": f"/{collection}/{sourced_id}", "sourcedId": sourced_id, "type": kind}


@dataclass
class Rendered:
    """Every OneRoster collection of one school, keyed by collection name."""

    collections: dict[str, list[Record]]

    def by_id(self, collection: str) -> dict[str, Record]:
        return {r["sourcedId"]: r for r in self.collections[collection]}


def render(school: School, naming: Naming) -> Rendered:
    c = _Parts(school, naming, f"{school.anchor.isoformat()}T00:00:00.000Z")
    current_term = next((t for t in school.terms if t.start <= school.anchor <= t.end), school.terms[-1])
    courses, classes = _classes(c, current_term)
    return Rendered({
        "orgs": _orgs(c), "academicSessions": _sessions(c), "courses": courses, "classes": classes,
        "users": _users(c), "demographics": _demographics(c), "enrollments": _enrollments(c, classes, current_term),
    })


@dataclass(frozen=True)
class _Parts:
    school: School
    naming: Naming
    stamp: str

    def base(self, sourced_id: str, status: str = "active") -> Record:
        return {"sourcedId": sourced_id, "status": status, "dateLastModified": self.stamp}


def _orgs(c: _Parts) -> list[Record]:
    district = c.naming.district_id
    # Only the columns of the fact sheet's CSV tables, as REST names them (no "children": the
    # sheet lists none; see FACTS in oneroster/__init__.py).
    orgs: list[Record] = [{**c.base(district), "name": c.school.name, "type": "district", "identifier": district,
                           "parent": None}]
    for campus in c.school.campuses:
        orgs.append({**c.base(c.naming.org(campus.id)), "name": campus.name, "type": "school",
                     "identifier": campus.code,
                     "parent": _ref("org", "orgs", district)})
    return orgs


def _sessions(c: _Parts) -> list[Record]:
    year_id = f"SY{c.school.school_year}"
    sessions: list[Record] = [{**c.base(year_id), "title": f"{c.school.school_year} School Year", "type": "schoolYear",
                               "startDate": c.school.terms[0].start.isoformat(),
                               "endDate": c.school.terms[-1].end.isoformat(), "parent": None,
                               "schoolYear": str(c.school.school_year)}]
    for t in c.school.terms:
        sessions.append({**c.base(t.id), "title": t.name, "type": "term", "startDate": t.start.isoformat(),
                         "endDate": t.end.isoformat(), "parent": _ref("academicSession", "academicSessions", year_id),
                         "schoolYear": str(c.school.school_year)})
    return sessions


def _classes(c: _Parts, current_term: Term) -> tuple[list[Record], list[Record]]:
    years = {y.id: y for y in c.school.years}
    subjects = {s.id: s for s in c.school.subjects}
    year_id = f"SY{c.school.school_year}"
    courses: dict[str, Record] = {}
    classes: list[Record] = []
    for cls in c.school.classes:
        year = years[cls.year_id]
        subject = subjects[cls.subject_id]
        course_id = f"CRS-{year.id}-{subject.code}"
        org = _ref("org", "orgs", c.naming.org(year.campus_id))
        courses.setdefault(course_id, {
            **c.base(course_id), "title": f"{year.name} {subject.name}", "schoolYear":
            _ref("academicSession", "academicSessions", year_id), "courseCode": f"{subject.code}{year.level}",
            "grades": [grade(year.level)], "subjects": [subject.name], "org": org, "subjectCodes": []})
        classes.append({**c.base(cls.id), "title": cls.name, "classCode": cls.code, "classType": "scheduled",
                        "location": cls.room, "grades": [grade(year.level)], "subjects": [subject.name],
                        "course": _ref("course", "courses", course_id), "school": org,
                        "terms": [_ref("academicSession", "academicSessions", current_term.id)],
                        "subjectCodes": [], "periods": []})
    return list(courses.values()), classes


def _users(c: _Parts) -> list[Record]:
    students = {s.id: s for s in c.school.students}
    agents: dict[str, list[str]] = {}
    for link in c.school.contact_links:
        agents.setdefault(link.student_id, []).append(link.contact_id)
    students_of: dict[str, list[Student]] = {}
    for link in c.school.contact_links:
        students_of.setdefault(link.contact_id, []).append(students[link.student_id])
    users: list[Record] = []
    for s in c.school.students:
        sid = c.naming.student_id(s)
        users.append({**c.base(sid, "active" if s.status == "current" else "tobedeleted"),
                      "username": s.email.split("@")[0], "userIds": [{"type": "studentNumber", "identifier": s.code}],
                      "enabledUser": "true" if s.status == "current" else "false", "givenName": s.first_name,
                      "familyName": s.last_name, "middleName": "", "role": "student", "identifier": s.code,
                      "email": s.email, "sms": "", "phone": "",
                      "agents": [_ref("user", "users", c) for c in agents.get(s.id, [])],
                      "orgs": [_ref("org", "orgs", c.naming.org(s.campus_id))], "grades": [grade(s.year_level)]})
    for member in c.school.staff:
        users.append({**c.base(c.naming.staff_id(member), "active" if member.status == "current" else "tobedeleted"),
                      "username": member.email.split("@")[0],
                      "userIds": [{"type": "staffCode", "identifier": member.code}],
                      "enabledUser": "true" if member.status == "current" else "false", "givenName": member.first_name,
                      "familyName": member.last_name, "middleName": "",
                      "role": "teacher" if member.teaching else "administrator", "identifier": member.code,
                      "email": member.email, "sms": "", "phone": "", "agents": [],
                      "orgs": [_ref("org", "orgs", c.naming.org(member.campus_id))], "grades": []})
    for contact in c.school.contacts:
        kids = students_of.get(contact.id, [])
        users.append({**c.base(contact.id), "username": "", "userIds": [], "enabledUser": "true",
                      "givenName": contact.first_name,
                      "familyName": contact.last_name, "middleName": "", "role": "parent", "identifier": "",
                      "email": contact.email, "sms": contact.mobile, "phone": "",
                      "agents": [_ref("user", "users", c.naming.student_id(k)) for k in kids],
                      "orgs": [_ref("org", "orgs", c.naming.org(k.campus_id)) for k in kids[:1]], "grades": []})
    return users


def _demographics(c: _Parts) -> list[Record]:
    return [{**c.base(c.naming.student_id(s)), "birthDate": s.birth_date.isoformat(), "sex": SEX[s.gender],
            "americanIndianOrAlaskaNative": "false", "asian": "false", "blackOrAfricanAmerican": "false",
            "nativeHawaiianOrOtherPacificIslander": "false", "white": "false",
            "demographicRaceTwoOrMoreRaces": "false", "hispanicOrLatinoEthnicity": "false",
            "countryOfBirthCode": "", "stateOfBirthAbbreviation": "", "cityOfBirth": "",
            "publicSchoolResidenceStatus": ""} for s in c.school.students]


def _enrollments(c: _Parts, classes: list[Record], current_term: Term) -> list[Record]:
    students = {s.id: s for s in c.school.students}
    class_school = {c["sourcedId"]: c["school"] for c in classes}
    staff = {t.id: c.naming.staff_id(t) for t in c.school.staff}
    enrollments: list[Record] = []
    for cls in c.school.classes:
        teacher = staff.get(cls.main_teacher_id, cls.main_teacher_id)
        enrollments.append({**c.base(f"E-{cls.id}-{teacher}"), "role": "teacher", "primary": "true",
                            "user": _ref("user", "users", teacher),
                            "class": _ref("class", "classes", cls.id), "school": class_school[cls.id],
                            "beginDate": current_term.start.isoformat(), "endDate": current_term.end.isoformat()})
    for class_id, student_id in c.school.memberships:
        sid = c.naming.student_id(students[student_id])
        enrollments.append({**c.base(f"E-{class_id}-{sid}"), "role": "student", "primary": "false",
                            "user": _ref("user", "users", sid), "class": _ref("class", "classes", class_id),
                            "school": class_school[class_id], "beginDate": current_term.start.isoformat(),
                            "endDate": current_term.end.isoformat()})
    return enrollments
