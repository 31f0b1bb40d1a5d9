"""The receipt: per entity, every field that leaves the school, its privacy class and the reason
the integrator gave for it, and the fields the school's system has that are not sent.

Built from the profile (its targets, each field's ``purpose``), the session's mapping (a field set
to Do not map is not sent) and the system's declared raw fields. It names fields only: it never
holds a record value or a credential, so it can be shown on screen and read by anyone at the school.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mis_wizard.vendors.base import Entity, RawField, VendorSpec
from mis_wizard.vendors.concepts import ENTITIES, PRIVACY
from mis_wizard.vendors.privacy import PrivacyClass, or_personal
from mis_wizard.wizard import words
from mis_wizard.wizard.mapping import needed
from mis_wizard.wizard.mapping.canonical import RAW
from mis_wizard.wizard.mapping.mapper import effective_rules
from mis_wizard.wizard.mapping.rules import RuleKind, rule_sources
from mis_wizard.wizard.privacy import target_classes
from mis_wizard.wizard.profile import Profile

RECEIPT_VERSION = 1
CLASS_WORDS = {
    PrivacyClass.PERSONAL: "personal",
    PrivacyClass.SENSITIVE: "sensitive",
    PrivacyClass.STRUCTURAL: "structural",
    PrivacyClass.CONFIGURATION: "configuration",
    PrivacyClass.SECRET: "secret",
}
CLASS_MEANING = {
    "personal": "identifies a person",
    "sensitive": "special data about a person",
    "structural": "the school's structure, about no one person",
    "configuration": "how to reach the system",
    "secret": "a key or password",
}
NO_REASON = "no reason given"
UNCLASSIFIED = "not classified"
"""A system field no concept carries: no class is declared, so screens mask it as personal."""


def _raw_names(entity: Entity, source: str) -> list[str]:
    """The system's own fields that feed a rule's source: ``raw:x`` is x; a concept is every raw
    field that carries it."""
    if source.startswith(RAW):
        name = source[len(RAW):]
        return [name] if any(f.name == name for f in entity.fields) else []
    return [f.name for f in entity.fields if f.concept == source]


def _field_row(f: RawField) -> dict[str, str]:
    return {"field": f.name, "what": words.source_label(f.concept) if f.concept else "",
            "class": CLASS_WORDS[or_personal(PRIVACY.get(f.concept))] if f.concept else UNCLASSIFIED}


def build(spec: VendorSpec, profile: Profile, session_mapping: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The receipt for this system and profile, as JSON-ready data (names and words only).

    Per entity: what is sent, with its class and purpose; what is read but not sent (to tell records
    apart and link them, or for the integrator's filters); and what the system has that is not even
    asked for. The sync's requests ask for the first two and no more (mapping/needed.py)."""
    asked_for = needed.fields(spec, profile, session_mapping)
    by_entity: dict[str, list[dict[str, Any]]] = {}
    read: dict[str, set[str]] = {}
    for target in profile.target_schema.values():
        entity = next((e for e in spec.entities if e.id == target.entity), None)
        rules = effective_rules(target, session_mapping)
        classes = target_classes(target, rules, entity)
        sent, skipped = [], []
        for f in target.fields:
            rule = rules[f.name]
            if rule.kind is RuleKind.SKIP:
                skipped.append(f.name)
                continue
            sources = rule_sources(rule)
            from_fields = sorted({n for s in sources for n in (_raw_names(entity, s) if entity else [])})
            if entity is not None:
                read.setdefault(entity.id, set()).update(from_fields)
            row: dict[str, Any] = {
                "field": f.name,
                "class": CLASS_WORDS[or_personal(classes.get(f.name))],
                "purpose": f.purpose or NO_REASON,
                "from": from_fields,
            }
            if sources and not from_fields:
                row["note"] = ("this system has no such field, so it is sent blank" if rule.kind is RuleKind.DIRECT
                               else "this system has no such field; the integrator's rule fills it in")
            elif not sources:
                row["note"] = "a value the integrator fixes, not read from the school's system"
            sent.append(row)
        by_entity.setdefault(target.entity, []).append({
            "target": target.name, "label": target.label or target.name,
            "sent": sent if entity is not None else [], "not_mapped": skipped})
    entities = []
    for entity_id, targets in by_entity.items():
        entity = next((e for e in spec.entities if e.id == entity_id), None)
        item: dict[str, Any] = {"entity": entity_id, "label": ENTITIES.get(entity_id, entity_id),
                                "in_system": entity is not None, "targets": targets, "not_sent": []}
        item["read_not_sent"] = []
        if entity is not None:
            used = read.get(entity_id, set())
            asked = set(asked_for.get(entity_id, ())) | used
            item["read_not_sent"] = [_field_row(f) for f in entity.fields if f.name in asked and f.name not in used]
            item["not_sent"] = [_field_row(f) for f in entity.fields if f.name not in asked]
        entities.append(item)
    asked = set(by_entity)
    return {
        "receipt_version": RECEIPT_VERSION,
        "system": {"id": spec.id, "name": spec.name},
        "integrator": profile.integrator.name,
        "product": profile.integrator.product,
        "profile": profile.id,
        "entities": entities,
        "not_asked": [{"entity": e.id, "label": ENTITIES.get(e.id, e.label)} for e in spec.entities
                      if e.id not in asked],
    }


def sent_count(receipt: Mapping[str, Any]) -> int:
    return sum(len(t["sent"]) for e in receipt["entities"] for t in e["targets"])


def as_text(receipt: Mapping[str, Any]) -> str:
    """The receipt for a person to read (receipt.txt in the bundle)."""
    system, who = receipt["system"]["name"], receipt["integrator"]
    lines = [f"What leaves the school: {system} to {who} ({receipt['product']})",
             f"{words.plural(sent_count(receipt), 'field')} leave, listed per kind of record with why "
             f"{who} needs each. Only field names are listed here, never a value.", "",
             "Classes: " + "; ".join(f"{k}: {v}" for k, v in CLASS_MEANING.items() if k != "secret"), ""]
    for e in receipt["entities"]:
        lines.append(f"== {e['label']} ==")
        if not e["in_system"]:
            lines.append(f"  {system} has none here, so nothing is sent.")
        for t in e["targets"]:
            if len(e["targets"]) > 1 or t["label"] != e["label"]:
                lines.append(f"  Sent as {t['label']}:")
            for row in t["sent"]:
                source = f" (from {', '.join(row['from'])})" if row["from"] else ""
                note = f" [{row['note']}]" if row.get("note") else ""
                lines.append(f"  - {row['field']}: {row['class']}{source}. Why: {row['purpose']}{note}")
            if t["not_mapped"]:
                lines.append(f"  Not sent (set to Do not map): {', '.join(t['not_mapped'])}")
        if e.get("read_not_sent"):
            lines.append(f"  Read to tell records apart or for {who}'s filters, not sent: "
                         + ", ".join(f"{n['field']} ({n['class']})" for n in e["read_not_sent"]))
        if e["not_sent"]:
            lines.append(f"  In {system} but not asked for: "
                         + ", ".join(f"{n['field']} ({n['class']})" for n in e["not_sent"]))
        lines.append("")
    if receipt["not_asked"]:
        lines.append(f"Not asked for at all: {', '.join(n['label'] for n in receipt['not_asked'])}")
    return "\n".join(lines).rstrip() + "\n"
