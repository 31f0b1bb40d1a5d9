"""The synthetic school as a PowerSchool district: each campus a PowerSchool school.

PowerSchool keys people twice (DCID in /ws/v1, the table ID in /ws/schema and the CC table),
and the v1 section and term ``school_id`` is the school *number*, as in the fixtures; the
numbers below keep those apart so a client that confuses them fails here, not at a district.
Ids are arithmetic on the school's own order, so the same school renders the same district.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from mis_wizard.vendors.sandbox.school import DISTRICT_BLOCK, PERIODS, Blocks, Contact, ContactLink, School, Student

DAY_LETTERS = "ABCDEFGHIJ"


def student_dcid(n: int) -> int:
    return 1000 + n


def student_table_id(n: int) -> int:
    return 10000 + n


@dataclass
class District:
    """Every record a PowerSchool server would hold for the school, in wire shape (nested dicts)."""

    schools: list[dict[str, Any]] = field(default_factory=list)
    students: list[dict[str, Any]] = field(default_factory=list)
    staff: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    terms: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    courses: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    sections: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Rows of /ws/schema/table/<name>, values as strings; each row's ``id`` is its record id."""
    guardians: list[dict[str, Any]] = field(default_factory=list)
    """Rows of the Student Guardian Detail PowerQuery."""

    def without_terms(self, school_id: int) -> District:
        """The same district where one school never had Years & Terms set up."""
        return dataclasses.replace(self, terms={**self.terms, school_id: []})


def render(school: School) -> District:
    d = District()
    number_of, dcid_of = _schools(d, school)
    year_term = {number_of[c.id]: d.terms[number_of[c.id]][0] for c in school.campuses}
    staff_ids = _staff(d, school, number_of, dcid_of)
    student_n = _students(d, school, number_of, dcid_of)
    section_ids = _sections(d, school, number_of, staff_ids, year_term)
    _enrolments(d, school, number_of, student_n, section_ids)
    _guardians(d, school, student_n)
    return d


def _schools(d: District, school: School) -> tuple[dict[str, int], dict[str, int]]:
    """Each campus a school with its terms; (campus → school number, campus → school DCID)."""
    year = school.school_year
    number_of: dict[str, int] = {}
    dcid_of: dict[str, int] = {}
    for j, campus in enumerate(school.campuses):
        dcid, number = j + 2, (j + 1) * 100
        number_of[campus.id], dcid_of[campus.id] = number, dcid
        d.schools.append({
            "id": dcid, "name": f"{school.name.split()[0]} {campus.name}",
            "school_number": number, "low_grade": 7, "high_grade": 12, "alternate_school_number": 0,
            "addresses": {"physical": {"street": f"{j + 1} Example Street", "city": "Riverbend",
                                       "state_province": "VT", "postal_code": 5401 + j}},
            "phones": {"main": {"number": f"000-000-000{j}"}},
        })
        d.terms[number] = _terms(school, j, number, year)
    return number_of, dcid_of


def _staff(d: District, school: School, number_of: dict[str, int], dcid_of: dict[str, int]) -> dict[str, int]:
    staff_ids = {s.id: 3000 + i + 1 for i, s in enumerate(school.staff)}
    for i, member in enumerate(school.staff):
        d.staff.setdefault(dcid_of[member.campus_id], []).append({
            "id": staff_ids[member.id], "local_id": 500 + i + 1, "admin_username": member.code.lower(),
            "teacher_username": member.code.lower(),
            "name": {"first_name": member.first_name, "last_name": member.last_name},
            "emails": {"work_email": member.email},
            "school_affiliations": {"school_affiliation": {
                "school_id": number_of[member.campus_id], "type": 1 if member.teaching else 2,
                "status": 1 if member.status == "current" else 2}},
        })
    return staff_ids


def _students(d: District, school: School, number_of: dict[str, int], dcid_of: dict[str, int]
              ) -> Mapping[str, int]:
    year, year_end = school.school_year, school.terms[-1].end
    if isinstance(school.students, Blocks):  # a district: its people are rendered as they are read
        _district_students(d, school, number_of, dcid_of, year, year_end)
        return _Numbers()
    student_n = {s.id: n for n, s in enumerate(school.students, start=1)}
    for s in school.students:
        n = student_n[s.id]
        d.students.append(_student(s, n, number_of[s.campus_id], dcid_of[s.campus_id], year, year_end))
    d.tables["students"] = [{"id": str(student_table_id(n)), "dcid": str(student_dcid(n)),
                             "student_number": s.code} for n, s in enumerate(school.students, start=1)]
    return student_n


