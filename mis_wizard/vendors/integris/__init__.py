"""RM Integris, read through Integris Datashare: the school grants access, the partner reads.

The school's side is public (Modules > System Management > Integris Datashare, the
integrator's tile, Grant Access, per-area optional fields); the partner API is not. So the
address, the school identifier and the partner credentials are all fields, the wire format is
one replaceable module (wire.py), and the permission areas are data a profile can override
(requirements.py).

Requirements read (``[systems.integris]`` in a profile):

* ``integrator`` – the name on the integrator's Datashare tile;
* ``integrator_contact`` – where the school tells the integrator that access is granted;
* ``endpoint`` – the Datashare partner address the integrator uses, shown in the steps;
* ``areas`` – entity ids of the permission areas read (students, contacts, contact_links,
  staff, classes, groups);
* ``optional_fields`` – optional fields needed, as ``"<entity>.<raw field>"``;
* ``optional_field_off`` – ``"failed"`` or ``"warning"`` when one is switched off;
* ``split_combined_contacts`` – split "Mr and Mrs" records into two people (default true);
* ``page_size`` – records per page when the run does not set one.
"""

from __future__ import annotations

from mis_wizard.vendors.base import Entity, Field, FieldKind, KeySet, RawField, Requirements, vendor_spec
from mis_wizard.vendors.integris.requirements import ALL_OPTIONAL_FIELDS, AREAS, KEY, needed_optional, wanted_areas
from mis_wizard.vendors.privacy import PrivacyClass

FIELDS = (
    Field("base_url", "Datashare partner address", FieldKind.URL, privacy=PrivacyClass.CONFIGURATION,
          format_hint="the https:// address your integrator gave you for Integris Datashare",
          example="https://datashare.integrator.example",
          help="Your integrator gives you this address. It is not the address you use to log in to Integris."),
    Field("school_id", "School identifier", FieldKind.CODE, privacy=PrivacyClass.CONFIGURATION,
          pattern=r"[A-Za-z0-9][A-Za-z0-9-]{2,39}",
          format_hint="your school's DfE number: LA code and establishment number, 7 digits",
          example="8881234",
          help="Usually your DfE number (LA code followed by the establishment number), unless your "
               "integrator asked for another identifier."),
)


def key_sets(requirements: Requirements) -> tuple[KeySet, ...]:
    who = str(requirements.get("integrator") or "your integrator")
    return (KeySet(
        KEY, "Datashare partner credentials",
        (Field("client_id", "Partner client ID", FieldKind.CODE, privacy=PrivacyClass.CONFIGURATION,
               pattern=r"[A-Za-z0-9._:-]{3,100}",
               format_hint="letters, digits, dots, dashes or colons", example="integrator-partner",
               help=f"From {who}: their Datashare partner client ID. It is not an Integris username."),
         Field("client_secret", "Partner client secret", FieldKind.SECRET, pattern=r"\S{16,200}",
               format_hint="at least 16 characters with no spaces",
               help=f"From {who}: their Datashare partner secret. Paste it exactly, with no spaces.")),
        purpose=f"Lets {who} read the data your school shares with them through Integris Datashare.",
        help=f"{who} enters these, or gives them to you; your school's part is granting access on their tile.",
        details={"areas": [a.label for a in wanted_areas(requirements)],
                 "optional fields": [f"{a.label}: {label}" for a in wanted_areas(requirements)
                                     for label in needed_optional(requirements, a).values()]}),)


def step_values(requirements: Requirements) -> dict[str, str]:
    values = {
        "integrator": str(requirements.get("integrator") or "your integrator"),
        "integrator_contact": str(requirements.get("integrator_contact") or ""),
        "endpoint": str(requirements.get("endpoint") or ""),
        "areas": "; ".join(a.label for a in wanted_areas(requirements)),
    }
    chosen = {a.entity for a in wanted_areas(requirements)}
    for area in AREAS:
        fields = needed_optional(requirements, area).values() if area.entity in chosen else ()
        values[f"area_{area.entity}"] = area.label
        values[f"fields_{area.entity}"] = ", ".join(fields)
    return values


