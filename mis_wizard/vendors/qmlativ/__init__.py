"""Skyward Qmlativ (US): one Integration Access (key and secret) on the district's API address.

Qmlativ's own documentation sits behind Skyward's portal; what the connector relies on comes
from working clients (see the fact sheet), and the error wording is matched loosely.

Requirements read (``[systems.qmlativ]``; objects and their names in requirements.py):

* ``entity_id`` (int): the EntityID to read, normally 1 for the district.
* ``school_year`` (int, e.g. 2027): the NumericYear to read; 0 for the entity's current year.
* ``objects`` (mapping ``"Module/Object"`` → list of fields): what the integrator reads; the
  check asks for exactly these fields so fields not read-allowed show up before a sync does.
  Guardians' e-mails are read from ``Demographics/NameEmail`` only when it is listed.
* ``integration_name`` (str): the integrator's Integration record, named in the steps.
* ``oneroster_fields`` (bool, default off): ask Qmlativ's OneRoster for only the receipt's fields
  (OneRoster 1.1 ``fields``); off because the fact sheet does not say Qmlativ honours it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mis_wizard.vendors.base import Entity, Field, FieldKind, KeySet, RawField, Requirements, vendor_spec
from mis_wizard.vendors.oneroster import records as rostering
from mis_wizard.vendors.privacy import PrivacyClass
from mis_wizard.vendors.qmlativ.requirements import default_objects

BASE_URL = Field("base_url", "API address", FieldKind.URL, privacy=PrivacyClass.CONFIGURATION, example="https://district.skyward.com/DistrictAPI",
                 help="The address of your district's Qmlativ API, as Skyward gave it (it usually ends in API).")
KEY = Field("key", "Key", FieldKind.TEXT, privacy=PrivacyClass.CONFIGURATION, pattern=r"\S(.*\S)?",
            format_hint="the Key typed on the Integration Access",
            help="Administrative Access > API > Integration > the integrator's Integration > Integration Access: Key.")
SECRET = Field("secret", "Secret", FieldKind.SECRET, pattern=r"\S{8,}",
               format_hint="the secret shown once by Generate Secret",
               help="Administrative Access > API > Integration > Integration Access > Generate Secret; copy it "
                    "when it is shown.")


def _fields(*pairs: tuple[str, str | None]) -> tuple[RawField, ...]:
    return tuple(RawField(name, concept) for name, concept in pairs)


ENTITIES = (
    Entity("schools", "Entities (district and schools)", _fields(
        ("EntityID", "school.id"), ("Name", "school.name"), ("Code", "school.code"), ("IsDistrictWide", None),
        ("SchoolYearIDCurrent", None)), "EntityID", "integration_access"),
    Entity("terms", "School years", _fields(
        ("SchoolYearID", "term.id"), ("Description", "term.name"), ("NumericYear", "term.school_year"),
        ("IsCurrentYearForProvidedEntity", None)), "SchoolYearID", "integration_access"),
    Entity("students", "Students", _fields(
        ("StudentID", "student.id"), ("NameID", None), ("StudentNumber", "student.code"),
        ("FirstName", "student.first_name"), ("LastName", "student.last_name"), ("MiddleName", "student.middle_name"),
        ("BirthDate", "student.birth_date"), ("Gender", "student.gender"),
        ("Grade", "student.year_level"), ("GradYear", None), ("IsCurrentActive", "student.status"),
        ("EntityID", "student.school_id"), ("StartDate", "student.entry_date"),
        ("WithdrawalDate", "student.leave_date")), "StudentID", "integration_access"),
    Entity("contacts", "Guardians (Names that are a student's guardian, with their first e-mail)", _fields(
        ("NameID", "contact.id"), ("FirstName", "contact.first_name"), ("LastName", "contact.last_name"),
        ("MiddleName", None), ("BirthDate", None), ("Gender", None), ("EmailAddress", "contact.email")),
        "NameID", "integration_access"),
    Entity("contact_links", "Student guardians", _fields(
        ("StudentGuardianID", None), ("StudentID", "contact_link.student_id"),
        ("NameIDGuardian", "contact_link.contact_id"), ("RelationshipID", "contact_link.relationship"),
        ("IsCustodialGuardian", "contact_link.parental_responsibility"), ("IsEmergencyContact", None),
        ("AllowStudentPickup", "contact_link.lives_with"), ("Rank", "contact_link.priority")),
        "StudentGuardianID", "integration_access"),
    Entity("staff", "Staff", _fields(
        ("StaffID", "staff.id"), ("NameID", None), ("StaffNumber", "staff.code"), ("IsActive", "staff.status"),
        ("IsTeacher", "staff.teaching"), ("PositionDescription", "staff.role"), ("EntityID", "staff.school_id")),
        "StaffID", "integration_access"),
    rostering.class_entity("integration_access"),
    rostering.class_list_entity("integration_access"),
)

FACTS: tuple[tuple[str, str, str], ...] = (
    ("Student/Student carries StudentID, NameID, StudentNumber, Grade, GradYear, IsCurrentActive and "
     "HasStudentEntityYearForCurrentSchoolYear; no birth date, gender or entry date.", "confirmed",
     "qmlativ.md, Objects (S4, S6, S8, S9)"),
    ("BirthDate and Gender sit on Demographics/Name, joined to a student by NameID.", "confirmed",
     "qmlativ.md, Objects (S4, S6, S8, S9)"),
    ("StartDate, WithdrawalDate and the student's EntityID/SchoolID sit on Enrollment/EntryWithdrawal, "
     "joined by StudentID.", "confirmed", "qmlativ.md, Objects"),
    ("A student with several EntryWithdrawal rows is read from the one with the latest StartDate "
     "(the current enrolment).", "inferred", "no source says which row an integrator should use"),
    ("A vendor reaches a district only through an Integration whose data access Skyward approves; the district adds "
     "an Integration Access (Key, Authentication Type, Is Active, Effective/Expiration Date) to it.", "confirmed",
     "qmlativ.md, District setup (S3); HelloID Skyward Qmlativ README, 'Available Data'"),
    ("The Integration list shows Status (Available or Discontinued), Has Development Permissions (ticked only in a "
     "training environment while the vendor develops) and Can Generate Secret.", "confirmed",
     "qmlativ.md (S3); HelloID Skyward Qmlativ README, 'Explanation of the integration list'"),
)
"""(fact, confirmed/inferred, where from) for what the connector relies on."""


DEFAULT_OBJECTS = default_objects(ENTITIES)
DEFAULT_REQUIREMENTS: dict[str, Any] = {"entity_id": 1, "school_year": 0, "objects": DEFAULT_OBJECTS,
                                        "integration_name": "MIS Wizard"}


def key_sets(requirements: Requirements) -> tuple[KeySet, ...]:
    objects = requirements.get("objects") or DEFAULT_OBJECTS
    return (KeySet("integration_access", "Integration Access", (KEY, SECRET),
                   purpose="Reads students, guardians, staff, school years and classes.",
                   details={"objects": ", ".join(objects)}),)


def step_values(requirements: Requirements) -> Mapping[str, str]:
    objects = requirements.get("objects") or DEFAULT_OBJECTS
    return {"integration_name": str(requirements.get("integration_name") or "MIS Wizard"),
            "entity_id": str(requirements.get("entity_id") or 1),
            "objects": ", ".join(objects),
            "fields": "; ".join(f"{o}: {', '.join(fs)}" for o, fs in objects.items())}


SPEC = vendor_spec("qmlativ", name="Skyward Qmlativ", region="US",
                   connector="QmlativConnector", emulator="QmlativEmulator",
                   summary="Skyward Qmlativ: an Integration Access key and secret on the district's API address.",
                   fields=(BASE_URL,), key_sets=key_sets, entities=ENTITIES, step_values=step_values,
                   default_requirements=DEFAULT_REQUIREMENTS)
