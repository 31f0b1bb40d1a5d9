"""What the integrator receives from iSAMS: the entities, their raw fields, and how each is
read out of a Batch document (or, for registration, a REST register page).

Raw field names are the document's own (``@Id`` for an attribute, ``SchoolId`` for an element),
so support staff can find a value in the API reply by the name the preview shows. A few fields
are derived where iSAMS nests them (a set's primary teacher, a contact's pupil links, a group's
type) and are named for what they hold; ``kind`` is a group's or set's type in the wizard's words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from mis_wizard.vendors.base import Entity, RawField
from mis_wizard.vendors.isams.wire import METHODS, Tree, as_list, children, flat, items, text


def _fields(*pairs: tuple[str, str | None]) -> tuple[RawField, ...]:
    return tuple(RawField(name, concept) for name, concept in pairs)


STUDENTS = Entity("students", "Pupils", _fields(
    ("SchoolId", "student.id"), ("@Id", None), ("SchoolCode", "student.code"), ("Forename", "student.first_name"),
    ("Surname", "student.last_name"), ("Preferredname", "student.preferred_name"),
    ("Middlename", "student.middle_name"), ("Fullname", "student.full_name"), ("DOB", "student.birth_date"),
    ("Gender", "student.gender"), ("NCYear", "student.year_level"), ("Form", "student.form"),
    ("AcademicHouse", "student.house"), ("DivisionName", "student.campus"), ("EmailAddress", "student.email"),
    ("EnrolmentDate", "student.entry_date"), ("EnrolmentSchoolYear", "student.school_year"),
    ("FamilyId", None), ("Tutor", None)), id_field="SchoolId", key_set="pupils")

# A Contact's Title and a pupil link's RelationType, Priority and MailMerge are read when iSAMS sends
# them, but no public source shows these element names (isams.md: "Not confirmed from any source"),
# so nothing depends on them: they come out blank when absent. ParentalResponsibility's values
# (Yes / No / Default) are documented, its element name is inferred. See FACTS in __init__.py.
CONTACTS = Entity("contacts", "Contacts", _fields(
    ("@Id", "contact.id"), ("Title", "contact.title"), ("Forename", "contact.first_name"),
    ("Surname", "contact.last_name"), ("EmailAddress", "contact.email"), ("Mobile", "contact.mobile")),
    id_field="@Id", key_set="contacts")

CONTACT_LINKS = Entity("contact_links", "Contacts' pupil links", _fields(
    ("ContactId", "contact_link.contact_id"), ("SchoolId", "contact_link.student_id"),
    ("RelationType", "contact_link.relationship"),
    ("ParentalResponsibility", "contact_link.parental_responsibility"),
    ("Priority", "contact_link.priority"), ("MailMerge", "contact_link.mail_merge"), ("Status", None)),
    id_field="ContactId", key_set="contacts")

STAFF = Entity("staff", "Staff", _fields(
    ("@Id", "staff.id"), ("UserCode", "staff.code"), ("Title", "staff.title"), ("Forename", "staff.first_name"),
    ("Surname", "staff.last_name"), ("FullName", "staff.full_name"), ("PreferredName", None),
    ("SchoolEmailAddress", "staff.email"), ("TeachingStaff", "staff.teaching")),
    id_field="@Id", key_set="staff")

GROUPS = Entity("groups", "Forms, years and houses", _fields(
    ("@Id", "group.id"), ("GroupType", None), ("kind", "group.kind"), ("Name", "group.name"), ("Code", None),
    ("NCYear", "group.year_level"), ("TutorId", "group.staff_id")),
    id_field="@Id", key_set="school_structure")

CLASSES = Entity("classes", "Teaching sets", _fields(
    ("@Id", "class.id"), ("SetCode", "class.code"), ("Name", "class.name"), ("@SubjectId", "class.subject"),
    ("@YearId", "class.year_level"), ("PrimaryTeacherId", "class.main_teacher_id"),
    ("TeacherIds", "class.teacher_ids"), ("Block", None), ("kind", "class.kind")),
    id_field="@Id", key_set="teaching_sets")

CLASS_MEMBERSHIPS = Entity("class_memberships", "Set lists", _fields(
    ("@Id", None), ("@SetId", "class_membership.class_id"), ("@PupilId", None),
    ("SchoolId", "class_membership.student_id")),
    id_field="@Id", key_set="set_lists")

REGISTRATION = Entity("registration", "Registration status (REST)", _fields(
    ("schoolId", "registration.student_id"), ("registrationPeriodId", "registration.register_id"),
    ("registrationDate", "registration.date"), ("code", "registration.status"), ("registered", None)),
    id_field="schoolId", key_set="rest")

BATCH_ENTITIES = (STUDENTS, CONTACTS, CONTACT_LINKS, STAFF, GROUPS, CLASSES, CLASS_MEMBERSHIPS)
ENTITIES = (*BATCH_ENTITIES, REGISTRATION)


def _names(entity: Entity) -> list[str]:
    return [f.name for f in entity.fields]


def _students(tree: Tree) -> Iterator[dict[str, Any]]:
    for node in items(tree, METHODS["Pupil_GetCurrentPupils"]):
        yield flat(node, _names(STUDENTS))


def _contacts(tree: Tree) -> Iterator[dict[str, Any]]:
    for node in items(tree, METHODS["Pupil_GetContacts"]):
        yield flat(node, _names(CONTACTS))


def _contact_links(tree: Tree) -> Iterator[dict[str, Any]]:
    for node in items(tree, METHODS["Pupil_GetContacts"]):
        contact_id = text(node.get("@Id"))
        for pupil in children(node, "Pupils", "Pupil"):
            yield {"ContactId": contact_id, **flat(pupil, _names(CONTACT_LINKS)[1:])}


def _staff(tree: Tree) -> Iterator[dict[str, Any]]:
    for node in items(tree, METHODS["HumanResources_GetCurrentStaff"]):
        yield flat(node, _names(STAFF))


KINDS: dict[str, str] = {
    # Confirmed: each kind comes from its own batch method (School_GetSchoolForms, _GetAllYears,
    # _GetAcademicHouses, _GetBoardingHouses, Teaching_GetSets).
    "Form": "form",
    "Year": "year",
    "AcademicHouse": "house",
    "BoardingHouse": "house",
    "TeachingSet": "teaching_set",
}
"""The batch a group or class came from → the wizard's kind (concepts.GROUP_KINDS / CLASS_KINDS),
given as the derived raw field ``kind`` beside ``GroupType``, which keeps iSAMS's own word."""


