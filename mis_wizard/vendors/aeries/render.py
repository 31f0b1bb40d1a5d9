"""The synthetic school (sandbox/school.py) as Aeries v5 records, for the emulator.

Schools carry their terms; students are numbered per school (code × 100000 + number); contacts
come one row per student and contact, with Aeries' ``CorrespondanceLanguageCode`` misspelling.
"""

from __future__ import annotations

import random
from typing import Any

from mis_wizard.vendors.aeries.wire import aeries_date
from mis_wizard.vendors.sandbox.school import School, Staff, Student

SCHOOL_CODES = {"C1": 994, "C2": 996}
"""Campus → Aeries school code (the district office is school 0)."""
RELATIONSHIP_CODES = {"Mother": "10", "Father": "11", "Guardian": "12", "Grandparent": "13", "Step-parent": "14",
                      "Carer": "15", "Mother and Father": "16"}


def student_id(s: Student) -> str:
    return str(SCHOOL_CODES[s.campus_id] * 100000 + int(s.id[1:]))


def staff_id(t: Staff) -> str:
    """The Aeries staff ID (990000 and up here), which is also the teacher's OneRoster sourcedId
    (inferred: the fact sheet does not say how Aeries' OneRoster names teachers)."""
    return str(990000 + int(t.id[1:]))


def schools(school: School) -> list[dict[str, Any]]:
    terms: list[dict[str, Any]] = [
        {"FirstHalfEndDate": None, "SecondHalfStartDate": None, "TrackTerms": [], "TermCode": str(i + 1),
         "TermDescription": t.name, "StartDate": aeries_date(t.start), "EndDate": aeries_date(t.end)}
        for i, t in enumerate(school.terms)]
    rows = [school_record(0, f"{school.name} District Office", [], True)]
    rows += [school_record(SCHOOL_CODES[c.id], c.name, terms, False) for c in school.campuses]
    return rows


def staff_record(t: Staff) -> dict[str, Any]:
    n = int(staff_id(t))
    school = SCHOOL_CODES[t.campus_id]
    return {"SchoolAccessPermissions": [{"SchoolCode": school, "ReadOnlyAccess": False,
                                         "CommunicationGroup": True}],
            "ExtendedProperties": [], "Gender": "", "ID": n, "FirstName": t.first_name, "LastName": t.last_name,
            "MiddleName": "", "BirthYear": 0, "BirthDate": None, "FullTimePercentage": 100, "HireDate": None,
            "LeaveDate": None, "InactiveStatusCode": "" if t.status == "current" else "I",
            "StateEducatorID": f"7777{n}", "UserName": t.email.split("@")[0], "EmailAddress": t.email,
            "PrimaryAeriesSchool": school, "NetworkLoginID": t.email.split("@")[0],
            "AlternateEmailAddress": "", "HumanResourcesSystemID": t.code, "CellPhone": "",
            "NotificationPreferenceCode": "1", "Title": t.role}


def school_record(code: int, name: str, terms: list[dict[str, Any]], district: bool) -> dict[str, Any]:
    return {"Terms": terms, "SchoolCode": code, "Name": name, "InactiveStatusCode": "", "Address": "",
            "AddressCity": "Riverbend", "AddressState": "CA", "AddressZipCode": "99999", "AddressZipExt": "",
            "DoNotReport": district, "StateCountyID": "65", "StateDistrictID": "99999",
            "StateSchoolID": f"99{code:05d}", "LowGradeLevel": 7, "HighGradeLevel": 12, "PrincipalName": "",
            "PrincipalEmailAddress": "", "AttendancePeriod": 0, "Tracks": 0, "ScheduleType": "MasterSchedule",
            "SessionType": "Regular", "AttendanceType": "Daily", "AttendanceReporting": "Negative",
            "ScheduleBasis": "Semester", "PhoneNumber": ""}


def student_record(s: Student, shift: int) -> dict[str, Any]:
    code = SCHOOL_CODES[s.campus_id]
    return {"StudentID": int(student_id(s)), "OldStudentID": 0, "CorrespondenceLanguageCode": "00",
            "SchoolCode": code, "StudentNumber": int(s.id[1:]), "StateStudentID": f"{int(s.id[1:]):010d}",
            "LastName": s.last_name, "FirstName": s.first_name, "MiddleName": "", "LastNameAlias": "",
            "FirstNameAlias": s.preferred_name if s.preferred_name != s.first_name else "", "MiddleNameAlias": "",
            "Gender": s.gender, "Grade": s.year_level - shift, "Birthdate": aeries_date(s.birth_date),
            "ParentGuardianName": f"M/M {s.last_name}", "HomePhone": "", "StudentMobilePhone": "",
            "SchoolEnterDate": aeries_date(s.entry_date), "SchoolLeaveDate": aeries_date(s.leave_date),
            "DistrictEnterDate": aeries_date(s.entry_date), "InactiveStatusCode": "" if s.status == "current" else "I",
            "FamilyKey": int(s.family_id[1:]), "ParentEmailAddress": "", "StudentEmailAddress": s.email,
            "NetworkLoginID": s.email.split("@")[0]}


MAILING_ONLY_SHARE = 0.1
"""Share of contact rows typed with only a MailingName (first and last names blank), as some
districts' older contacts are (inferred; see FACTS in __init__.py)."""


def contact_records(school: School) -> list[dict[str, Any]]:
    """One row per student and contact, as Aeries keeps them: a parent of siblings is a separate
    row under each child. Some later copies were retyped with different capitals in the e-mail
    address (Aeries lets each child's copy be edited alone), drawn from the school's seed."""
    students = {s.id: s for s in school.students}
    contacts = {c.id: c for c in school.contacts}
    retyped = random.Random(f"{school.seed}:aeries-contact-copies")
    mailing_only = random.Random(f"{school.seed}:aeries-mailing-name-only")
    seen: set[str] = set()
    out = []
    for link in school.contact_links:
        s, c = students[link.student_id], contacts[link.contact_id]
        email = c.email
        if c.id in seen and email and retyped.random() < 0.3:
            email = email[0].upper() + email[1:]
        seen.add(c.id)
        out.append({"StudentID": int(student_id(s)), "SchoolCode": SCHOOL_CODES[s.campus_id],
                    "SequenceNumber": link.priority, "ContactOrder": link.priority, "FirstName": c.first_name,
                    "LastName": c.last_name, "MiddleName": "", "MailingName": f"{c.title} {c.first_name} {c.last_name}"
                    .strip(), "RelationshipToStudentCode": RELATIONSHIP_CODES.get(link.relationship, "15"),
                    "LivesWithStudentIndicator": "Y" if link.lives_with else "N",
                    "PrimaryContact": link.priority == 1, "AccessToPortal": "Y" if c.email else "N",
                    "EducationalRightsHolder": "Y" if link.parental_responsibility else "N", "RedFlag": False,
                    "Address": "", "AddressCity": "", "AddressState": "CA", "AddressZipCode": "", "HomePhone": "",
                    "WorkPhone": "", "WorkPhoneExt": "", "CellPhone": c.mobile, "EmailAddress": email,
                    "Comments": "", "CorrespondanceLanguageCode": "00"})
        if " " not in c.last_name and mailing_only.random() < MAILING_ONLY_SHARE:
            out[-1].update({"FirstName": "", "LastName": ""})
    return out
