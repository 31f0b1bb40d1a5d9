"""The synthetic school (sandbox/school.py) in iSAMS's shapes, for the emulator (sandbox.py).

Values iSAMS has and the synthetic school does not are derived from it deterministically
(``random.Random(f"{seed}:isams-…")``): SchoolIds, person GUIDs, form names, parental
responsibility "Default". Each Batch item carries only the names isams.md lists
(tests/vendors/isams/test_fact_sheet_fields.py holds it to that); datasets no public sample shows
(Medical) render empty. The REST registers' and students' rows are rendered here too.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable
from typing import Any
from xml.etree.ElementTree import Element, SubElement

from mis_wizard.vendors.isams.wire import Method
from mis_wizard.vendors.sandbox.school import School, Student


def guid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def date(value: dt.date) -> str:
    return f"{value.isoformat()}T00:00:00"


def leaf(parent: Element, tag: str, value: object = None, **attrs: str) -> Element:
    el = SubElement(parent, tag, attrs)
    if value is not None and value != "":
        el.text = str(value)
    return el



class Renderer:
    """The school's records as iSAMS sends them, with the ids iSAMS gives them."""

    def __init__(self, school: School) -> None:
        self.school = school
        rng = random.Random(f"{school.seed}:isams-ids")
        self.pupil_id = {s.id: int(s.id[1:]) for s in school.students}
        self.school_id = {s.id: str(4_700_000_000 + int(s.id[1:]) * 37) for s in school.students}
        self.staff_id = {s.id: int(s.id[1:]) for s in school.staff}
        self.staff_code = {s.id: s.code for s in school.staff}
        self.year_id = {y.id: y.level + (0 if y.campus_id == school.campuses[0].id else 20) for y in school.years}
        campus_code = {c.id: c.code for c in school.campuses}
        year_campus = {y.id: y.campus_id for y in school.years}
        self.form_name = {g.id: f"{g.name}-{campus_code[year_campus[g.year_id]]}" for g in school.reg_groups}
        self.house_id = {h.id: i + 1 for i, h in enumerate(school.houses)}
        self.contact_id = {c.id: i + 1 for i, c in enumerate(school.contacts)}
        self.guid = {x: guid(rng) for x in [s.id for s in school.students] + [s.id for s in school.staff]}
        self.pr_default = {(link.student_id, link.contact_id) for link in school.contact_links
                           if link.parental_responsibility and rng.random() < 0.2}

    def dataset(self, method: Method, contact_types: str) -> Element:
        """One method's collection; datasets the synthetic school has no data for render empty."""
        collection = Element(method.collection)
        render: Callable[[Element, str], None] | None = getattr(self, f"_render_{method.collection.lower()}", None)
        if render is not None:
            render(collection, contact_types)
        return collection

    # --- Batch datasets -----------------------------------------------------------------------------

    def _render_currentpupils(self, parent: Element, _filter: str) -> None:
        school = self.school
        campus = {c.id: (i + 1, c.name) for i, c in enumerate(school.campuses)}
        houses = {h.id: h.name for h in school.houses}
        tutor = {g.id: self.staff_code[g.tutor_id] for g in school.reg_groups}
        for s in school.current_students():
            division_id, division = campus[s.campus_id]
            el = SubElement(parent, "Pupil", {
                "Id": str(self.pupil_id[s.id]), "PersonId": str(10_000 + self.pupil_id[s.id]),
                "PersonGuid": self.guid[s.id], "DivisionId": str(division_id),
                "AcademicHouseId": str(self.house_id[s.house_id])})
            leaf(el, "SchoolCode", s.code)
            leaf(el, "SchoolId", self.school_id[s.id])
            leaf(el, "UserCode", f"{s.last_name[:3].upper()}{s.code}")
            leaf(el, "UserName", s.email.split("@")[0])
            leaf(el, "Title", {"M": "Mr", "F": "Miss"}.get(s.gender))
            leaf(el, "Forename", s.first_name)
            leaf(el, "Surname", s.last_name)
            leaf(el, "Middlename")
            leaf(el, "Initials", f"{s.first_name[0]}{s.last_name[0]}")
            leaf(el, "Preferredname", s.preferred_name)
            leaf(el, "Fullname", f"{s.first_name} {s.last_name}")
            leaf(el, "Gender", s.gender)
            leaf(el, "DOB", date(s.birth_date))
            leaf(el, "AcademicHouse", houses[s.house_id])
            leaf(el, "Form", self.form_name[s.reg_group_id])
            leaf(el, "NCYear", self.year_id[s.year_id])
            leaf(el, "DivisionName", division)
            leaf(el, "EmailAddress", s.email)
            leaf(el, "PupilType", "Day")
            leaf(el, "EnrolmentDate", date(s.entry_date))
            leaf(el, "EnrolmentSchoolYear", s.entry_date.year)
            leaf(el, "FamilyId", int(s.family_id[1:]))
            leaf(el, "Tutor", tutor[s.reg_group_id])

    def _render_contacts(self, parent: Element, contact_types: str) -> None:
        wanted = {t.strip().lower() for t in contact_types.split(",") if t.strip()}
        students: dict[str, Student] = {s.id: s for s in self.school.students}
        links: dict[str, list[Any]] = {}
        for link in self.school.contact_links:
            kinds = {part.strip().lower() for part in link.relationship.split(" and ")}
            if not wanted or kinds & wanted:
                links.setdefault(link.contact_id, []).append(link)
        for c in self.school.contacts:
            if c.id not in links:
                continue
            # Only what isams.md lists for a Contact: no Title, RelationType, Priority or mail-merge
            # flags (the sheet says no source shows them); parental responsibility's values are
            # documented, its element name is inferred (see FACTS).
            el = SubElement(parent, "Contact", {"Id": str(self.contact_id[c.id])})
            leaf(el, "Forename", c.first_name)
            leaf(el, "Surname", c.last_name)
            leaf(el, "EmailAddress", c.email)
            leaf(el, "Mobile", c.mobile)
            pupils = SubElement(el, "Pupils")
            for link in links[c.id]:
                s = students[link.student_id]
                p = SubElement(pupils, "Pupil", {"Id": str(self.pupil_id[s.id])})
                leaf(p, "SchoolId", self.school_id[s.id], Legacy="True")
                leaf(p, "Status", "Current" if s.status == "current" else "Left")
                responsibility = "Default" if (s.id, c.id) in self.pr_default else \
                    "Yes" if link.parental_responsibility else "No"
                leaf(p, "ParentalResponsibility", responsibility)

    def _render_currentstaff(self, parent: Element, _filter: str) -> None:
        for s in self.school.staff:
            if s.status != "current":
                continue
            el = SubElement(parent, "StaffMember", {"Id": str(self.staff_id[s.id]),
                                                    "PersonId": str(30_000 + self.staff_id[s.id]),
                                                    "PersonGuid": self.guid[s.id].upper()})
            leaf(el, "Initials", f"{s.first_name[0]}{s.last_name[0]}")
            leaf(el, "UserCode", s.code)
            leaf(el, "UserName", s.email.split("@")[0].upper())
            leaf(el, "Title", s.title)
            leaf(el, "Forename", s.first_name)
            leaf(el, "MiddleNames")
            leaf(el, "Surname", s.last_name)
            leaf(el, "FullName", f"{s.first_name} {s.last_name}")
            leaf(el, "PreferredName", s.first_name)
            leaf(el, "Salutation", f"{s.title} {s.last_name}".strip())
            leaf(el, "SchoolEmailAddress", s.email)
            leaf(el, "TeachingStaff", 1 if s.teaching else 0)

    def _render_forms(self, parent: Element, _filter: str) -> None:
        for g in self.school.reg_groups:
            name = self.form_name[g.id]
            el = SubElement(parent, "Form", {"Id": name, "TutorId": str(self.staff_id[g.tutor_id]),
                                             "YearId": str(self.year_id[g.year_id])})
            leaf(el, "Tutor", self.staff_code[g.tutor_id], Legacy="True")
            leaf(el, "NationalCurriculumYear", self.year_id[g.year_id], Legacy="True")
            leaf(el, "Form", name)
            leaf(el, "EmailAddress")

    def _render_years(self, parent: Element, _filter: str) -> None:
        for y in self.school.years:
            yid = self.year_id[y.id]
            el = SubElement(parent, "Year", {"Id": str(yid)})
            leaf(el, "Name", y.name)
            leaf(el, "Code", f"Y{y.level}")

    def _render_academichouses(self, parent: Element, _filter: str) -> None:
        teachers = [s for s in self.school.staff if s.teaching]
        for i, h in enumerate(self.school.houses):
            master = teachers[(i * 5) % len(teachers)]
            el = SubElement(parent, "House", {"Id": str(self.house_id[h.id]),
                                              "HouseMasterId": str(self.staff_id[master.id])})
            leaf(el, "Name", h.name)
            leaf(el, "Code", h.name[:3].upper())
            leaf(el, "Type", "Academic")
            leaf(el, "Sex", "U")

    def _render_sets(self, parent: Element, _filter: str) -> None:
        for number, c in enumerate(self.school.classes, start=1):
            year = str(self.year_id[c.year_id])
            subject = c.subject_id[3:]
            el = SubElement(parent, "Set", {"Id": c.id[2:].lstrip("0"), "SubjectId": subject, "YearId": year,
                                            "AuthorId": "1"})
            leaf(el, "SubjectId", subject, Legacy="True")
            leaf(el, "YearId", year, Legacy="True")
            leaf(el, "Teacher", self.staff_code[c.main_teacher_id], Legacy="True")
            leaf(el, "SetNumber", number)
            leaf(el, "Block")
            leaf(el, "SetCode", c.code)
            leaf(el, "Name", c.name)
            teachers = SubElement(el, "Teachers")
            for i, (staff, primary) in enumerate(((c.main_teacher_id, "True"), (c.second_teacher_id, "False")), 1):
                if staff:
                    SubElement(teachers, "Teacher", {"Id": str(i), "StaffId": str(self.staff_id[staff]),
                                                     "PrimaryTeacher": primary})

    def _render_setlists(self, parent: Element, _filter: str) -> None:
        for number, (class_id, student_id) in enumerate(self.school.memberships, start=1):
            set_id = class_id[2:].lstrip("0")
            el = SubElement(parent, "SetList", {"Id": str(number), "SetId": set_id,
                                                "PupilId": str(self.pupil_id[student_id])})
            leaf(el, "SetId", set_id, Legacy="True")
            leaf(el, "SchoolId", self.school_id[student_id], Legacy="True")

    # --- REST ----------------------------------------------------------------------------------------

    # --- REST ----------------------------------------------------------------------------------------

    def rest_students(self) -> list[dict[str, Any]]:
        return [{"schoolId": self.school_id[s.id], "forename": s.first_name, "surname": s.last_name,
                 "preferredName": s.preferred_name, "dob": date(s.birth_date),
                 "yearGroup": self.year_id[s.year_id], "formGroup": self.form_name[s.reg_group_id],
                 "schoolEmailAddress": s.email} for s in self.school.current_students()]

    def register_rows(self, register_id: str, session: str) -> list[dict[str, Any]]:
        day = self.register_day()
        return [{"schoolId": self.school_id[m.student_id], "registrationPeriodId": int(register_id),
                 "registrationDate": date(day), "registered": True, "code": m.mark}
                for m in self.school.attendance(day) if m.session == session]

    def register_day(self) -> dt.date:
        """The latest school day on or before the anchor: the register the REST API serves."""
        days = [d.date for d in self.school.calendar if d.cycle_day and d.date <= self.school.anchor]
        return days[-1] if days else self.school.anchor
