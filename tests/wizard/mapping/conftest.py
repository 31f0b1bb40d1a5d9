"""Canonical datasets built straight from the synthetic school, as a connector would deliver them.

Birth dates come as DD/MM/YYYY text and flags as "Y"/"N", the way several systems send them,
so rules and filters are tested against realistic raw values and the school's own quirks.
"""

from __future__ import annotations

import pytest

from mis_wizard.vendors.sandbox.school import School


def school_dataset(school: School) -> dict[str, list[dict]]:
    campus = {c.id: c.name for c in school.campuses}
    years = {y.id: y for y in school.years}
    houses = {h.id: h.name for h in school.houses}
    forms = {g.id: g.name for g in school.reg_groups}
    subjects = {s.id: s for s in school.subjects}
    students = [{
        "student.id": s.id, "student.code": s.code, "student.first_name": s.first_name,
        "student.last_name": s.last_name, "student.preferred_name": s.preferred_name,
        "student.birth_date": s.birth_date.strftime("%d/%m/%Y"), "student.gender": s.gender,
        "student.year_level": s.year_level, "student.year_name": years[s.year_id].name,
        "student.email": s.email, "student.campus": campus[s.campus_id], "student.status": s.status,
        "student.entry_date": s.entry_date.isoformat(), "student.form": forms[s.reg_group_id],
        "student.house": houses[s.house_id], "raw:FamilyId": s.family_id,
    } for s in school.students]
    contacts = [{
        "contact.id": c.id, "contact.title": c.title, "contact.first_name": c.first_name,
        "contact.last_name": c.last_name, "contact.email": c.email, "contact.mobile": c.mobile,
        "contact.combined": c.combined,
    } for c in school.contacts]
    links = [{
        "contact_link.student_id": link.student_id, "contact_link.contact_id": link.contact_id,
        "contact_link.relationship": link.relationship,
        "contact_link.parental_responsibility": "Y" if link.parental_responsibility else "N",
        "contact_link.priority": link.priority, "contact_link.mail_merge": ", ".join(link.mail_merge),
    } for link in school.contact_links]
    staff = [{
        "staff.id": t.id, "staff.code": t.code, "staff.title": t.title, "staff.first_name": t.first_name,
        "staff.last_name": t.last_name, "staff.email": t.email, "staff.teaching": t.teaching,
        "staff.status": t.status, "staff.campus": campus[t.campus_id], "staff.role": t.role,
    } for t in school.staff]
    classes = [{
        "class.id": c.id, "class.code": c.code, "class.name": c.name, "class.kind": c.kind,
        "class.subject": subjects[c.subject_id].name, "class.main_teacher_id": c.main_teacher_id,
        "class.second_teacher_id": c.second_teacher_id or "", "class.year_level": years[c.year_id].level,
        "class.room": c.room,
    } for c in school.classes]
    classes += [{"class.id": g.id, "class.code": g.name, "class.name": f"Registration {g.name}",
                 "class.kind": "registration", "class.main_teacher_id": g.tutor_id} for g in school.reg_groups]
    current = school.current_students()
    memberships = [{"class_membership.class_id": c, "class_membership.student_id": s} for c, s in school.memberships]
    memberships += [{"class_membership.class_id": s.reg_group_id, "class_membership.student_id": s.id}
                    for s in current]
    groups = [{"group.id": h.id, "group.name": h.name, "group.kind": "house"} for h in school.houses]
    groups += [{"group.id": y.id, "group.name": y.name, "group.kind": "year", "group.year_level": y.level}
               for y in school.years]
    groups.append({"group.id": "G-EMPTY", "group.name": "Debating", "group.kind": "student_group"})
    group_memberships = [{"group_membership.group_id": gid, "group_membership.student_id": s.id}
                         for s in current for gid in (s.house_id, s.year_id)]
    return {"students": students, "contacts": contacts, "contact_links": links, "staff": staff,
            "classes": classes, "class_memberships": memberships, "groups": groups,
            "group_memberships": group_memberships}


@pytest.fixture
def dataset(small_school):
    return school_dataset(small_school)


@pytest.fixture
def medium_dataset(medium_school):
    return school_dataset(medium_school)
