"""Every system's records, in the canonical view, join up the same way.

One profile's mapping and filters serve every system only if the canonical values agree:
links point at ids the linked entity carries, values are plain scalars, and the kinds of
classes and groups use one vocabulary. This runs every connector against its emulator.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from mis_wizard.vendors import registry
from mis_wizard.vendors.base import Context
from mis_wizard.vendors.concepts import CLASS_KINDS, GROUP_KINDS, PREFIX
from mis_wizard.wizard.http import build_client
from mis_wizard.wizard.mapping.canonical import RAW, canonical

LINKS = {
    "class_membership.student_id": "student.id",
    "class_membership.class_id": "class.id",
    "contact_link.student_id": "student.id",
    "contact_link.contact_id": "contact.id",
    "class.main_teacher_id": "staff.id",
    "group_membership.group_id": "group.id",
    "group_membership.student_id": "student.id",
    "timetable.class_id": "class.id",
}
"""A link concept → the id concept it points at; each concept's entity is the one of its prefix."""
ENTITY_OF = {prefix: entity for entity, prefix in PREFIX.items()}


def read_all(box, system: str) -> dict[str, list[dict[str, Any]]]:
    spec = registry.get(system)
    creds = box.describe()["systems"][system]["credentials"]

    async def go() -> dict[str, list[dict[str, Any]]]:
        async with build_client(backoff=0.01) as http:
            ctx = Context(http=http)
            connector = spec.connector()
            out = {}
            for entity in spec.entities:
                if entity.id == "attendance":
                    continue
                out[entity.id] = [canonical(entity, raw) async for raw in
                                  connector.stream(ctx, creds, spec.requirements(), entity.id)]
            return out

    return asyncio.run(go())


@pytest.fixture(scope="module")
def datasets(small_school):
    from mis_wizard.vendors.sandbox.kit import Sandbox

    with Sandbox() as box:
        for spec in registry.all_specs():
            box.add(spec.emulator(small_school))
        yield {sid: read_all(box, sid) for sid in registry.SYSTEM_IDS}


@pytest.mark.parametrize("system", registry.SYSTEM_IDS)
def test_concept_values_are_plain_scalars(datasets, system: str) -> None:
    for entity, records in datasets[system].items():
        for record in records[:50]:
            for concept, value in record.items():
                if concept.startswith(RAW):
                    continue
                if concept.endswith(("_ids", ".mail_merge")) and isinstance(value, list):
                    assert all(isinstance(v, str) for v in value), (entity, concept, value)
                    continue
                assert value is None or isinstance(value, str | int | float | bool), (entity, concept, value)


@pytest.mark.parametrize("system", registry.SYSTEM_IDS)
def test_links_point_at_records_the_system_gives(datasets, system: str) -> None:
    data = datasets[system]
    checked = 0
    for link, key in LINKS.items():
        source, target = (ENTITY_OF[concept.split(".")[0]] for concept in (link, key))
        if source not in data or target not in data or not data[source]:
            continue
        ids = {str(r.get(key)) for r in data[target] if r.get(key) not in (None, "")}
        values = [str(r.get(link)) for r in data[source] if r.get(link) not in (None, "")]
        if not values:
            continue
        resolved = sum(v in ids for v in values)
        assert resolved / len(values) >= 0.9, f"{system}: {link} → {key}: {resolved}/{len(values)} resolve"
        checked += 1
    assert checked or system == "liss" and "students" in data


@pytest.mark.parametrize("system", registry.SYSTEM_IDS)
def test_class_and_group_kinds_use_one_vocabulary(datasets, system: str) -> None:
    for entity, concept, vocabulary in (("classes", "class.kind", CLASS_KINDS), ("groups", "group.kind", GROUP_KINDS)):
        kinds = {r.get(concept) for r in datasets[system].get(entity, [])} - {None, ""}
        assert kinds <= set(vocabulary), f"{system} {concept}: {sorted(kinds - set(vocabulary))}"
