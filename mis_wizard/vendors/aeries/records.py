"""How Aeries records come out of its answers: contacts as people, one per person, one link per
student they are a contact of; terms carrying their school.

Aeries keeps contacts per student (the key is StudentID + SequenceNumber), so a parent of two
siblings is two contact rows with no shared id. The wizard has to infer who is the same person;
the rule lives here and nowhere else:

* two rows are one person when their first and last names match (ignoring case and spacing) and
  so does their e-mail address, or, for rows without one, their cell phone, or else home phone;
* a row with no e-mail and no phone is its own person, since a name alone is too weak
  (two different people called Maria Garcia are common in a district).

The person's id (ContactKey) is a hash of that identity, so it stays the same from one sync to
the next while the person's name and e-mail do, whichever of their students leaves first.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

from mis_wizard.vendors.base import Record

PERSON_FIELDS = ("FirstName", "LastName", "MiddleName", "MailingName", "Address", "AddressCity", "AddressState",
                 "AddressZipCode", "HomePhone", "WorkPhone", "WorkPhoneExt", "CellPhone", "EmailAddress",
                 "CorrespondanceLanguageCode", "CorrespondenceLanguageCode")
"""Fields of a contact row that describe the person rather than their tie to one student."""

LINK_FIELDS = ("StudentID", "SchoolCode", "SequenceNumber", "ContactOrder", "RelationshipToStudentCode",
               "LivesWithStudentIndicator", "PrimaryContact", "AccessToPortal", "EducationalRightsHolder",
               "RedFlag", "Comments")
"""Fields of a contact row that belong to the student–contact tie."""

TERM_SCHOOL = "SchoolCode"
"""Aeries numbers each school's terms 1-4, and a term row does not say its school: the client adds
the SchoolCode it asked for (``schools/{code}/terms``), so terms of two schools stay apart."""

KEY = "ContactKey"
"""The derived field naming the person; Aeries has no such field."""


def _norm(value: object) -> str:
    return " ".join(str(value or "").split()).casefold()


TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "rev", "fr"})
SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "v"})


def split_mailing_name(mailing: object) -> tuple[str, str]:
    """(first, last) from a MailingName: "Last, First [Middle]" when it holds a comma, else
    "[Title] First [Middle] Last [Suffix]" with the last word as the last name (a suffix such as
    Jr. stays with it) and leading titles dropped. One word is a last name alone."""
    text = " ".join(str(mailing or "").split())
    if not text:
        return "", ""
    if "," in text:
        last, _, rest = text.partition(",")
        words = rest.split()
        if words and words[0].rstrip(".").casefold() in SUFFIXES:  # "Smith, Jr., John" is rare; keep it simple
            last, words = f"{last.strip()} {words[0]}", words[1:]
        return (words[0] if words else ""), last.strip()
    words = text.split()
    while len(words) > 1 and words[0].rstrip(".").casefold() in TITLES | {"&", "and"}:
        words = words[1:]
    if len(words) > 2 and words[-1].rstrip(".").casefold() in SUFFIXES:
        words = [*words[:-2], f"{words[-2]} {words[-1]}"]
    if len(words) == 1:
        return "", words[0]
    return " ".join(words[:-1]), words[-1]


def with_names(row: Record) -> Record:
    """The row with FirstName and LastName filled from MailingName when both are blank (a contact
    typed with only a mailing name); rows with either name keep them as typed."""
    if _norm(row.get("FirstName")) or _norm(row.get("LastName")) or not _norm(row.get("MailingName")):
        return row
    first, last = split_mailing_name(row.get("MailingName"))
    return {**row, "FirstName": first, "LastName": last}


def person_key(row: Record) -> str:
    """The inferred person a contact row describes (see the module docstring)."""
    row = with_names(row)
    reach = _norm(row.get("EmailAddress")) or _norm(row.get("CellPhone")) or _norm(row.get("HomePhone"))
    if not reach:
        return f"{row.get('StudentID')}-{row.get('SequenceNumber')}"
    identity = "|".join((_norm(row.get("FirstName")), _norm(row.get("LastName")), reach))
    return "P" + hashlib.sha256(identity.encode()).hexdigest()[:12]


RELATIONSHIP = "RelationshipToStudent"
"""The derived field with the relationship code's description from Aeries' code set."""


def links(rows: Iterable[Record], relationships: Mapping[str, str]) -> list[Record]:
    """One record per contact row: the student–contact tie, naming the person by ContactKey and
    the relationship by its description (the code itself when the code set lacks it)."""
    return [{**{f: row[f] for f in LINK_FIELDS if f in row}, KEY: person_key(row),
             RELATIONSHIP: relationships.get(str(row.get("RelationshipToStudentCode")),
                                             row.get("RelationshipToStudentCode"))} for row in rows]


def people(rows: Iterable[Record]) -> list[Record]:
    """One record per person, in the order they are first met. Where a person's rows disagree
    (Aeries lets each student's copy be edited alone) the row with the lowest ContactOrder wins,
    as the school ranks it first."""
    best: dict[str, tuple[int, Record]] = {}
    for row in rows:
        key = person_key(row)
        held = best.get(key)
        if held is None or _order(row) < held[0]:
            named = with_names(row)
            best[key] = (_order(row), {**{f: named[f] for f in PERSON_FIELDS if f in named}, KEY: key})
    return [person for _, person in best.values()]

def _order(row: Record) -> int:
    try:
        return int(row.get("ContactOrder") or row.get("SequenceNumber") or 0)
    except (TypeError, ValueError):
        return 0
