"""One entity vocabulary (vendors/concepts.py): every system's entities and every profile's
targets are in it, and the mapping code reads its concept prefixes from there, not a copy."""

from __future__ import annotations

import pytest

from mis_wizard.vendors import concepts, registry
from mis_wizard.wizard import privacy
from mis_wizard.wizard import profile as profiles
from mis_wizard.wizard.mapping import canonical, filters, mapper, schema


def test_every_vendor_entity_is_in_the_vocabulary() -> None:
    declared = {(spec.id, entity.id) for spec in registry.all_specs() for entity in spec.entities}
    assert len({system for system, _ in declared}) >= 7, "every registered system was read"
    assert sorted((s, e) for s, e in declared if e not in concepts.ENTITIES) == []


@pytest.mark.parametrize("name", profiles.builtin_names())
def test_every_profile_target_entity_is_in_the_vocabulary(name: str) -> None:
    loaded = profiles.load_builtin(name)
    entities = {target.entity for target in loaded.target_schema.values()}
    assert entities, f"profile {name} has targets"
    assert sorted(entities - set(concepts.ENTITIES)) == []


def test_each_entity_has_a_prefix_and_concepts_under_it() -> None:
    assert set(concepts.PREFIX) == set(concepts.ENTITIES)
    heads = {concept.split(".", 1)[0] for concept in concepts.CONCEPTS}
    assert sorted(set(concepts.PREFIX.values()) - heads) == [], "a prefix no concept uses"
    assert sorted(heads - set(concepts.PREFIX.values())) == [], "concepts of an entity the vocabulary lacks"
    assert canonical.entity_of("student.first_name") == "students"
    assert canonical.concepts_of("contact_links")[0].startswith("contact_link.")


def test_the_mapping_code_reads_the_one_table() -> None:
    for module in (canonical, privacy, mapper, filters, schema):
        assert module.PREFIX is concepts.PREFIX, f"{module.__name__} keeps its own entity prefixes"
