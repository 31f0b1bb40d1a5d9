"""Aeries (US): the REST API v5 with an AERIES-CERT certificate, and Aeries' OneRoster 1.1 API.

The admin creates two products on Security > API Security: a standard API product (the
certificate) and a OneRoster product (Consumer ID and Secret). They are checked separately
because each has its own permissions.

Requirements read (``[systems.aeries]``, defaults in requirements.py):

* ``write`` (bool): the integrator writes Student Data and Contacts, so the steps ask for
  Read, Update and Insert on those areas.
* ``areas`` (list): security areas the standard API product must read, of
  ``Student Data``, ``Contacts``, ``Staff Data``.
* ``database_year`` (str, e.g. ``"2026"``): the school year to read; empty for the district's
  default.
* ``oneroster_endpoints`` (list): OneRoster endpoints the integrator reads.
* ``oneroster_fields`` (bool, default off): ask Aeries' OneRoster for only the receipt's fields
  (OneRoster 1.1 ``fields``); off because the fact sheet does not say Aeries honours it.
"""

from __future__ import annotations

from collections.abc import Mapping

from mis_wizard.vendors.aeries.records import TERM_SCHOOL
from mis_wizard.vendors.aeries.requirements import AREAS, DEFAULT_REQUIREMENTS
from mis_wizard.vendors.base import Entity, Field, FieldKind, KeySet, RawField, Requirements, vendor_spec
from mis_wizard.vendors.oneroster import records as rostering
from mis_wizard.vendors.oneroster.records import DEFAULT_ENDPOINTS
from mis_wizard.vendors.privacy import PrivacyClass

FACTS: tuple[tuple[str, str, str], ...] = (
    ("A contact row names the person in FirstName, LastName, MiddleName and MailingName.", "confirmed",
     "aeries.md, Contact fields (S7, S11)"),
    ("A contact may carry only a MailingName; it is split as \"Last, First\" when it holds a comma, else "
     "\"[Title] First ... Last [Suffix]\".", "inferred", "no source documents MailingName's layout"),
    ("Any status of 400 and up carries a human-readable body such as {\"Message\": \"Invalid Staff ID\"}; "
     "400 is a business-rule or key violation, so its Message says what was wrong.", "confirmed",
     "aeries.md, Errors (S3, S16, S17)"),
    ("GET /api/v5/codes/{Table}/{Field} decodes codes such as RelationshipToStudentCode.", "confirmed",
     "aeries.md, Endpoints (S4)"),
    ("A contact's relationship codes are the code set CON/RL, each row carrying Code and Description.",
     "inferred", "aeries.md lists the endpoint, not the table, field or row names"),
    ("Every endpoint takes ?DatabaseYear=YYYY, the year the school year starts in (2026 = 2026-27); a value that "
     "is missing, invalid or unknown silently falls back to the district's default year.", "confirmed",
     "aeries.md, Auth and request format (S3)"),
    ("/api/v5/systeminfo gives DatabaseYear (the default, e.g. \"2024-2025\"), AvailableDatabaseYears and "
     "CurrentDateTime without a certificate.", "confirmed", "aeries.md, What an emulator must do (S7)"),
    ("A school year starts in July; New Year Rollover happens from June to September, so a default year that "
     "differs from today's school year in those months may be a rollover not yet done.", "inferred",
     "no source gives Aeries' rollover dates"),
    ("HTTP 501 Not Implemented means an endpoint gated by the \"v5 Enhancements\" feature flag while the "
     "flag is off.", "confirmed", "aeries.md, Errors (S18)"),
    ("The district turns that flag on under Admin > Feature Flags.", "inferred",
     "issue 18 (from Aeries' support article); aeries.md names the flag, not the screen"),
)
"""(fact, confirmed/inferred, where from) for what the connector relies on."""

SERVER_URL = Field("server_url", "Aeries address", FieldKind.URL, privacy=PrivacyClass.CONFIGURATION, example="https://aeries.district.example.org/aeries",
                   help="Open your Aeries login page and copy its address up to the last /, for example "
                        "https://aeries.district.example.org/aeries.")
CERTIFICATE = Field("certificate", "Certificate (AERIES-CERT)", FieldKind.SECRET, pattern=r"[0-9A-Fa-f]{32}",
                    format_hint="32 letters and digits, exactly as Aeries shows them (capitals matter)",
                    help="Security > API Security > your product > Display Certificate Details; copy the "
                         "certificate exactly, capitals included.")
ONEROSTER_URL = Field("oneroster_url", "OneRoster URL", FieldKind.URL, privacy=PrivacyClass.CONFIGURATION,
                      example="https://aeries.district.example.org/aeries",
                      help="Security > API Security > your OneRoster product > Display Consumer ID & Secret Keys "
                           "shows the OneRoster URL.")
CONSUMER_ID = Field("consumer_id", "OneRoster Consumer ID", FieldKind.TEXT, privacy=PrivacyClass.CONFIGURATION,
                    pattern=r"\S{4,}",
                    format_hint="the Consumer ID shown under Display Consumer ID & Secret Keys",
                    help="Security > API Security > your OneRoster product > Display Consumer ID & Secret Keys.")
