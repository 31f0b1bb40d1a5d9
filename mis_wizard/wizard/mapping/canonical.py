"""The canonical view of a record: what rules and filters read, whatever the system.

A vendor's raw record becomes ``{concept: value}`` through its Entity's RawFields, so one
profile's mapping works for every system. Raw fields stay reachable as ``raw:<name>`` for the
integrator who needs a field no concept carries.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any

from mis_wizard.vendors.concepts import CONCEPTS, PREFIX

if TYPE_CHECKING:
    from mis_wizard.vendors.base import Entity

RAW = "raw:"

Record = dict[str, Any]


def concepts_of(entity_id: str) -> list[str]:
    prefix = PREFIX[entity_id] + "."
    return sorted(c for c in CONCEPTS if c.startswith(prefix))


def entity_of(concept: str) -> str | None:
    """The canonical entity a concept belongs to (None for raw fields)."""
    head = concept.split(".", 1)[0]
    return next((e for e, p in PREFIX.items() if p == head), None)


def canonical(entity: Entity, raw: Mapping[str, Any], keep_raw: Collection[str] | None = None) -> Record:
    """One raw record in the canonical view (see ``converter``)."""
    return converter(entity, keep_raw)(raw)


def converter(entity: Entity, keep_raw: Collection[str] | None = None) -> Callable[[Mapping[str, Any]], Record]:
    """Raw records of ``entity`` into the canonical view: each concept from the first of its raw
    fields that has a value, and the raw fields as ``raw:<name>``: every one when ``keep_raw`` is
    None (the preview and field codes show them all), else only those named (a sync keeps what its
    rules read: a full raw copy doubles the size of every record it holds). The plan is made
    once, for converting a whole entity."""
    names = [f.concept for f in entity.fields if f.concept]
    plan = tuple((f.name, f.concept, names.count(f.concept) > 1) for f in entity.fields if f.concept)
    kept = None if keep_raw is None else tuple((name, raw_key(name)) for name in sorted(keep_raw))

    def convert(raw: Mapping[str, Any]) -> Record:
        if kept is None:
            record: Record = {raw_key(name): value for name, value in raw.items()}
        else:
            record = {key: raw[name] for name, key in kept if name in raw}
        for name, concept, shared in plan:
            if name in raw and (not shared or record.get(concept) in (None, "")):
                record[concept] = raw[name]
        return record

    return convert


_RAW_KEYS: dict[str, str] = {}


def raw_key(name: str) -> str:
    """``raw:<name>``, one string per name however many records carry it."""
    key = _RAW_KEYS.get(name)
    if key is None:
        key = _RAW_KEYS[name] = RAW + name
    return key


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
