"""The synthetic school as OneRoster 1.1 REST records, for every emulator that serves OneRoster.

Aeries and Qmlativ both expose OneRoster beside their own API, with their own ids for schools,
students and staff; ``Naming`` carries those so a student or teacher found through OneRoster is
the same one the vendor's own API returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mis_wizard.vendors.sandbox.school import School, Staff, Student

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
    stamp = f"{school.anchor.isoformat()}T00:00:00.000Z"

    def base(sourced_id: str, status: str = "active") -> Record:
        return {"sourcedId": sourced_id, "status": status, "dateLastModified": stamp}

    years = {y.id: y for y in school.years}
    subjects = {s.id: s for s in school.subjects}
    district = naming.district_id
    # Only the columns of the fact sheet's CSV tables, as REST names them (no "children": the
    # sheet lists none; see FACTS in oneroster/__init__.py).
    orgs: list[Record] = [{**base(district), "name": school.name, "type": "district", "identifier": district,
                           "parent": None}]
    for c in school.campuses:
        orgs.append({**base(naming.org(c.id)), "name": c.name, "type": "school", "identifier": c.code,
                     "parent": _ref("org", "orgs", district)})

    year_id = f"SY{school.school_year}"
    sessions: list[Record] = [{**base(year_id), "title": f"{school.school_year} School Year", "type": "schoolYear",
                               "startDate": school.terms[0].start.isoformat(),
                               "endDate": school.terms[-1].end.isoformat(), "parent": None,
                               "schoolYear": str(school.school_year)}]
    for t in school.terms:
        sessions.append({**base(t.id), "title": t.name, "type": "term", "startDate": t.start.isoformat(),
                         "endDate": t.end.isoformat(), "parent": _ref("academicSession", "academicSessions", year_id),
                         "schoolYear": str(school.school_year)})

    current_term = next((t for t in school.terms if t.start <= school.anchor <= t.end), school.terms[-1])
    courses: dict[str, Record] = {}
    classes: list[Record] = []
    for cls in school.classes:
        year = years[cls.year_id]
        subject = subjects[cls.subject_id]
        course_id = f"CRS-{year.id}-{subject.code}"
        org = _ref("org", "orgs", naming.org(year.campus_id))
        courses.setdefault(course_id, {
            **base(course_id), "title": f"{year.name} {subject.name}", "schoolYear":
            _ref("academicSession", "academicSessions", year_id), "courseCode": f"{subject.code}{year.level}",
            "grades": [grade(year.level)], "subjects": [subject.name], "org": org, "subjectCodes": []})
        classes.append({**base(cls.id), "title": cls.name, "classCode": cls.code, "classType": "scheduled",
                        "location": cls.room, "grades": [grade(year.level)], "subjects": [subject.name],
                        "course": _ref("course", "courses", course_id), "school": org,
                        "terms": [_ref("academicSession", "academicSessions", current_term.id)],
                        "subjectCodes": [], "periods": []})

    students = {s.id: s for s in school.students}
    agents: dict[str, list[str]] = {}
    for link in school.contact_links:
        agents.setdefault(link.student_id, []).append(link.contact_id)
    students_of: dict[str, list[Student]] = {}
    for link in school.contact_links:
        students_of.setdefault(link.contact_id, []).append(students[link.student_id])
    users: list[Record] = []
    for s in school.students:
        sid = naming.student_id(s)
        users.append({**base(sid, "active" if s.status == "current" else "tobedeleted"),
                      "username": s.email.split("@")[0], "userIds": [{"type": "studentNumber", "identifier": s.code}],
                      "enabledUser": "true" if s.status == "current" else "false", "givenName": s.first_name,
                      "familyName": s.last_name, "middleName": "", "role": "student", "identifier": s.code,
                      "email": s.email, "sms": "", "phone": "",
                      "agents": [_ref("user", "users", c) for c in agents.get(s.id, [])],
                      "orgs": [_ref("org", "orgs", naming.org(s.campus_id))], "grades": [grade(s.year_level)]})
    for member in school.staff:
        users.append({**base(naming.staff_id(member), "active" if member.status == "current" else "tobedeleted"),
                      "username": member.email.split("@")[0],
                      "userIds": [{"type": "staffCode", "identifier": member.code}],
                      "enabledUser": "true" if member.status == "current" else "false", "givenName": member.first_name,
                      "familyName": member.last_name, "middleName": "",
                      "role": "teacher" if member.teaching else "administrator", "identifier": member.code,
                      "email": member.email, "sms": "", "phone": "", "agents": [],
                      "orgs": [_ref("org", "orgs", naming.org(member.campus_id))], "grades": []})
    for contact in school.contacts:
        kids = students_of.get(contact.id, [])
        users.append({**base(contact.id), "username": "", "userIds": [], "enabledUser": "true",
                      "givenName": contact.first_name,
                      "familyName": contact.last_name, "middleName": "", "role": "parent", "identifier": "",
                      "email": contact.email, "sms": contact.mobile, "phone": "",
                      "agents": [_ref("user", "users", naming.student_id(k)) for k in kids],
                      "orgs": [_ref("org", "orgs", naming.org(k.campus_id)) for k in kids[:1]], "grades": []})

    demographics = [{**base(naming.student_id(s)), "birthDate": s.birth_date.isoformat(), "sex": SEX[s.gender],
                     "americanIndianOrAlaskaNative": "false", "asian": "false", "blackOrAfricanAmerican": "false",
                     "nativeHawaiianOrOtherPacificIslander": "false", "white": "false",
                     "demographicRaceTwoOrMoreRaces": "false", "hispanicOrLatinoEthnicity": "false",
                     "countryOfBirthCode": "", "stateOfBirthAbbreviation": "", "cityOfBirth": "",
                     "publicSchoolResidenceStatus": ""} for s in school.students]

    class_school = {c["sourcedId"]: c["school"] for c in classes}
    staff = {t.id: naming.staff_id(t) for t in school.staff}
    enrollments: list[Record] = []
    for cls in school.classes:
        teacher = staff.get(cls.main_teacher_id, cls.main_teacher_id)
        enrollments.append({**base(f"E-{cls.id}-{teacher}"), "role": "teacher", "primary": "true",
                            "user": _ref("user", "users", teacher),
                            "class": _ref("class", "classes", cls.id), "school": class_school[cls.id],
                            "beginDate": current_term.start.isoformat(), "endDate": current_term.end.isoformat()})
    for class_id, student_id in school.memberships:
        sid = naming.student_id(students[student_id])
        enrollments.append({**base(f"E-{class_id}-{sid}"), "role": "student", "primary": "false",
                            "user": _ref("user", "users", sid), "class": _ref("class", "classes", class_id),
                            "school": class_school[class_id], "beginDate": current_term.start.isoformat(),
                            "endDate": current_term.end.isoformat()})

    return Rendered({
        "orgs": orgs, "academicSessions": sessions, "courses": list(courses.values()), "classes": classes,
        "users": users, "demographics": demographics, "enrollments": enrollments,
    })