CONSUMER_SECRET = Field("consumer_secret", "OneRoster Consumer Secret", FieldKind.SECRET, pattern=r"\S{8,}",
                        format_hint="the Consumer Secret shown under Display Consumer ID & Secret Keys",
                        help="Security > API Security > your OneRoster product > Display Consumer ID & Secret Keys.")


def key_sets(requirements: Requirements) -> tuple[KeySet, ...]:
    areas = ", ".join(requirements.get("areas") or AREAS)
    return (
        KeySet("standard_api", "Standard API product", (CERTIFICATE,),
               purpose="Reads (and writes, if the integrator updates records) students and contacts.",
               details={"areas": areas, "write": bool(requirements.get("write"))}),
        KeySet("oneroster", "OneRoster product", (ONEROSTER_URL, CONSUMER_ID, CONSUMER_SECRET),
               purpose="Reads classes and enrolments, and confirms that a student has a record in Aeries.",
               details={"endpoints": ", ".join(requirements.get("oneroster_endpoints") or DEFAULT_ENDPOINTS)}),
    )


def step_values(requirements: Requirements) -> Mapping[str, str]:
    write = bool(requirements.get("write"))
    areas = [a for a in requirements.get("areas") or AREAS if a not in ("Student Data", "Contacts")]
    return {"product_name": str(requirements.get("product_name", "MIS Wizard")),
            "write": "yes" if write else "",
            "read_only": "" if write else "yes",
            "other_areas": ", ".join(areas)}


def _fields(*pairs: tuple[str, str | None]) -> tuple[RawField, ...]:
    return tuple(RawField(name, concept) for name, concept in pairs)


ENTITIES = (
    Entity("schools", "Schools", _fields(("SchoolCode", "school.id"), ("Name", "school.name"),
                                         ("StateSchoolID", "school.code"), ("InactiveStatusCode", None),
                                         ("LowGradeLevel", None), ("HighGradeLevel", None), ("DoNotReport", None)),
           "SchoolCode", "standard_api"),
    Entity("terms", "Terms (per school)", _fields(("TermCode", "term.id"), ("TermDescription", "term.name"),
                                                   ("StartDate", "term.start_date"), ("EndDate", "term.end_date"))
           + (RawField(TERM_SCHOOL, "term.school_id", "the school in the address (added by the client)"),),
           "TermCode", "standard_api"),
    Entity("students", "Students", _fields(
        ("StudentID", "student.id"), ("StudentNumber", "student.code"), ("SchoolCode", "student.school_id"),
        ("FirstName", "student.first_name"), ("LastName", "student.last_name"), ("MiddleName", "student.middle_name"),
        ("FirstNameAlias", "student.preferred_name"), ("Gender", "student.gender"), ("Grade", "student.year_level"),
        ("Birthdate", "student.birth_date"), ("StudentEmailAddress", "student.email"),
        ("SchoolEnterDate", "student.entry_date"), ("SchoolLeaveDate", "student.leave_date"),
        ("InactiveStatusCode", "student.status"), ("StateStudentID", None), ("FamilyKey", None)),
        "StudentID", "standard_api"),
    Entity("contacts", "Contacts (one per person; see records.py for how rows are matched)", _fields(
        ("ContactKey", "contact.id"), ("FirstName", "contact.first_name"), ("LastName", "contact.last_name"),
        ("MiddleName", None), ("MailingName", "contact.full_name"), ("EmailAddress", "contact.email"),
        ("CellPhone", "contact.mobile"), ("HomePhone", "contact.phone"), ("WorkPhone", None),
        ("CorrespondanceLanguageCode", None)),
        "ContactKey", "standard_api"),
    Entity("contact_links", "Contacts of each student (one row per student and contact)", _fields(
        ("StudentID", "contact_link.student_id"), ("ContactKey", "contact_link.contact_id"),
        ("SequenceNumber", "contact_link.priority"), ("RelationshipToStudentCode", None),
        ("RelationshipToStudent", "contact_link.relationship"),
        ("LivesWithStudentIndicator", "contact_link.lives_with"),
        ("EducationalRightsHolder", "contact_link.parental_responsibility"), ("PrimaryContact", None),
        ("AccessToPortal", None), ("SchoolCode", None)),
        "SequenceNumber", "standard_api"),
    Entity("staff", "Staff", _fields(
        ("ID", "staff.id"), ("FirstName", "staff.first_name"), ("LastName", "staff.last_name"),
        ("EmailAddress", "staff.email"), ("PrimaryAeriesSchool", "staff.school_id"),
        ("InactiveStatusCode", "staff.status"), ("Title", "staff.role"), ("HumanResourcesSystemID", "staff.code")),
        "ID", "standard_api"),
    rostering.class_entity("oneroster"),
    rostering.class_list_entity("oneroster"),
)

SPEC = vendor_spec("aeries", name="Aeries", region="US", connector="AeriesConnector", emulator="AeriesEmulator",
                   summary="Aeries SIS: a Standard API certificate and a OneRoster Consumer ID and Secret from API "
                           "Security.",
                   fields=(SERVER_URL,), key_sets=key_sets, entities=ENTITIES, step_values=step_values,
                   default_requirements=DEFAULT_REQUIREMENTS)
