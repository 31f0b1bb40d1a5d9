"""The Integris spec as data: fields, concepts, steps, and the wire contract's parsers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mis_wizard.vendors import base, registry
from mis_wizard.vendors.integris import SPEC, wire
from mis_wizard.wizard import steps

FIXTURES = Path(__file__).resolve().parents[3].parent / "shared" / "fixtures" / "integris"
FIXTURE_FILES = sorted(p for p in FIXTURES.rglob("*.json")) if FIXTURES.is_dir() else []

FACT_SHEET_EXAMPLES = {
    "students": '{"students":[{"studentId":"S-1001","knownName":"Ann","surname":"Lee",'
                '"dateOfBirth":"2017-03-04","yearGroup":"Year 2","className":"2B"}]}',
    "contactLinks": '{"contactLinks":[{"studentId":"S-1001","contactId":"C-77","relationship":"Mother",'
                    '"parentalResponsibility":true}]}',
    "classes": '{"classes":[{"classId":"K-9","name":"2B","type":"RegistrationGroup","staffId1":"T-5",'
               '"staffId2":null,"studentIds":["S-1001"]}]}',
}
"""The fact sheet's constructed examples: RM publishes no Datashare payloads to test against."""


def test_registry_finds_integris():
    assert registry.get("integris") is SPEC


@pytest.mark.parametrize("resource", sorted(FACT_SHEET_EXAMPLES))
def test_fact_sheet_examples_parse(resource):
    page = wire.parse_page(resource, FACT_SHEET_EXAMPLES[resource].encode())
    assert len(page.records) == 1 and "S-1001" in json.dumps(page.records)
    assert page.page == page.page_count == 1


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.name)
def test_every_fixture_parses(path):
    data = json.loads(path.read_text(encoding="utf-8"))
    resource = next(k for k in data if k in wire.RESOURCES.values())
    assert wire.parse_page(resource, path.read_bytes()).records is not None


def test_steps_render_with_the_demo_profile():
    rendered = steps.load("integris", SPEC.step_values(SPEC.requirements()))
    text = "\n".join(" ".join([s.title, *s.prose, *s.items]) for s in rendered)
    for phrase in ("Modules > System Management > Integris Datashare", "Grant Access", "Terms and Conditions",
                   "Confirm", "RM does **not** tell Demo Integrator", "onboarding@demo-integrator.example",
                   "**Contact details**: switch on Email Address, Mobile Phone"):
        assert phrase in text


def test_steps_leave_out_areas_with_nothing_to_switch_on():
    values = SPEC.step_values(SPEC.requirements({"optional_fields": ["contacts.email"]}))
    fields_step = next(s for s in steps.load("integris", values) if s.title.startswith("Switch on"))
    assert fields_step.items == ["**Contact details**: switch on Email Address."]


def _form(credentials):
    return {r.code: r.message for r in base.form_results(SPEC, credentials, SPEC.requirements())}


def test_good_credentials_pass_the_form(good):
    assert _form(good) == {}


@pytest.mark.parametrize(("where", "field", "value", "says"), [
    (None, "base_url", "datashare.example.com", "https:// address your integrator gave you"),
    (None, "school_id", "888 1234", "DfE number"),
    (None, "school_id", "", "School identifier is required"),
    ("datashare", "client_id", "", "Partner client ID is required"),
    ("datashare", "client_id", "partner id", "letters, digits"),
    ("datashare", "client_secret", "short secret", "at least 16 characters"),
])
def test_a_wrong_value_in_each_field_is_named(good, where, field, value, says):
    credentials = json.loads(json.dumps(good))
    (credentials[where] if where else credentials)[field] = value
    messages = _form(credentials)
    assert list(messages) == [f"integris.field_invalid.{field}"]
    assert says in messages[f"integris.field_invalid.{field}"]
    if field == "client_secret":
        assert value not in messages[f"integris.field_invalid.{field}"]


def test_key_set_lists_the_areas_and_fields_the_profile_needs():
    (key_set,) = SPEC.key_sets(SPEC.requirements({"areas": ["contacts"], "optional_fields": ["contacts.phone"]}))
    assert key_set.details == {"areas": ["Contact details"], "optional fields": ["Contact details: Mobile Phone"]}