def _sections(d: District, school: School, number_of: dict[str, int], staff_ids: dict[str, int],
              year_term: dict[int, dict[str, Any]]) -> dict[str, tuple[int, int]]:
    """Courses and sections; class id → (section DCID, section table id)."""
    years = {y.id: y for y in school.years}
    lessons: dict[str, list[tuple[int, str]]] = {}
    for lesson in school.lessons:
        lessons.setdefault(lesson.class_id, []).append((lesson.day, lesson.period))
    subjects = {x.id: x for x in school.subjects}
    course_ids: dict[tuple[int, str], dict[str, Any]] = {}
    section_ids: dict[str, tuple[int, int]] = {}
    for k, cls in enumerate(school.classes, start=1):
        year_group = years[cls.year_id]
        number = number_of[year_group.campus_id]
        subject = subjects[cls.subject_id]
        if cls.kind == "custom" or "no students" in cls.name:
            course_number, course_name = cls.code, cls.name
        else:
            course_number = f"{subject.code}{year_group.level:02d}"
            course_name = f"{subject.name} {year_group.level}"
        course = course_ids.get((number, course_number))
        if course is None:
            course = {"id": 2000 + len(course_ids) + 1, "course_number": course_number, "course_name": course_name}
            course_ids[(number, course_number)] = course
            d.courses.setdefault(number, []).append(course)
        sections = d.sections.setdefault(number, [])
        slots = sorted(lessons.get(cls.id, []))
        period = next((i + 1 for i, p in enumerate(PERIODS) if slots and p[0] == slots[0][1]), 1)
        days = "".join(DAY_LETTERS[day - 1] for day, _ in slots) or "A"
        sections.append({
            "id": 15000 + k, "school_id": number, "course_id": course["id"], "term_id": year_term[number]["id"],
            "section_number": 1 + sum(1 for x in sections if x["course_id"] == course["id"]),
            "expression": f"{period}({days})", "external_expression": f"{period}({days})",
            "staff_id": staff_ids[cls.main_teacher_id], "gradebooktype": "PTG"})
        section_ids[cls.id] = (15000 + k, 21000 + k)
    d.tables["sections"] = [{"id": str(table_id), "dcid": str(dcid)} for dcid, table_id in section_ids.values()]
    return section_ids


def _enrolments(d: District, school: School, number_of: dict[str, int], student_n: Mapping[str, int],
                section_ids: dict[str, tuple[int, int]]) -> None:
    year, year_start, year_end = school.school_year, school.terms[0].start, school.terms[-1].end
    years = {y.id: y for y in school.years}
    classes = {c.id: c for c in school.classes}

    def cc(m: int, class_id: str, student_id: str) -> dict[str, Any]:
        number = number_of[years[classes[class_id].year_id].campus_id]
        return {"id": str(100000 + m), "studentid": str(student_table_id(student_n[student_id])),
                "sectionid": str(section_ids[class_id][1]), "dateenrolled": year_start.isoformat(),
                "dateleft": (year_end + dt.timedelta(days=1)).isoformat(),
                "termid": str((year - 1990) * 100), "schoolid": str(number)}

    members = school.memberships
    if isinstance(members, Blocks):  # a district: rendered a block at a time, as they are read
        def cc_block(b: int) -> list[dict[str, Any]]:
            first = members._offsets()[b]
            return [cc(first + i, class_id, student_id)
                    for i, (class_id, student_id) in enumerate(members.block(b), start=1)]

        cc_rows = Blocks(members.n_blocks, cc_block, count_with=lambda: cc_rows.known(members.sizes()))
        d.tables["cc"] = cc_rows  # type: ignore[assignment]  # counted when first asked
        return
    d.tables["cc"] = [cc(m, class_id, student_id) for m, (class_id, student_id) in enumerate(members, start=1)]


def _guardian(link: ContactLink, c: Contact, guardian_id: int, student_n: Mapping[str, int]) -> dict[str, Any]:
    return {
        "studentsdcid": str(student_dcid(student_n[link.student_id])),
        "guardianid": str(guardian_id), "title": c.title, "firstname": c.first_name,
        "lastname": c.last_name, "email": c.email, "mobile": c.mobile, "relationship": link.relationship,
        "priority": str(link.priority), "is_custodial": "1" if link.parental_responsibility else "0",
        "lives_with": "1" if link.lives_with else "0"}


