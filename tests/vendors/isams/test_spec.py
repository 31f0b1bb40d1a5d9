"""The iSAMS spec: fields an admin fills in, the key sets a profile asks for, and the steps."""

from __future__ import annotations

import pytest

from mis_wizard.vendors.base import form_results
from mis_wizard.vendors.isams import SPEC
from mis_wizard.wizard import steps

GUID = "1A2B3C4D-0000-1111-2222-333344445555"


def test_demo_profile_asks_for_seven_batch_keys_and_rest() -> None:
    key_sets = SPEC.key_sets(SPEC.requirements())
    assert [k.id for k in key_sets] == ["contacts", "pupils", "staff", "school_structure", "teaching_sets",
                                        "set_lists", "medical", "rest"]
    assert all(k.details for k in key_sets)
    assert key_sets[3].details["methods"] == ["School_GetSchoolForms", "School_GetAllYears",
                                              "School_GetAcademicHouses"]
    assert not key_sets[6].required and not key_sets[7].required
    rest_fields = [f.id for f in key_sets[7].fields]
    assert rest_fields == ["client_id", "client_secret", "am_register_id", "pm_register_id"]


def test_profile_without_rest_has_no_rest_key_set() -> None:
    assert "rest" not in [k.id for k in SPEC.key_sets(SPEC.requirements({"rest": {"wanted": False}}))]


@pytest.mark.parametrize("key", [GUID, "{" + GUID + "}", GUID.lower(), " {" + GUID.lower() + "} "])
def test_api_key_accepted_with_or_without_braces(key: str) -> None:
    field = SPEC.key_sets(SPEC.requirements())[0].fields[0]
    assert field.validate(key) is None


@pytest.mark.parametrize(("key_set", "field_id", "value", "expect"), [
    (None, "base_url", "yourschool.isams.cloud", "https://yourschool.isams.cloud"),
    ("contacts", "api_key", "1A2B3C4D-0000-1111-2222", "five groups"),
    ("contacts", "api_key", "", "is required"),
    ("rest", "am_register_id", "AM", "a number"),
])
def test_wrong_value_for_a_field_gets_a_clear_message(key_set, field_id, value, expect) -> None:

    creds = {"base_url": "https://yourschool.isams.cloud",
             **{k.id: {"api_key": GUID} for k in SPEC.key_sets(SPEC.requirements()) if k.id != "rest"},
             "rest": {"client_id": "abc", "client_secret": "def", "am_register_id": "1", "pm_register_id": "2"}}
    if key_set is None:
        creds[field_id] = value
    else:
        creds[key_set][field_id] = value
    [result] = form_results(SPEC, creds, SPEC.requirements())
    assert result.code == f"isams.field_invalid.{field_id}"
    assert expect in result.message
    assert result.remedy


def test_steps_render_with_the_demo_profile() -> None:
    rendered = steps.load("isams", SPEC.step_values(SPEC.requirements()))
    text = "\n".join(i for s in rendered for i in (*s.items, *s.prose))
    assert "Manage Batch API Keys" in text
    assert "Teaching Manager Datasets > Teaching Set Lists" in text
    assert "2 or 3 hours" in text
    assert "Mother, Father" in text and "All Merges, Correspondence" in text
    assert any(s.title.startswith("Optional: REST") for s in rendered)
    copies = dict(c for s in rendered for c in s.copies)
    assert copies["Integrator"] == "Demo Integrator"
    assert copies["Contacts key name"] == "Demo App Contacts key"


def test_steps_leave_out_rest_when_the_profile_does_not_want_it() -> None:
    requirements = SPEC.requirements({"rest": {"wanted": False}, "integrator": "SchoolsBuddy",
                                      "product": "SchoolsBuddy"})
    rendered = steps.load("isams", SPEC.step_values(requirements))
    assert not any("REST" in s.title for s in rendered)
    assert any("SchoolsBuddy" in c[1] for s in rendered for c in s.copies)
