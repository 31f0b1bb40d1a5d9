"""What a sync asks the school's system for: per entity, the raw fields it needs and no more.

A connector that can name fields in its request (``Context.fields``) asks for exactly these; the
receipt lists the same set, so what is requested is what the school was told leaves or is read.
Needed are: the fields the targets' rules read (their sources and the fields their steps join),
the entity's id field and the fields carrying its identity concepts (so records are told apart
and linked), and the concepts the integrator's filters read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mis_wizard.vendors.base import Entity, VendorSpec
from mis_wizard.vendors.concepts import CONCEPTS

from . import filters as filtering
from .canonical import NATURAL_KEYS, PREFIX, RAW
from .mapper import effective_rules
from .rules import rule_sources
from .schema import Target

_LINK = ("contact.id", "contact_link.contact_id", "contact_link.student_id")
FILTER_READS: Mapping[str, tuple[str, ...]] = {
    "students_in_class": ("student.id", "class.id", "class_membership.student_id", "class_membership.class_id"),
    "contacts_complete": (*_LINK, "student.id", "contact.title", "contact.first_name", "contact.last_name"),
    "parental_responsibility": (*_LINK, "contact_link.parental_responsibility", "contact.parental_responsibility"),
    "contact_types": (*_LINK, "contact_link.relationship", "contact.relationship"),
    "mail_merge": (*_LINK, "contact_link.mail_merge", "contact.mail_merge"),
    "teachers_with_class": ("staff.id", "class.main_teacher_id", "class.second_teacher_id", "class.teacher_ids"),
    "class_types": ("class.id", "class.kind", "class_membership.class_id", "class_membership.student_id",
                    "student.id", "staff.id", "class.main_teacher_id", "class.second_teacher_id",
                    "class.teacher_ids"),
    "group_types": ("group.id", "group.kind", "group_membership.group_id", "group_membership.student_id",
                    "student.id"),
    "unique_email": (),
    "year_collisions": ("student.year_name", "student.campus"),
    "split_combined": (*_LINK, "contact.title", "contact.first_name", "contact.combined", "contact.email"),
    "field_values": (),
}
"""The concepts each filter kind reads, besides its ``concept`` parameter (tests check that a
filter run over only these gives what it gives over whole records)."""


def filter_concepts(specs: Iterable[filtering.FilterSpec]) -> set[str]:
    """Every concept the integrator's filters read."""
    out: set[str] = set()
    for f in specs:
        out.update(FILTER_READS[f.name])
        concept = f.params.get("concept")
        if isinstance(concept, str) and concept:
            out.add(concept)
        elif f.name == "unique_email":
            out.add(f"{PREFIX.get(f.entity, f.entity)}.email")
    return out


def identity_concepts(entity_id: str) -> set[str]:
    """The concepts a record is known and linked by: its id or code, its natural key, its links."""
    prefix = PREFIX.get(entity_id, entity_id) + "."
    names = {prefix + "id", prefix + "code"} | {prefix + k for k in NATURAL_KEYS.get(entity_id, ())}
    names |= {c for c in CONCEPTS if c.startswith(prefix) and c.endswith("_id")}
    return names


def entity_fields(entity: Entity, targets: Iterable[Target], session_mapping: Mapping[str, Any] | None,
                  concepts: set[str]) -> frozenset[str]:
    """The raw fields of one entity: those its targets' rules read, its identity, and ``concepts``."""
    sources: set[str] = set(concepts) | identity_concepts(entity.id)
    for target in targets:
        for rule in effective_rules(target, session_mapping).values():
            sources.update(rule_sources(rule))
    raw = {s[len(RAW):] for s in sources if s.startswith(RAW)}
    return frozenset(f.name for f in entity.fields
                     if f.name == entity.id_field or f.name in raw or f.concept in sources)


def fields(spec: VendorSpec, profile: Any, session_mapping: Mapping[str, Any] | None = None
           ) -> dict[str, frozenset[str]]:
    """Per entity the profile has a target for, the raw fields to ask the system for. An entity
    read with no target (for a filter, or asked for by name) is kept whole by the sync, so it is
    not narrowed."""
    targets = list(profile.target_schema.values())
    concepts = filter_concepts(filtering.specs(profile.filters))
    return {e.id: entity_fields(e, mine, session_mapping, concepts)
            for e in spec.entities if (mine := [t for t in targets if t.entity == e.id])}