def _group(kind: str, node: Mapping[str, Any], name: Any, year: Any, tutor: Any) -> dict[str, Any]:
    return {"@Id": text(node.get("@Id")), "GroupType": kind, "kind": KINDS[kind], "Name": text(name),
            "Code": text(node.get("Code")), "NCYear": text(year), "TutorId": text(tutor)}


def _groups(tree: Tree) -> Iterator[dict[str, Any]]:
    for node in items(tree, METHODS["School_GetSchoolForms"]):
        yield _group("Form", node, node.get("Form") or node.get("@Id"),
                     node.get("NationalCurriculumYear") or node.get("@YearId"), node.get("@TutorId"))
    for node in items(tree, METHODS["School_GetAllYears"]):
        yield _group("Year", node, node.get("Name"), node.get("@Id"), node.get("@TutorId"))
    for method, kind in (("School_GetAcademicHouses", "AcademicHouse"), ("School_GetBoardingHouses", "BoardingHouse")):
        for node in items(tree, METHODS[method]):
            yield _group(kind, node, node.get("Name"), None, node.get("@HouseMasterId"))


def _classes(tree: Tree) -> Iterator[dict[str, Any]]:
    for node in items(tree, METHODS["Teaching_GetSets"]):
        record = flat(node, ["@Id", "SetCode", "Name", "@SubjectId", "@YearId", "Block"])
        teachers = list(children(node, "Teachers", "Teacher"))
        primary = [t for t in teachers if (text(t.get("@PrimaryTeacher")) or "").lower() == "true"]
        record["PrimaryTeacherId"] = text(primary[0].get("@StaffId")) if primary else None
        record["TeacherIds"] = ",".join(text(t.get("@StaffId")) or "" for t in teachers)
        record["kind"] = KINDS["TeachingSet"]
        yield record


def _class_memberships(tree: Tree) -> Iterator[dict[str, Any]]:
    for node in items(tree, METHODS["Teaching_GetSetLists"]):
        yield flat(node, _names(CLASS_MEMBERSHIPS))


@dataclass(frozen=True)
class BatchReader:
    """Which methods an entity needs (any one suffices for groups) and how to read it."""

    methods: tuple[str, ...]
    read: Callable[[Tree], Iterator[dict[str, Any]]]


READERS: dict[str, BatchReader] = {
    "students": BatchReader(("Pupil_GetCurrentPupils",), _students),
    "contacts": BatchReader(("Pupil_GetContacts",), _contacts),
    "contact_links": BatchReader(("Pupil_GetContacts",), _contact_links),
    "staff": BatchReader(("HumanResources_GetCurrentStaff",), _staff),
    "groups": BatchReader(("School_GetSchoolForms", "School_GetAllYears", "School_GetAcademicHouses",
                           "School_GetBoardingHouses"), _groups),
    "classes": BatchReader(("Teaching_GetSets",), _classes),
    "class_memberships": BatchReader(("Teaching_GetSetLists",), _class_memberships),
}


def registration_rows(page: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = as_list(page.get("registrations"))
    return [{f.name: row.get(f.name) for f in REGISTRATION.fields} for row in rows if isinstance(row, Mapping)]
