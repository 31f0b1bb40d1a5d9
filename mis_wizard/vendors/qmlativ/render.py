"""The synthetic school (sandbox/school.py) as Qmlativ objects (``Module/Object`` → rows), for the emulator.

Students, guardians and staff all have a Demographics/Name (one NameID space); a student's
school and dates sit on Enrollment/EntryWithdrawal; e-mails on Demographics/NameEmail, ranked.
"""

from __future__ import annotations

import random
from typing import Any

from mis_wizard.vendors.sandbox.school import School

ENTITY_IDS = {"C1": 2, "C2": 3}
"""Campus → Qmlativ EntityID; entity 1 is the district."""
GRADES = {lvl: f"{lvl:02d}" for lvl in range(7, 13)}


def name_id(person_id: str) -> int:
    """A stable NameID for any person in the school (students, contacts, staff share Demographics/Name)."""
    prefix = {"S": 1, "T": 2, "F": 3}[person_id[0]]
    digits = "".join(ch for ch in person_id if ch.isdigit())
    return prefix * 10_000_000 + int(digits)


def current_numeric_year(school: School) -> int:
    """Skyward names a school year by the year it ends in."""
    a = school.anchor
    return a.year + 1 if a.month >= 7 else a.year


def render(school: School, has_current_year: bool) -> dict[str, list[dict[str, Any]]]:
    year = current_numeric_year(school)
    years = [{"SchoolYearID": n - 2000, "Description": f"{n - 1}-{n}", "NumericYear": n,
              "IsCurrentYearForProvidedEntity": has_current_year and n == year,
              "IsUpcomingYearForProvidedEntity": n == year + 1, "NextNumericYear": n + 1,
              "PreviousNumericYear": n - 1} for n in range(year - 2, year + 2)]
    year_id = year - 2000
    entities = [{"EntityID": 1, "CampusID": None, "Code": "RBG", "CodeName": "RBG - District",
                 "DistrictCodeEntityCode": "RBG", "DistrictID": 1, "IsCurrentlySelected": True,
                 "IsDistrictWide": True, "IsSystemWide": False, "Name": f"{school.name} District",
                 "SchoolYearIDCurrent": year_id if has_current_year else None}]
    for c in school.campuses:
        entities.append({"EntityID": ENTITY_IDS[c.id], "CampusID": ENTITY_IDS[c.id], "Code": c.code,
                         "CodeName": f"{c.code} - {c.name}", "DistrictCodeEntityCode": f"RBG{c.code}",
                         "DistrictID": 1, "IsCurrentlySelected": False, "IsDistrictWide": False,
                         "IsSystemWide": False, "Name": c.name, "SchoolYearIDCurrent": year_id if has_current_year
                         else None})
    names, emails, students, enrolments, guardians, staff = [], [], [], [], [], []
    for s in school.students:
        nid = name_id(s.id)
        names.append({"NameID": nid, "FirstName": s.first_name, "MiddleName": "", "LastName": s.last_name,
                      "BirthDate": f"{s.birth_date.isoformat()}T00:00:00", "Gender": s.gender,
                      "IsCurrentStudent": s.status == "current"})
        emails.append({"NameEmailID": nid, "NameID": nid, "EmailAddress": s.email, "EmailTypeID": 1, "Rank": 1})
        students.append({"StudentID": int(s.id[1:]), "NameID": nid, "StudentNumber": s.code,
                         "Grade": GRADES[s.year_level], "GradYear": year + 12 - s.year_level,
                         "IsCurrentActive": s.status == "current",
                         "HasStudentEntityYearForCurrentSchoolYear": s.status == "current"})
        enrolments.append({"EntryWithdrawalID": int(s.id[1:]), "StudentID": int(s.id[1:]),
                           "EntityID": ENTITY_IDS[s.campus_id], "SchoolID": ENTITY_IDS[s.campus_id],
                           "SchoolYearID": year_id, "StartDate": f"{s.entry_date.isoformat()}T00:00:00",
                           "EndDate": None, "WithdrawalDate": None if s.leave_date is None
                           else f"{s.leave_date.isoformat()}T00:00:00"})
    work = random.Random(f"{school.seed}:qmlativ-work-emails")
    for contact in school.contacts:
        nid = name_id(contact.id)
        names.append({"NameID": nid, "FirstName": contact.first_name, "MiddleName": "", "LastName": contact.last_name,
                      "BirthDate": None, "Gender": "", "IsCurrentStudent": False})
        home = [{"NameEmailID": nid, "NameID": nid, "EmailAddress": contact.email, "EmailTypeID": 2, "Rank": 1}
                if contact.email else None]
        if contact.email and work.random() < 0.3:  # a work address ranked after the home one, listed first
            home.insert(0, {"NameEmailID": nid + 5_000_000, "NameID": nid, "EmailTypeID": 4, "Rank": 2,
                            "EmailAddress": f"{contact.first_name}.{contact.last_name}@work.example.com".lower()})
        emails += [e for e in home if e]
    for n, link in enumerate(school.contact_links, start=1):
        guardians.append({"StudentGuardianID": n, "StudentID": int(link.student_id[1:]),
                          "NameIDGuardian": name_id(link.contact_id), "RelationshipID": link.relationship,
                          "IsCustodialGuardian": link.parental_responsibility, "IsEmergencyContact": link.priority <= 2,
                          "AllowStudentPickup": link.lives_with, "Rank": link.priority})
    for t in school.staff:
        nid = name_id(t.id)
        names.append({"NameID": nid, "FirstName": t.first_name, "MiddleName": "", "LastName": t.last_name,
                      "BirthDate": None, "Gender": "", "IsCurrentStudent": False})
        emails.append({"NameEmailID": nid, "NameID": nid, "EmailAddress": t.email, "EmailTypeID": 3, "Rank": 1})
        staff.append({"StaffID": int(t.id[1:]), "NameID": nid, "StaffNumber": t.code,
                      "IsActive": t.status == "current", "IsTeacher": t.teaching, "PositionDescription": t.role,
                      "EntityID": ENTITY_IDS[t.campus_id]})
    return {"District/Entity": entities, "District/SchoolYear": years, "Student/Student": students,
            "Demographics/Name": names, "Demographics/NameEmail": emails, "Enrollment/EntryWithdrawal": enrolments,
            "Family/StudentGuardian": guardians, "Staff/Staff": staff}
