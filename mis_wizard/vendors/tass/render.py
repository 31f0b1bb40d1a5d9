"""The synthetic school in TASS's record shapes, field for field as TASS's documentation shows them.

Values TASS has and the school does not (USI, religion, employee numbers, class letters) are
derived deterministically from the school's seed. TASS names a class by subject code, year
group and class letter; letters run on across campuses, as one TASS company holds both.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from mis_wizard.vendors.sandbox.school import School, Staff, Student

TT_ID = 91
TASS_VERSION = "01.057.12.000"


def ddmmyyyy(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def letters(n: int) -> str:
    """A, B, … Z, AA, AB … as TASS class letters."""
    out = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


@dataclass(frozen=True)
class ClassRow:
    class_id: str
    sub_code: str
    sub_short: str
    sub_long: str
    year_grp: int
    letter: str
    sub_type: str
    teachers: tuple[str, ...]
    """Teacher codes, main teacher first."""


class Renderer:
    """Builds each method's records once; the emulator caches the encoded answers."""

    def __init__(self, school: School, company: str) -> None:
        self.school = school
        self.company = company
        self.year = school.school_year
        self.semester = 1 if school.anchor.month < 7 else 2
        self.staff_code = {s.id: s.code for s in school.staff}
        years = {y.id: y for y in school.years}
        campuses = {c.id: c for c in school.campuses}
        self.campus_name = {c.id: c.name for c in school.campuses}
        self.year_level = {y.id: y.level for y in years.values()}
        self.reg_group = {g.id: g.name for g in school.reg_groups}
        self.house = {h.id: h.name for h in school.houses}
        subjects = {s.id: s for s in school.subjects}
        counters: dict[tuple[str, int], int] = {}
        self.classes: dict[str, ClassRow] = {}
        for cls in school.classes:
            subject = subjects[cls.subject_id]
            custom = cls.kind == "custom"
            sub_code = cls.code if custom else subject.code
            level = years[cls.year_id].level
            n = counters.get((sub_code, level), 0)
            counters[(sub_code, level)] = n + 1
            teachers = tuple(self.staff_code[t] for t in (cls.main_teacher_id, cls.second_teacher_id) if t)
            self.classes[cls.id] = ClassRow(
                cls.id, sub_code, cls.code if custom else subject.code, cls.name if custom else subject.name,
                level, letters(n), "CO" if custom else "CORE" if cls.kind == "teaching_set" else "ELE", teachers)
        self.members: dict[str, list[str]] = {}
        for class_id, student_id in school.memberships:
            self.members.setdefault(student_id, []).append(class_id)
        self.campuses = [{"code": c.code, "desc": c.name} for c in campuses.values()]
        self.employee_no = {s.id: 1000001 + i for i, s in enumerate(school.staff)}
        self.tutor_of: dict[str, str] = {}
        for g in school.reg_groups:
            self.tutor_of.setdefault(g.tutor_id, g.name)

    # -- people ---------------------------------------------------------------------------------

    def students(self, status: str) -> list[Student]:
        if status == "current":
            return self.school.current_students()
        if status in ("past", "noncurrent"):
            return [s for s in self.school.students if s.status != "current"]
        return []

    def student(self, s: Student, details: bool = False) -> dict[str, Any]:
        rng = random.Random(f"{self.school.seed}:tass-student:{s.id}")
        general: dict[str, Any] = {
            "surname": s.last_name, "next_year_indicator": "Advancing" if s.status == "current" else "Leaving",
            "date_of_leaving": ddmmyyyy(s.leave_date), "student_code": s.code,
            "usi": f"{rng.randrange(36**8):08X}"[:8], "portal_user_code": "", "preferred_surname": s.last_name,
            "first_name": s.first_name, "mobile_phone": "", "entry_year_group": max(7, s.year_level - (
                self.year - s.entry_date.year)),
            "religion": rng.choice(("Anglican", "Catholic", "No Religion", "Uniting", "Buddhist")),
            "preferred_name": s.preferred_name, "other_name": "", "gender": s.gender,
            "date_of_entry": ddmmyyyy(s.entry_date), "date_of_birth": ddmmyyyy(s.birth_date), "alternate_id": "",
            "given_names": s.first_name,
        }
        if details:  # Student Details' documented answer has no portal_user_code (getStudentsDetails.md)
            del general["portal_user_code"]
            general.update({"lui_number": 6600000 + int(s.id[1:]), "par_code": s.family_id[1:].zfill(6),
                            "sms_flg": "Y", "multipar_flg ": "Y" if rng.random() < 0.2 else "N",
                            "last_update_on": ddmmyyyy(self.school.anchor) + " 09:00:00 AM",
                            "last_update_by": "registrar"})
        group = self.reg_group.get(s.reg_group_id, "")
        return {
            "general_details": general,
            "school_details": {
                "campus": self.campus_name[s.campus_id], "email_address": s.email, "pc_tutor_group": group,
                "boarder": "No", "student_cafe_access": "Yes", "house": self.house.get(s.house_id, ""),
                "year_group": s.year_level, "form_class": group[-1:], "residency_status": "Australian Citizen"},
            "other_school_details": {},
        }

    def teachers(self, status: str) -> list[Staff]:
        wanted = "current" if status == "current" else "noncurrent"
        return [s for s in self.school.staff if s.teaching and s.status == wanted]

    def teacher(self, s: Staff, photo: bool) -> dict[str, Any]:
        row: dict[str, Any] = {
            "surname": s.last_name, "active_flag": "Y" if s.status == "current" else "N",
            "teacher_name": f"{s.title} {s.first_name[:1]} {s.last_name}".strip(),
            "pc_tutor_group": self.tutor_of.get(s.id, ""), "department": "ACA", "portal_user_code": "",
        }
        if photo:
            row["teacher_photo"] = {"file_info": {"image": "", "file_name": f"{self.employee_no[s.id]}.jpg",
                                                  "mime_type": "image/jpeg"}}
        row.update({
            "employee_code": self.employee_no[s.id], "teacher_code": s.code, "first_name": s.first_name,
            "email_address": "", "salutation": s.title, "preferred_name": s.first_name, "other_name": "",
            "school_email_address": s.email, "given_names": s.first_name, "employee_surname": s.last_name,
        })
        return row

    def employee(self, s: Staff) -> dict[str, Any]:
        return {
            "address": {"employee_name": f"{s.title} {s.first_name[:1]} {s.last_name}", "email": "",
                        "mobile_phone": "", "sms": "N"},
            "general": {"surname": s.last_name, "employment_status": "F", "position_title": s.role,
                        "start_date": "28/01/2015", "employee_code": self.employee_no[s.id], "school_email": s.email,
                        "teacher_code": s.code if s.teaching else "", "position_text": s.role,
                        "termination_date": "" if s.status == "current" else "20/12/2025",
                        "preferred_name": s.first_name, "title": s.title, "given_names": s.first_name},
            "next_of_kin": {},
        }

    # -- classes and timetable ------------------------------------------------------------------

    def subject_row(self, row: ClassRow) -> dict[str, Any]:
        return {"semester": self.semester, "year_grp_desc": row.year_grp, "sub_code": row.sub_code,
                "sub_short": row.sub_short, "year_grp": row.year_grp, "year_num": self.year,
                "sub_long": row.sub_long, "class": row.letter, "sub_type": row.sub_type}

    def teacher_subjects(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for row in self.classes.values():
            for code in row.teachers:
                out.setdefault(code, []).append({**self.subject_row(row), "teacher_code": code})
        return out

    def student_subjects(self, s: Student) -> list[dict[str, Any]]:
        out = []
        for class_id in self.members.get(s.id, []):
            row = self.classes[class_id]
            out.append({"sub_code": row.sub_code, "from_date": "", "sub_short": row.sub_short, "to_date": "",
                        "student_code": s.code, "sub_long": row.sub_long, "class": row.letter,
                        "sub_type": row.sub_type, "semester": self.semester, "year_grp_desc": row.year_grp,
                        "year_grp": row.year_grp, "year_num": self.year})
        return out

    def timetable(self, period: int) -> list[dict[str, Any]]:
        out = []
        for n, lesson in enumerate(self.school.lessons, start=1):
            prd = int(lesson.period.lstrip("P"))
            if prd != period:
                continue
            row = self.classes[lesson.class_id]
            tch = self.staff_code[lesson.staff_id]
            out.append({
                "sub_code": row.sub_code, "room_code": lesson.room, "tch_code": tch, "prd_code": prd,
                "table_id": "ttmast", "class": row.letter, "day_code": lesson.day, "semester": self.semester,
                "year_grp_desc": row.year_grp, "year_grp": row.year_grp, "year_num": self.year,
                "record_id": 270000 + n,
                "id": f"{n}_{TT_ID}_{self.year}_{self.semester}_{lesson.day}_{prd}_{row.sub_code}_{row.year_grp}_"
                      f"{row.letter}_{tch}_{lesson.room}",
                "tt_id": TT_ID})
        return out

    def calendar(self) -> list[dict[str, Any]]:
        return [{
            "CAT_NUM": "", "CMPY_CODE": int(self.company), "TTDATE": f"{d.date.isoformat()} 00:00:00.0",
            "RECORD_ID": 136000 + i, "LABEL": f"{d.date:%a} {ddmmyyyy(d.date)}", "ID": f"{TT_ID}-{d.date.isoformat()}",
            "TABLE_ID": "ttcalendar", "VALUE": d.date.isoformat(), "TT_ID": TT_ID,
            "DAY_CODE": d.cycle_day if d.cycle_day else "",
        } for i, d in enumerate(self.school.calendar, start=1)]

    def class_lessons(self, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
        out = []
        for day in self.school.calendar:
            if not (start <= day.date <= end and day.cycle_day):
                continue
            for lesson in self.school.lessons:
                if lesson.day == day.cycle_day:
                    row = self.classes[lesson.class_id]
                    out.append({"SUB_CODE": row.sub_code, "YEAR_GRP": row.year_grp,
                                "TTDATE": f"{day.date.isoformat()} 00:00:00.0", "PRD_CODE": int(lesson.period[1:]),
                                "CLASS": row.letter, "TT_ID": TT_ID, "DAY_CODE": day.cycle_day})
        return out

    def absences(self, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
        codes = {s.id: s for s in self.school.students}
        out = []
        day = start
        while day <= end and (end - start).days <= 62:
            cycle = self.school.cycle_day(day)
            for mark in self.school.attendance(day):
                if mark.mark in ("N", "M"):
                    s = codes[mark.student_id]
                    out.append({"SUB_CODE": "HOME9997", "YEAR_GRP": s.year_level, "ACCEPT_IND": "Y" if mark.mark == "M"
                                else "N", "STUD_CODE": s.code, "PRD_CODE": 1 if mark.session == "AM" else 5,
                                "CLASS": self.reg_group.get(s.reg_group_id, "")[-1:], "WEEK": int(day.strftime("%W")),
                                "TT_ID": TT_ID, "ABSENT_DATE": f"{day.isoformat()} 00:00:00.0", "DAY_CODE": cycle})
            day += dt.timedelta(days=1)
        return out

    def accounts(self) -> list[dict[str, Any]]:
        names = ("Tuition Fees", "Bus Fees", "Salaries", "Utilities", "Library", "Excursions")
        return [{"ACCOUNT_CODE": f"{4000 + 10 * i}", "DESCRIPTION": name, "BALANCE": 1000 * (i + 1)}
                for i, name in enumerate(names)]