def _guardians(d: District, school: School, student_n: Mapping[str, int]) -> None:
    links = school.contact_links
    if isinstance(links, Blocks):  # a district: rendered a block at a time, as they are read
        def guardian_block(b: int) -> list[dict[str, Any]]:
            contacts = {c.id: c for c in school.contacts.block(b)}  # type: ignore[attr-defined]
            return [_guardian(link, contacts[link.contact_id], _guardian_id(link.contact_id), student_n)
                    for link in links.block(b)]

        guardians = Blocks(links.n_blocks, guardian_block, count_with=lambda: guardians.known(links.sizes()))
        d.guardians = guardians  # type: ignore[assignment]  # counted when first asked
        return
    guardian_ids = {c.id: 700 + i for i, c in enumerate(school.contacts, start=1)}
    contacts = {c.id: c for c in school.contacts}
    for link in links:
        c = contacts[link.contact_id]
        d.guardians.append(_guardian(link, c, guardian_ids[c.id], student_n))


def _student(s: Student, n: int, number: int, dcid: int, year: int, year_end: dt.date) -> dict[str, Any]:
    current = s.status == "current"
    return {
        "id": student_dcid(n), "local_id": int(s.code), "student_username": s.email.split("@")[0],
        "name": {"first_name": s.first_name, "last_name": s.last_name},
        "demographics": {"gender": s.gender, "birth_date": s.birth_date.isoformat(),
                         "projected_graduation_year": year + 12 - s.year_level},
        "school_enrollment": {
            "enroll_status": "A" if current else "T",
            "enroll_status_description": "Active" if current else "Transferred Out",
            "enroll_status_code": 0 if current else 2, "grade_level": s.year_level,
            "entry_date": s.entry_date.isoformat(),
            "exit_date": (s.leave_date or year_end + dt.timedelta(days=1)).isoformat(),
            "school_number": number, "school_id": dcid},
        "contact_info": {"email": s.email},
    }


class _Numbers(Mapping[str, int]):
    """A district student's number from its id (S000123 is the 123rd), without a table of them all."""

    def __getitem__(self, key: str) -> int:
        return int(key[1:])

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def _guardian_id(contact_id: str) -> int:
    """A district contact's guardian id from its id ("F012345-C2": family 12345, contact 2)."""
    family, _, k = contact_id.partition("-C")
    return 700 + int(family[1:]) * 10 + int(k)


def _district_students(d: District, school: School, number_of: dict[str, int], dcid_of: dict[str, int],
                       year: int, year_end: dt.date) -> None:
    people = school.students
    assert isinstance(people, Blocks)

    def students(b: int) -> list[dict[str, Any]]:
        return [_student(s, int(s.id[1:]), number_of[s.campus_id], dcid_of[s.campus_id], year, year_end)
                for s in people.block(b)]

    def rows(b: int) -> list[dict[str, Any]]:
        return [{"id": str(student_table_id(int(s.id[1:]))), "dcid": str(student_dcid(int(s.id[1:]))),
                 "student_number": s.code} for s in people.block(b)]

    sizes = [len(people.block(b)) if b == people.n_blocks - 1 else DISTRICT_BLOCK for b in range(people.n_blocks)]
    d.students = Blocks(people.n_blocks, students, sizes)  # type: ignore[assignment]
    d.tables["students"] = Blocks(people.n_blocks, rows, sizes)  # type: ignore[assignment]


def _terms(school: School, j: int, number: int, year: int) -> list[dict[str, Any]]:
    """A year term (portion 1) and the school's terms as quarters (portion 4), sorted as the API sorts.

    The year term spans the calendar year, so the sandbox (anchored on today) has a term covering
    today even in the holidays between its quarters."""
    base = 1980 + j * 10
    terms = [{"id": base, "school_id": number, "start_year": year, "portion": 1,
              "start_date": dt.date(year, 1, 1).isoformat(), "end_date": dt.date(year, 12, 31).isoformat(),
              "abbreviation": f"{year % 100:02d}", "name": f"{year} School Year"}]
    for q, t in enumerate(school.terms, start=1):
        terms.append({"id": base + q, "school_id": number, "start_year": year, "portion": 4,
                      "start_date": t.start.isoformat(), "end_date": t.end.isoformat(), "abbreviation": f"Q{q}",
                      "name": t.name})
    return terms
