"""Profiles are data; a broken one is refused with the field and what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from mis_wizard.wizard import profile
from mis_wizard.wizard.profile import ProfileError

GOOD = """
[integrator]
name = "Acme Analytics"
support_email = "help@acme.example"
[handoff]
recipients = ["age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"]
[systems.tass]
security_role = "acme_api"
"""


def test_demo_profile_loads_and_offers_every_system() -> None:
    demo = profile.load(None)
    assert demo.integrator.name
    assert all(demo.offers(s) for s in ("tass", "isams", "integris"))


@pytest.mark.parametrize("name", profile.builtin_names())
def test_every_builtin_profile_passes_the_full_check_its_start_skips(name: str) -> None:
    """The GUI's start loads built-in profiles without checking their mapping; this is that check."""
    assert profile.load_builtin(name, check_mapping=True) == profile.load_builtin(name)


@pytest.mark.parametrize(("text", "path", "words"), [
    ("[integrator]\nsupport_email='a@b.example'\n", "integrator.name", "required"),
    ("[integrator]\nname='X'\nsupport_email='not-an-email'\n", "integrator.support_email", "not an e-mail"),
    (GOOD.replace("age1ql3", "age9ql3"), "handoff.recipients[0]", "age public key"),
    (GOOD + "[systems.moodle]\nx=1\n", "systems.moodle", "unknown system"),
    ("[integrator]\nname='X'\nsupport_email='a@b.example'\n[handoff]\nremoval_threshold=5\n",
     "handoff.removal_threshold", "fraction"),
    ("[integrator\n", "(syntax)", "not valid TOML"),
])
def test_broken_profile_names_the_field(tmp_path: Path, text: str, path: str, words: str) -> None:
    file = tmp_path / "p.toml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        profile.load(str(file))
    assert info.value.path == path
    assert words in info.value.problem
    assert str(file) in str(info.value)


def test_profile_from_file(tmp_path: Path) -> None:
    file = tmp_path / "acme.toml"
    file.write_text(GOOD, encoding="utf-8")
    p = profile.load(str(file))
    assert p.integrator.name == "Acme Analytics"
    assert p.recipients and p.systems["tass"]["security_role"] == "acme_api"
    assert not p.offers("isams")


def test_a_session_started_with_a_profile_file_finds_it_again(tmp_path: Path) -> None:
    from mis_wizard.wizard.session import SessionStore
    from mis_wizard.wizard.subject import from_session

    file = tmp_path / "acme.toml"
    file.write_text(GOOD, encoding="utf-8")
    store = SessionStore()
    session = store.new(profile=profile.load(str(file)).ref, system="tass")
    again = from_session(SessionStore().load(session.id))
    assert again.profile.integrator.name == "Acme Analytics"
    assert again.requirements["security_role"] == "acme_api"


def test_names_in_the_steps_come_from_the_integrator(tmp_path: Path) -> None:
    """Role, key and product names suggested to the admin are this integrator's, never another's."""
    from mis_wizard.vendors import registry
    from mis_wizard.wizard import steps

    file = tmp_path / "northwind.toml"
    file.write_text('[integrator]\nname = "Northwind Timetabling"\nproduct = "Northwind Planner"\n'
                    'support_email = "help@northwind.example"\n', encoding="utf-8")
    p = profile.load(str(file))
    for system_id in registry.SYSTEM_IDS:
        spec = registry.get(system_id)
        text = str(steps.load(system_id, spec.step_values(p.requirements(system_id))))
        assert "intellischool" not in text.lower() and "Demo Integrator" not in text, system_id
        assert "MIS Wizard" not in text, system_id
    assert p.requirements("tass")["security_role"] == "northwind_timetabling_api"
    tass = str(steps.load("tass", registry.get("tass").step_values(p.requirements("tass"))))
    assert "northwind_timetabling_api" in tass
    isams = registry.get("isams").step_values(p.requirements("isams"))
    assert isams["integrator"] == "Northwind Timetabling" and isams["product"] == "Northwind Planner"
    assert "help@northwind.example" in str(steps.load("integris", registry.get("integris").step_values(
        p.requirements("integris"))))
    acme = tmp_path / "acme.toml"
    acme.write_text(GOOD, encoding="utf-8")
    assert profile.load(str(acme)).requirements("tass")["security_role"] == "acme_api", "the profile's own wins"


def test_targets_are_parsed_once_into_read_only_typed_objects() -> None:
    import dataclasses

    from mis_wizard.wizard.mapping.schema import Target, TargetField

    demo = profile.load_builtin("demo")
    schema = demo.target_schema
    assert schema is demo.target_schema, "parsed again on the second read"
    assert set(schema) == set(demo.targets) and schema
    for name, target in schema.items():
        assert isinstance(target, Target) and target.name == name and target.entity == demo.targets[name]["entity"]
        assert [f.name for f in target.fields] == [f["name"] for f in demo.targets[name]["fields"]]
        assert all(isinstance(f, TargetField) for f in target.fields)
    with pytest.raises(TypeError):
        schema["students"] = schema["students"]  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        schema["students"].entity = "staff"  # type: ignore[misc]
    fewer = dataclasses.replace(demo, targets={"students": demo.targets["students"]})
    assert list(fewer.target_schema) == ["students"] and list(demo.target_schema) == list(demo.targets)


def test_a_profile_file_has_its_targets_parsed_at_load(tmp_path: Path) -> None:
    """A --profile FILE is checked in full at load: its targets are typed there, once, and a
    narrowed copy (a report's few targets) keeps those same objects rather than parsing again."""
    from mis_wizard.wizard.mapping.schema import parse_targets

    demo = profile.load_builtin("demo")
    file = tmp_path / "demo.toml"
    file.write_text((profile.ROOT / "profiles" / "demo.toml").read_text(encoding="utf-8"), encoding="utf-8")
    loaded = profile.load(str(file))
    assert "target_schema" in loaded.__dict__, "the targets were left to be parsed on first use"
    assert dict(loaded.target_schema) == parse_targets(demo.targets)
    narrow = loaded.narrowed(["students", "staff"], [])
    assert len(narrow.target_schema) == 2
    assert list(narrow.targets) == [n for n in loaded.targets if n in ("students", "staff")]
    assert all(narrow.target_schema[n] is loaded.target_schema[n] for n in narrow.targets)
    assert narrow.filters == [] and loaded.filters, "the filters given replace the profile's"


def test_a_target_that_cannot_be_typed_is_refused_at_load(tmp_path: Path) -> None:
    file = tmp_path / "bad.toml"
    file.write_text(GOOD + "[targets.pupils]\nentity = \"students\"\nfields = [{ concept = \"student.id\" }]\n",
                    encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        profile.load(str(file))
    assert info.value.path.startswith("targets.pupils"), info.value.path
