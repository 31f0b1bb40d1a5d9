"""What a sync asks the system for: the filters see all they read, and the set is what the receipt lists."""

from __future__ import annotations

import pytest

from mis_wizard.vendors import registry
from mis_wizard.wizard.mapping import filters, needed
from mis_wizard.wizard.mapping.canonical import PREFIX
from mis_wizard.wizard.profile import load_builtin

ALL_FILTERS = [
    {"name": "students_in_class"}, {"name": "contacts_complete"}, {"name": "parental_responsibility"},
    {"name": "contact_types", "entity": "contact_links"}, {"name": "mail_merge", "entity": "contact_links"},
    {"name": "teachers_with_class"}, {"name": "class_types", "params": {"types": ["class", "registration"]}},
    {"name": "group_types", "params": {"types": ["house"]}}, {"name": "unique_email", "entity": "students"},
    {"name": "year_collisions"}, {"name": "split_combined"},
    {"name": "field_values", "params": {"concept": "staff.role", "values": ["Teacher"]}},
]


def _narrowed(dataset, concepts):
    return {entity: [{k: v for k, v in r.items() if k in concepts or k in needed.identity_concepts(entity)}
                     for r in records] for entity, records in dataset.items()}


@pytest.mark.parametrize("spec", ALL_FILTERS, ids=lambda f: f["name"])
def test_each_filter_gives_the_same_over_only_the_fields_it_is_said_to_read(dataset, spec):
    specs = filters.specs([spec])
    whole, whole_reports = filters.apply(dataset, specs)
    narrow, narrow_reports = filters.apply(_narrowed(dataset, needed.filter_concepts(specs)), specs)
    for entity in whole:
        prefix = PREFIX.get(entity, entity) + "."
        ids = [tuple(sorted((k, str(v)) for k, v in r.items() if k in needed.identity_concepts(entity)))
               for r in whole[entity]]
        assert ids == [tuple(sorted((k, str(v)) for k, v in r.items() if k in needed.identity_concepts(entity)))
                       for r in narrow[entity]], f"{spec['name']} keeps other {prefix[:-1]} records"
    assert [r.dropped for r in whole_reports] == [r.dropped for r in narrow_reports]
    assert [r.unavailable for r in whole_reports] == [r.unavailable for r in narrow_reports]
    assert any(r.dropped for r in whole_reports) or spec["name"] in ("unique_email", "year_collisions",
                                                                     "split_combined", "contact_types"), \
        "the school's quirks make each filter drop something"


@pytest.mark.parametrize("system", [s.id for s in registry.all_specs()])
def test_a_sync_asks_for_the_receipts_fields_and_the_id(system):
    spec, profile = registry.get(system), load_builtin()
    asked = needed.fields(spec, profile)
    targets = {t.entity for t in profile.target_schema.values()}
    assert set(asked) == targets & {e.id for e in spec.entities}, "only entities with a target are narrowed"
    narrowed = []
    for entity_id, names in asked.items():
        entity = spec.entity(entity_id)
        assert entity.id_field in names
        assert names <= {f.name for f in entity.fields}
        narrowed += [entity_id] if names < {f.name for f in entity.fields} else []
    assert narrowed, f"the demo profile takes less than all {spec.name} has"


def test_a_field_set_to_do_not_map_is_no_longer_asked_for():
    spec, profile = registry.get("tass"), load_builtin()
    before = needed.fields(spec, profile)["students"]
    target = profile.target_schema["students"]
    skip = next(f.name for f in target.fields if f.name == "preferred_name")
    after = needed.fields(spec, profile, {"students": {skip: {"kind": "skip"}}})["students"]
    assert after < before
    assert {f.name for f in spec.entity("students").fields if f.concept == "student.preferred_name"} & before
    assert not {f.name for f in spec.entity("students").fields if f.concept == "student.preferred_name"} & after
