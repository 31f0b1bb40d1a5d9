"""What integrators' rules need from Datashare records, derived at the connector.

Integris keeps some parents as one combined record ("Mr and Mrs Bloggs", forename "John and
Jane"); consumers such as SchoolCloud split those into two people, so we do it once here and
split the contact's links to match. Classes name their staff as StaffID1, StaffID2 and others:
StaffID1 is the main teacher and the rest are supervisors, which we spell out per record.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

_JOIN = re.compile(r"\s+(?:and|&)\s+", re.IGNORECASE)
_MALE_TITLES = frozenset({"mr", "master", "sir", "lord"})
_FEMALE_TITLES = frozenset({"mrs", "ms", "miss", "madam", "lady", "dame"})
_MALE_WORDS = ("father", "grandfather", "stepfather", "step-father", "uncle", "brother")
_FEMALE_WORDS = ("mother", "grandmother", "stepmother", "step-mother", "aunt", "sister")


@dataclass(frozen=True)
class Person:
    """One of the two people a combined contact record stands for."""

    contact_id: str
    title: str
    gender: str
    """"M", "F" or "" when the title does not say."""


def _parts(value: Any) -> list[str]:
    return [p.strip() for p in _JOIN.split(str(value or "").strip()) if p.strip()]


def is_combined(contact: Mapping[str, Any]) -> bool:
    return len(_parts(contact.get("title"))) > 1 or len(_parts(contact.get("forename"))) > 1


def _gender(title: str) -> str:
    word = title.lower().rstrip(".")
    return "M" if word in _MALE_TITLES else "F" if word in _FEMALE_TITLES else ""


def split_contact(contact: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Two people for a combined record, else the record itself.

    Each person gets a stable id (``<contactId>.1`` / ``.2``) and ``combinedContactId`` naming the
    record they came from. A part that cannot be told apart (one forename for two titles) is left
    blank for the second person, so the integrator's blank-name rules catch it rather than us guessing.
    Email and phone belong to the record, so both people keep them.
    """
    if not is_combined(contact):
        return [{**contact, "combinedContactId": ""}]
    titles, forenames = _parts(contact.get("title")), _parts(contact.get("forename"))
    people = []
    for i in range(2):
        people.append({
            **contact,
            "contactId": f"{contact['contactId']}.{i + 1}",
            "title": titles[i] if i < len(titles) else "",
            "forename": forenames[i] if i < len(forenames) else "",
            "combinedContactId": contact["contactId"],
        })
    return people


def people_of(contacts: Iterable[Mapping[str, Any]]) -> dict[str, list[Person]]:
    """Combined contact id -> its two people, for splitting the links."""
    out: dict[str, list[Person]] = {}
    for contact in contacts:
        if is_combined(contact):
            out[str(contact["contactId"])] = [
                Person(p["contactId"], p["title"], _gender(p["title"])) for p in split_contact(contact)]
    return out


def _relationship_for(person: Person, relationships: list[str], position: int) -> str:
    words = _MALE_WORDS if person.gender == "M" else _FEMALE_WORDS if person.gender == "F" else ()
    for rel in relationships:
        if rel.lower() in words:
            return rel
    return relationships[min(position, len(relationships) - 1)] if relationships else ""


def split_link(link: Mapping[str, Any], people: Mapping[str, list[Person]]) -> list[dict[str, Any]]:
    """One link per person of a combined contact; "Mother and Father" becomes one of each."""
    persons = people.get(str(link.get("contactId", "")))
    if not persons:
        return [dict(link)]
    relationships = _parts(link.get("relationship"))
    return [{**link, "contactId": p.contact_id, "relationship": _relationship_for(p, relationships, i)}
            for i, p in enumerate(persons)]


KINDS: dict[str, str] = {
    # Classes. Reported, not verified (fact sheet: registration group, teaching set, custom group);
    # the wire spellings are inferred, and MixedGroup is not in the fact sheet at all.
    "RegistrationGroup": "registration",
    "TeachingSet": "teaching_set",
    "MixedGroup": "mixed",
    "CustomGroup": "custom",
    # Groups. Reported, not verified (student group, house, year group); wire spellings inferred.
    "StudentGroup": "student_group",
    "HouseGroup": "house",
    "YearGroup": "year",
}
"""A Datashare class or group ``type`` → the wizard's kind (concepts.CLASS_KINDS / GROUP_KINDS),
given as the derived raw field ``kind`` so the raw view keeps Integris's own word."""


def class_record(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Adds ``staffIds`` (StaffID1 first), ``supervisorIds`` (everyone after StaffID1) and ``kind``."""
    staff = [raw.get("staffId1"), raw.get("staffId2"), *(raw.get("otherStaffIds") or [])]
    ids = [str(s) for s in staff if s]
    return {**raw, "staffIds": ids, "supervisorIds": ids[1:], "kind": KINDS.get(str(raw.get("type") or ""))}


def group_record(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Adds ``kind``."""
    return {**raw, "kind": KINDS.get(str(raw.get("type") or ""))}


def memberships(records: Iterable[Mapping[str, Any]], id_field: str) -> Iterator[dict[str, Any]]:
    """Class or group lists, one record per student, from the ``studentIds`` of each record."""
    for record in records:
        for student_id in record.get("studentIds") or []:
            yield {id_field: record[id_field], "studentId": str(student_id)}
