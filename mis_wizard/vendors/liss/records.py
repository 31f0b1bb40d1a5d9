"""How LISS records come out of a server's answers: which read gives each entity, the terms
inside the timetable structures, and the fields derived at the connector (a class's ``kind``).

LISS has no paging and no field lists: each ``liss.get…`` answers with whole records (liss.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

Row = dict[str, Any]

READS: dict[str, str] = {"students": "liss.getStudents", "staff": "liss.getTeachers", "classes": "liss.getClasses",
                         "class_memberships": "liss.getClassMemberships"}
"""Entities read by one call with the date (``asAtDate``); terms, bell times, calendar and timetable
are read from or per timetable structure (``liss.getTimetableStructures``)."""

STRUCTURE_READS: dict[str, str] = {"bell_times": "liss.getBellTimes", "calendar": "liss.getCalendar",
                                   "timetable": "liss.getTimetable"}
"""Entities read once per timetable structure (bell times) or per academic year (calendar, timetable)."""

CLASS_KINDS: dict[str, str] = {
    "": "teaching_set",  # confirmed: a blank Type is a teaching class
    # Inferred from the names (the fact sheet lists the types, not what they hold):
    "RollClass": "registration",
    "ExtraCurricular": "custom",
    "Study": "custom",
    "Duty": "custom",
    "RTO": "custom",
    "StaffMeeting": "custom",
    "OnCall": "custom",
}
"""A LISS class ``Type`` → the wizard's class kind (concepts.CLASS_KINDS), given to classes as the
derived raw field ``kind`` so the raw view keeps LISS's own word."""


def class_kind(liss_type: Any) -> str | None:
    return CLASS_KINDS.get(str(liss_type or "").strip())


def classes(rows: Iterable[Mapping[str, Any]]) -> list[Row]:
    return [{**row, "kind": class_kind(row.get("Type"))} for row in rows]


def terms(structures: Iterable[Mapping[str, Any]]) -> list[Row]:
    """Each term of each structure, with the structure's name and academic year."""
    return [dict(term, TtStructure=s.get("TtStructure"), AcademicYear=s.get("AcademicYear"))
            for s in structures for term in s.get("Terms") or []]
