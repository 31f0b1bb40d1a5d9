"""The synthetic school (sandbox/school.py) as the six Datashare objects, for the emulator.

Each object carries only the names wire.py's constructed contract and the fact sheet give it
(tests/vendors/integris/test_fact_sheet_fields.py). The synthetic school has no Integris-only
facts, so these are derived from it deterministically (``random.Random(f"{seed}:integris-…")``):
second tutors of registration groups, the extra staff and members of custom groups, and the
student groups (School Council, Choir).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from mis_wizard.vendors.sandbox.school import School

Rows = list[dict[str, Any]]
_CLASS_KINDS = {"teaching_set": "TeachingSet", "mixed": "MixedGroup", "custom": "CustomGroup"}


def students(school: School) -> Rows:
    years = {y.id: y for y in school.years}
    forms = {g.id: g for g in school.reg_groups}
    return [{"studentId": s.id, "knownName": s.preferred_name, "surname": s.last_name,
             "yearGroup": years[s.year_id].name, "className": forms[s.reg_group_id].name,
             "dateOfBirth": s.birth_date.isoformat()} for s in school.current_students()]


def contacts(school: School) -> Rows:
    return [{"contactId": c.id, "title": c.title, "forename": c.first_name, "surname": c.last_name,
             "email": c.email or None, "phone": c.mobile or None} for c in school.contacts]


def links(school: School) -> Rows:
    current = {s.id for s in school.current_students()}
    return [{"studentId": link.student_id, "contactId": link.contact_id, "relationship": link.relationship,
             "parentalResponsibility": link.parental_responsibility}
            for link in school.contact_links if link.student_id in current]


def teachers(school: School) -> Rows:
    return [{"staffId": s.id, "title": s.title, "forename": s.first_name, "surname": s.last_name,
             "email": s.email or None, "businessRole": s.role}
            for s in school.staff if s.status == "current"]


def classes(school: School) -> Rows:
    rng = random.Random(f"{school.seed}:integris-classes")
    teaching = [s.id for s in school.staff if s.teaching]
    current = school.current_students()
    by_form: dict[str, list[str]] = {}
    for s in current:
        by_form.setdefault(s.reg_group_id, []).append(s.id)
    by_class: dict[str, list[str]] = {}
    for class_id, student_id in school.memberships:
        by_class.setdefault(class_id, []).append(student_id)
    out: list[dict[str, Any]] = []
    for g in school.reg_groups:
        second = rng.choice(teaching) if rng.random() < 0.3 else None
        out.append({"classId": g.id, "code": g.name, "description": f"Registration group {g.name}",
                    "type": "RegistrationGroup", "staffId1": g.tutor_id,
                    "staffId2": second if second != g.tutor_id else None, "otherStaffIds": [],
                    "studentIds": by_form.get(g.id, [])})
    for c in school.classes:
        kind = _CLASS_KINDS[c.kind]
        others: list[str] = []
        members = by_class.get(c.id, [])
        if kind == "CustomGroup":
            others = [t for t in rng.sample(teaching, min(3, len(teaching)))
                      if t not in (c.main_teacher_id, c.second_teacher_id)][:2]
            members = members or sorted(s.id for s in rng.sample(current, max(2, len(current) // 20)))
        out.append({"classId": c.id, "code": c.code, "description": c.name, "type": kind,
                    "staffId1": c.main_teacher_id, "staffId2": c.second_teacher_id or None,
                    "otherStaffIds": others, "studentIds": members})
    return out


def groups(school: School) -> Rows:
    current = school.current_students()
    out: list[dict[str, Any]] = []
    for y in school.years:
        campus = next(c for c in school.campuses if c.id == y.campus_id)
        out.append({"groupId": y.id, "description": f"{y.name} ({campus.name})", "type": "YearGroup",
                    "studentIds": [s.id for s in current if s.year_id == y.id]})
    for h in school.houses:
        out.append({"groupId": h.id, "description": h.name, "type": "HouseGroup",
                    "studentIds": [s.id for s in current if s.house_id == h.id]})
    rng = random.Random(f"{school.seed}:integris-student-groups")
    for i, name in enumerate(("School Council", "Choir"), start=1):
        members = rng.sample(current, max(2, len(current) // 15))
        out.append({"groupId": f"SG{i}", "description": name, "type": "StudentGroup",
                    "studentIds": sorted(s.id for s in members)})
    return out


RENDERERS: dict[str, Callable[[School], Rows]] = {
    "students": students, "contacts": contacts, "contactLinks": links, "teachers": teachers, "classes": classes,
    "groups": groups}
"""Each Datashare resource (wire.RESOURCES) and how the school is rendered as it."""
