"""Counts and names in words: the one plural helper the GUI and reports share."""

from __future__ import annotations

import pytest

from mis_wizard.vendors import registry
from mis_wizard.vendors.concepts import ENTITIES
from mis_wizard.wizard import words


@pytest.mark.parametrize(("count", "one", "said"), [
    (0, "record", "0 records"), (1, "record", "1 record"), (2, "record", "2 records"),
    (1200, "field error", "1,200 field errors"), (1, "class", "1 class"), (3, "class", "3 classes"),
    (2, "entry", "2 entries"), (2, "key", "2 keys"),
])
def test_plural_agrees_with_the_count(count: int, one: str, said: str) -> None:
    assert words.plural(count, one) == said


def test_every_entity_counts_in_words() -> None:
    for entity in ENTITIES:
        one, many = words.records(1, entity), words.records(2, entity)
        assert "_" not in one + many, entity
        assert one.startswith("1 ") and many.startswith("2 ")
        assert not one.endswith("s") or one.endswith("ss"), one
    assert words.records(1, "classes") == "1 class" and words.records(1, "contact_links") == "1 contact link"
    assert words.records(1, "staff") == "1 staff member" and words.records(4, "staff") == "4 staff members"


def test_field_and_source_labels_have_no_ids() -> None:
    assert words.field_label("birth_date") == "Birth date"
    assert words.field_label("StudentCode") == "Student code"
    assert words.field_label("first_name", "Given name") == "Given name"
    assert words.source_label("student.first_name") == "First name"
    assert words.source_label("raw:name.first_name", "PowerSchool") == "PowerSchool: name › first name"
    for system_id in registry.SYSTEM_IDS:
        spec = registry.get(system_id)
        for entity in spec.entities:
            for f in entity.fields:
                said = words.source_label(f"raw:{f.name}", spec.name)
                assert "raw:" not in said and "_" not in said.split(": ", 1)[1], said
