"""Issue 21 item 3: the receipt lists, per entity, every field that leaves the school with its privacy
class and the integrator's reason, and the system's fields that are not sent; it rides in the bundle
and names fields only, never a value or a secret."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pyrage
import pytest
from sealed import bundle_of_version

from mis_wizard.vendors import registry
from mis_wizard.wizard.cli import main
from mis_wizard.wizard.handoff import bundle, receipt
from mis_wizard.wizard.mapping import needed
from mis_wizard.wizard.profile import ProfileError, load_builtin, parse

CLASSES = {"personal", "sensitive", "structural", "configuration"}
SECRET = "liss-Pa55word-for-sync!"
CREDS = {"base_url": "https://liss.integrator.example/liss", "school_code": "RIVERBEND",
         "username": "td-sync", "password": SECRET}


@pytest.mark.parametrize("profile_name", ["demo", "oneroster"])
@pytest.mark.parametrize("system", registry.SYSTEM_IDS)
def test_every_sent_field_has_a_class_and_the_profiles_purpose(system: str, profile_name: str) -> None:
    spec, profile = registry.get(system), load_builtin(profile_name)
    made = receipt.build(spec, profile)
    assert made["system"] == {"id": spec.id, "name": spec.name}
    purposes = {(t.name, f.name): f.purpose for t in profile.target_schema.values() for f in t.fields}
    seen_targets = set()
    for item in made["entities"]:
        entity = next((e for e in spec.entities if e.id == item["entity"]), None)
        assert item["in_system"] is (entity is not None)
        for t in item["targets"]:
            seen_targets.add(t["target"])
            if entity is None:
                assert t["sent"] == [], f"{spec.name} has no {item['entity']}: nothing of it can leave"
                continue
            target = profile.target_schema[t["target"]]
            assert [row["field"] for row in t["sent"]] == [f.name for f in target.fields]
            for row in t["sent"]:
                assert row["class"] in CLASSES, (t["target"], row)
                assert row["purpose"] == purposes[(t["target"], row["field"])] and row["purpose"].strip()
                assert set(row["from"]) <= {f.name for f in entity.fields}, "only the system's own field names"
        if entity is not None:  # every raw field is sent, read only to tell records apart, or not asked for
            read = {n for t in item["targets"] for row in t["sent"] for n in row["from"]}
            only_read = {n["field"] for n in item["read_not_sent"]}
            held = {n["field"] for n in item["not_sent"]}
            assert read | only_read | held == {f.name for f in entity.fields}
            assert not read & held and not read & only_read and not only_read & held
            assert read | only_read == needed.fields(spec, profile)[item["entity"]], "the receipt is what is asked"
            assert all(n["class"] in CLASSES | {receipt.UNCLASSIFIED} for n in item["not_sent"] + item["read_not_sent"])
    assert seen_targets == set(profile.target_schema), "every target is on the receipt"
    not_sent = [n for item in made["entities"] for n in item["not_sent"]]
    assert not_sent, f"{spec.name} offers more than {profile_name} takes, and the receipt says what"
    asked = {t.entity for t in profile.target_schema.values()}
    assert {n["entity"] for n in made["not_asked"]} == {e.id for e in spec.entities} - asked
    assert receipt.sent_count(made) > 0


def test_the_classes_follow_what_each_field_reads() -> None:
    made = receipt.build(registry.get("powerschool"), load_builtin("oneroster"))
    rows = {(t["target"], r["field"]): r for e in made["entities"] for t in e["targets"] for r in t["sent"]}
    assert rows[("users", "givenName")]["class"] == "personal"
    assert rows[("users", "givenName")]["from"] == ["name.first_name"]
    assert rows[("users", "grades")]["class"] == "structural"
    assert rows[("users", "role")]["from"] == [] and "fixes" in rows[("users", "role")]["note"]
    assert rows[("classes", "location")]["note"] == "this system has no such field, so it is sent blank"
    students = next(e for e in made["entities"] if e["entity"] == "students")
    assert [t["target"] for t in students["targets"]] == ["users", "demographics"]
    assert "name.middle_name" in {n["field"] for n in students["not_sent"]}
    text = receipt.as_text(made)
    assert "givenName: personal (from name.first_name). Why: To show each student by name" in text
    assert "In PowerSchool SIS but not asked for: " in text and "name.middle_name (personal)" in text
    assert "Not asked for at all: " in text and "Contacts (parents and carers)" in text


def test_a_field_set_to_do_not_map_is_not_sent_and_its_source_is_listed_as_not_sent() -> None:
    spec, profile = registry.get("tass"), load_builtin("demo")
    made = receipt.build(spec, profile, {"students": {"preferred_name": {"kind": "skip"}}})
    students = next(e for e in made["entities"] if e["entity"] == "students")
    target = students["targets"][0]
    assert "preferred_name" not in [r["field"] for r in target["sent"]]
    assert target["not_mapped"] == ["preferred_name"]
    assert "general_details.preferred_name" in {n["field"] for n in students["not_sent"]}
    assert "Not sent (set to Do not map): preferred_name" in receipt.as_text(made)


def test_the_receipt_holds_no_record_value(small_school) -> None:
    """Names only: not one value of the synthetic school appears in the receipt of any system."""
    values = {v for p in (*small_school.students[:40], *small_school.contacts[:40], *small_school.staff[:20])
              for v in (p.first_name, p.last_name) if len(v) > 3}
    values |= {getattr(p, "email", "") for p in (*small_school.students[:40], *small_school.staff[:20])} - {""}
    assert len(values) > 40
    for system in registry.SYSTEM_IDS:
        made = receipt.build(registry.get(system), load_builtin("demo"))
        words = json.dumps(made) + receipt.as_text(made)
        found = [v for v in values if v in words]
        assert not found, f"{system}: {found[:3]}"


def head(fields: str) -> str:
    return ('[integrator]\nname = "T"\nsupport_email = "t@t.example"\n[targets.students]\nentity = "students"\n'
            f"fields = [{fields}]\n")


@pytest.mark.parametrize(("fields", "words"), [
    ('{ name = "sourcedId", concept = "student.id" }', "is missing: say in one sentence why you need 'sourcedId'"),
    ('{ name = "sourcedId", concept = "student.id", purpose = "  " }', "must be a sentence in quotes saying why"),
    ('{ name = "sourcedId", concept = "student.id", purpose = 3 }', "must be a sentence in quotes saying why"),
    ('{ name = "sourcedId", concept = "student.id", purpose = "' + "x" * 201 + '" }', "in at most 200"),
    ('{ name = "sourcedId", concept = "student.id", purpose = "one\\ntwo" }', "must be one line of plain text"),
])
def test_a_field_without_a_plain_purpose_is_refused_naming_the_field(fields: str, words: str) -> None:
    with pytest.raises(ProfileError) as err:
        parse(head(fields), "t", "t.toml")
    assert err.value.path == "targets.students.fields[0].purpose"
    assert words in err.value.problem
    assert "sourcedId" in str(err.value)


def test_a_wrong_concept_is_reported_before_a_missing_purpose() -> None:
    with pytest.raises(ProfileError) as err:
        parse(head('{ name = "a", concept = "student.dob" }'), "t", "t.toml")
    assert err.value.path == "targets.students.fields[0].concept"


def test_every_built_in_profile_gives_every_field_a_purpose() -> None:
    from mis_wizard.wizard.profile import builtin_names

    for name in builtin_names():
        profile = load_builtin(name, check_mapping=True)
        for target in profile.target_schema.values():
            for f in target.fields:
                assert f.purpose and f.purpose[0].isupper() and len(f.purpose) <= 200, (name, target.name, f.name)


def test_the_bundle_from_the_cli_holds_the_receipt_and_opens_with_the_key(tmp_path: Path, capsys) -> None:
    key = tmp_path / "integrator.key"
    public = bundle.generate_identity(key)
    creds = tmp_path / "creds.json"
    creds.write_text(json.dumps(CREDS), encoding="utf-8")
    out = tmp_path / "school.age"
    assert main(["bundle", "create", "liss", "--credentials", str(creds), "--profile", "oneroster",
                 "--recipient", public, "--out", str(out)]) == 0
    assert b"receipt" not in out.read_bytes(), "the receipt is inside the encryption"
    plain = pyrage.decrypt(out.read_bytes(), [bundle.read_identity(key)])
    with zipfile.ZipFile(io.BytesIO(plain)) as zf:
        assert sorted(zf.namelist()) == sorted(bundle.WRITTEN)
        inside = json.loads(zf.read("receipt.json"))
        text = zf.read("receipt.txt").decode("utf-8")
    assert inside == receipt.build(registry.get("liss"), load_builtin("oneroster"))
    assert text.startswith("What leaves the school: Generic LISS server (Timetable Daily) to OneRoster Consumer")
    for secret in (SECRET, CREDS["username"]):
        assert secret not in text and secret not in json.dumps(inside)
    capsys.readouterr()
    assert main(["bundle", "open", str(out), "--identity", str(key), "--json", "--out", str(tmp_path / "o")]) == 0
    assert json.loads(capsys.readouterr().out)["receipt"] == inside
    assert (tmp_path / "o" / "receipt.txt").read_text(encoding="utf-8") == text
    assert json.loads((tmp_path / "o" / "receipt.json").read_text(encoding="utf-8")) == inside


def test_a_bundle_made_before_the_receipt_still_opens(tmp_path: Path) -> None:
    key = tmp_path / "integrator.key"
    public = bundle.generate_identity(key)
    path = bundle_of_version(tmp_path / "old.age", public, 1)
    opened = bundle.open_bundle(path, key)
    assert opened.receipt == {} and opened.receipt_text == ""
    written = bundle.write_opened(opened, tmp_path / "o")
    assert sorted(p.name for p in written) == sorted(bundle.MEMBERS)


def test_a_mapping_rule_that_cannot_be_read_stops_the_bundle_with_a_plain_message(tmp_path: Path) -> None:
    from mis_wizard.wizard.subject import from_credentials

    subject = from_credentials("liss", dict(CREDS), load_builtin("demo"))
    subject.mapping = {"students": {"first_name": {"kind": "guess"}}}
    public = bundle.generate_identity(tmp_path / "integrator.key")
    with pytest.raises(bundle.BundleError) as err:
        bundle.create(subject, tmp_path / "school.age", [public])
    assert err.value.code == "bundle.mapping_unreadable" and "Map the fields" in str(err.value)
    assert not (tmp_path / "school.age").exists()
