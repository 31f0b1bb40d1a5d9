"""The canonical view of a record: what rules and filters read, whatever the system.

A vendor's raw record becomes ``{concept: value}`` through its Entity's RawFields, so one
profile's mapping works for every system. Raw fields stay reachable as ``raw:<name>`` for the
integrator who needs a field no concept carries.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mis_wizard.vendors.base import Entity
from mis_wizard.vendors.concepts import CONCEPTS

RAW = "raw:"

PREFIX: dict[str, str] = {
    "schools": "school", "terms": "term", "students": "student", "contacts": "contact",
    "contact_links": "contact_link", "staff": "staff", "classes": "class",
    "class_memberships": "class_membership", "groups": "group", "group_memberships": "group_membership",
    "timetable": "timetable", "bell_times": "bell_time", "calendar": "calendar",
    "daily_changes": "daily_change", "attendance": "attendance", "registration": "registration",
}
"""Canonical entity id → the prefix of its concepts (``students`` → ``student.*``)."""

Record = dict[str, Any]


def concepts_of(entity_id: str) -> list[str]:
    prefix = PREFIX[entity_id] + "."
    return sorted(c for c in CONCEPTS if c.startswith(prefix))


def entity_of(concept: str) -> str | None:
    """The canonical entity a concept belongs to (None for raw fields)."""
    head = concept.split(".", 1)[0]
    return next((e for e, p in PREFIX.items() if p == head), None)


def canonical(entity: Entity, raw: Mapping[str, Any]) -> Record:
    """One raw record in the canonical view: concepts first, every raw field as ``raw:<name>``."""
    record: Record = {f"{RAW}{name}": value for name, value in raw.items()}
    for f in entity.fields:
        if f.concept and f.name in raw and record.get(f.concept) in (None, ""):
            record[f.concept] = raw[f.name]
    return record


NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "timetable": ("class_id", "day", "period"),
    "bell_times": ("day", "period"),
    "calendar": ("date",),
    "daily_changes": ("date", "period", "class_id", "kind"),
    "attendance": ("student_id", "date", "session"),
    "registration": ("student_id", "date", "register_id"),
}
"""Entities whose records have no id of their own, and the attributes that tell one record from
another: a class has many lessons, so its id alone would give half a timetable the same id."""


def record_id(entity_id: str, record: Mapping[str, Any]) -> str:
    """The id the admin knows a record by (link records: their ids joined), for examples and samples."""
    prefix = PREFIX.get(entity_id, entity_id) + "."
    for attr in ("id", "code"):
        if record.get(prefix + attr) not in (None, ""):
            return str(record[prefix + attr])
    if entity_id in NATURAL_KEYS:
        parts = [text(record.get(prefix + attr)) for attr in NATURAL_KEYS[entity_id]]
        return "/".join(parts) if any(parts) else ""
    links = [str(v) for k, v in sorted(record.items()) if k.startswith(prefix) and k.endswith("_id") and v]
    if links:
        return "/".join(links)
    return str(record.get(prefix + "date") or "")


def text(value: Any) -> str:
    """Any source value as the text a target receives."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(text(v) for v in value)
    return str(value)
