"""What a profile asks of Qmlativ (``[systems.qmlativ]``): the objects read and their fields.

Qmlativ answers per object (``Module/Object``); an entity is read from the object OBJECT_OF
names, some of its fields from another object (JOIN_SOURCE), joined by JOIN_KEYS. The default
``objects`` (what the demo profile reads) is every entity field under its object, computed in
the spec from its entities (``default_objects``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from mis_wizard.vendors.base import Entity

OBJECT_OF = {"schools": "District/Entity", "terms": "District/SchoolYear", "students": "Student/Student",
             "contacts": "Demographics/Name", "contact_links": "Family/StudentGuardian", "staff": "Staff/Staff"}
"""Entity → the Qmlativ object it is read from (classes and enrolments come through OneRoster)."""

EMAILS = "Demographics/NameEmail"
EMAIL_FIELDS = ["NameEmailID", "NameID", "EmailAddress", "Rank"]
"""Guardians' e-mail addresses live in their own object, one row per address, ranked."""
NAMES = "Demographics/Name"
ENROLMENTS = "Enrollment/EntryWithdrawal"
JOIN_SOURCE: dict[str, dict[str, str]] = {
    "contacts": {"EmailAddress": EMAILS},
    "students": {"FirstName": NAMES, "LastName": NAMES, "MiddleName": NAMES, "BirthDate": NAMES, "Gender": NAMES,
                 "EntityID": ENROLMENTS, "StartDate": ENROLMENTS, "WithdrawalDate": ENROLMENTS},
}
"""Entity → its fields that come from another object than OBJECT_OF names, and that object:
a student's names, birth date and gender sit on the Name (joined by NameID), the school and
dates on Enrollment/EntryWithdrawal (joined by StudentID); see FACTS."""
JOINED = {entity: set(fields) for entity, fields in JOIN_SOURCE.items()}
"""Fields of an entity that come from another object than OBJECT_OF names."""
JOIN_KEYS = {NAMES: "NameID", ENROLMENTS: "StudentID"}
ENROLMENT_FIELDS = ["StudentID", "EntityID", "SchoolYearID", "StartDate", "WithdrawalDate"]


def default_objects(entities: Iterable[Entity]) -> dict[str, list[str]]:
    """Every field of every entity under the object it is read from: what the demo profile reads."""
    objects: dict[str, list[str]] = {}
    for e in entities:
        if e.id not in OBJECT_OF:
            continue
        for f in e.fields:
            obj = JOIN_SOURCE.get(e.id, {}).get(f.name, OBJECT_OF[e.id])
            if obj == EMAILS:
                continue
            wanted = objects.setdefault(obj, [])
            if f.name not in wanted:
                wanted.append(f.name)
    objects[NAMES] = ["NameID", *[f for f in objects[NAMES] if f != "NameID"]]
    objects[ENROLMENTS] = ENROLMENT_FIELDS
    objects[EMAILS] = EMAIL_FIELDS
    return objects


def narrowed(objects: Mapping[str, list[str]], entity: str, wanted: frozenset[str] | None) -> dict[str, list[str]]:
    """The profile's ``objects`` with the fields asked of ``entity``'s objects cut to ``wanted`` (the
    receipt's fields, Context.fields), so ``searchFields`` names no more; an object none of whose
    fields is wanted is dropped (guardians' e-mails are then not read). The readers add the keys
    they join by. None keeps every field."""
    if wanted is None or entity not in OBJECT_OF:
        return dict(objects)
    joins = JOIN_SOURCE.get(entity, {})
    joined_from = {joins[f] for f in wanted if f in joins}
    out: dict[str, list[str]] = {}
    for obj, fields in objects.items():
        if obj == OBJECT_OF[entity] or obj in joined_from:
            out[obj] = [f for f in fields if f in wanted]
        elif obj not in joins.values():
            out[obj] = list(fields)
    return out