ENTITIES = (
    Entity("students", "Students", (
        RawField("studentId", "student.id", "Stable across name and class changes"),
        RawField("knownName", "student.first_name", "The known (preferred) name; the forename Datashare sends"),
        RawField("surname", "student.last_name"),
        RawField("yearGroup", "student.year_name", "Current year group, e.g. Year 7"),
        RawField("className", "student.form", "Current registration class"),
        RawField("dateOfBirth", "student.birth_date", "Optional field; absent when switched off"),
    ), "studentId", KEY),
    Entity("contacts", "Contacts", (
        RawField("contactId", "contact.id", "A combined record's people get <contactId>.1 and .2"),
        RawField("title", "contact.title", "May be blank"),
        RawField("forename", "contact.first_name"),
        RawField("surname", "contact.last_name"),
        RawField("email", "contact.email", "Optional field; absent when switched off"),
        RawField("phone", "contact.mobile", "Optional field; absent when switched off"),
        RawField("combinedContactId", "contact.combined", "The combined record a person was split from, or blank"),
    ), "contactId", KEY),
    Entity("contact_links", "Contact links", (
        RawField("studentId", "contact_link.student_id"),
        RawField("contactId", "contact_link.contact_id", "Points at a split person for combined records"),
        RawField("relationship", "contact_link.relationship"),
        RawField("parentalResponsibility", "contact_link.parental_responsibility",
                 "Optional field; Datashare sends no contact priority"),
    ), "contactId", KEY),
    Entity("staff", "Teachers", (
        RawField("staffId", "staff.id"),
        RawField("title", "staff.title"),
        RawField("forename", "staff.first_name"),
        RawField("surname", "staff.last_name"),
        RawField("email", "staff.email", "Optional field; absent when switched off"),
        RawField("businessRole", "staff.role", "Integris business role, e.g. Teacher"),
    ), "staffId", KEY),
    Entity("classes", "Classes", (
        RawField("classId", "class.id"),
        RawField("code", "class.code"),
        RawField("description", "class.name"),
        RawField("type", None, "RegistrationGroup, MixedGroup, TeachingSet or CustomGroup"),
        RawField("kind", "class.kind", "type in the wizard's words (records.KINDS), added by the wizard"),
        RawField("staffId1", "class.main_teacher_id", "StaffID1: the main teacher"),
        RawField("staffId2", "class.second_teacher_id"),
        RawField("otherStaffIds", None, "Staff after StaffID2 (teaching sets and custom groups)"),
        RawField("staffIds", "class.teacher_ids", "Every teacher, StaffID1 first"),
        RawField("supervisorIds", None, "Everyone after StaffID1: supervisors, not main teachers"),
        RawField("studentIds", None, "The class list; see class_memberships"),
    ), "classId", KEY),
    Entity("class_memberships", "Class lists", (
        RawField("classId", "class_membership.class_id"),
        RawField("studentId", "class_membership.student_id"),
    ), "classId", KEY),
    Entity("groups", "Groups", (
        RawField("groupId", "group.id"),
        RawField("description", "group.name"),
        RawField("type", None, "StudentGroup, HouseGroup or YearGroup"),
        RawField("kind", "group.kind", "type in the wizard's words (records.KINDS), added by the wizard"),
        RawField("studentIds", None, "The group list; see group_memberships"),
    ), "groupId", KEY),
    Entity("group_memberships", "Group lists", (
        RawField("groupId", "group_membership.group_id"),
        RawField("studentId", "group_membership.student_id"),
    ), "groupId", KEY),
)

FACTS: tuple[tuple[str, str, str], ...] = (
    ("RM publishes no Datashare wire format: every resource path, field name and error code the client and the "
     "emulator use is our own constructed contract (wire.py).", "inferred",
     "integris.md, Summary and Auth ('Nothing public'); Constructed example [I]"),
    ("Each wire field carries a field that Datashare consumers are documented to receive, as WIRE_FIELDS names "
     "them (students: Known Name, Surname, Current Year Group, Current Class, Date of Birth, Student ID; ...).",
     "confirmed", "integris.md, Data objects (S3 S4); seeds/integris-parents-meetings-data.txt (SchoolCloud, S3)"),
    ("Registration groups have up to two teachers (StaffID1 the main one); teaching sets and custom groups can "
     "have more, none of them main.", "confirmed", "seeds/integris-parents-meetings-data.txt (S3)"),
    ("Datashare gives no contact priority.", "confirmed", "integris.md (S3); the same seed"),
)
"""(fact, confirmed/inferred, where from) for what the connector relies on."""

WIRE_FIELDS: dict[str, dict[str, str]] = {
    "students": {"studentId": "Student ID", "knownName": "Known Name", "surname": "Surname",
                 "yearGroup": "Current Year Group", "className": "Current Class", "dateOfBirth": "Date of Birth"},
    "contacts": {"contactId": "Contact ID", "title": "Title", "forename": "First name", "surname": "Surname",
                 "email": "Email address", "phone": "Phone number"},
    "contactLinks": {"studentId": "Student ID", "contactId": "Contact ID", "relationship": "Relationship",
                     "parentalResponsibility": "parental responsibility"},
    "teachers": {"staffId": "Staff ID", "title": "Title", "forename": "Forename", "surname": "Surname",
                 "email": "Primary email address", "businessRole": "Business Role"},
    "classes": {"classId": "Class ID", "code": "Class Code", "description": "Class Description", "type": "Type",
                "staffId1": "StaffID1", "staffId2": "StaffID2", "otherStaffIds": "more than two teachers",
                "studentIds": "Student ID"},
    "groups": {"groupId": "Group ID", "description": "Group Description", "type": "Group Type",
               "studentIds": "one or more students"},
}
"""Datashare resource → our wire name → the documented field it carries (in integris.md or the
SchoolCloud seed). The wire names are ours (inferred); the fields are documented. The emulator
sends nothing else (tests/vendors/integris/test_fact_sheet_fields.py)."""

SPEC = vendor_spec(
    "integris", name="RM Integris", region="UK", connector="IntegrisConnector", emulator="IntegrisEmulator",
    summary="RM's cloud MIS; your school grants the integrator access in Integris Datashare.",
    fields=FIELDS, key_sets=key_sets, entities=ENTITIES, step_values=step_values,
    default_requirements={
        "integrator": "Demo Integrator",
        "integrator_contact": "onboarding@demo-integrator.example",
        "endpoint": "https://datashare.demo-integrator.example",
        "areas": [a.entity for a in AREAS],
        "optional_fields": list(ALL_OPTIONAL_FIELDS),
        "optional_field_off": "failed",
        "split_combined_contacts": True,
        "page_size": 100,
    },
)
