"""Every recorded iSAMS reply parses, as XML and as the JSON the emulator serves for it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mis_wizard.vendors.isams.records import READERS
from mis_wizard.vendors.isams.sandbox import _read_filters, message_document
from mis_wizard.vendors.isams.wire import (
    METHODS,
    as_list,
    dataset_counts,
    document_tree,
    items,
    parse_document,
    parse_message,
    parse_xml,
)

FIXTURES = Path(__file__).resolve().parents[3].parent / "shared" / "fixtures" / "isams"
BATCH = sorted((FIXTURES / "batch").glob("*.xml"))
ERRORS = sorted((FIXTURES / "errors").glob("*.xml"))


def as_json(body: bytes, single_item_objects: bool = True) -> bytes:
    """The json.ashx form of an XML reply, by the same rules the emulator serves."""
    return json.dumps(document_tree(parse_xml(body), single_item_objects=single_item_objects)).encode()


def all_records(tree) -> dict[str, list]:
    return {entity: list(reader.read(tree)) for entity, reader in READERS.items()}


@pytest.mark.parametrize("path", BATCH, ids=lambda p: p.name)
@pytest.mark.parametrize("single_item_objects", [True, False], ids=["one-item-object", "arrays"])
def test_batch_fixture_parses_as_xml_and_json(path: Path, single_item_objects: bool) -> None:
    body = path.read_bytes()
    from_xml = parse_document(body)
    from_json = parse_document(as_json(body, single_item_objects))
    counts = dataset_counts(body)
    assert counts and counts == dataset_counts(as_json(body, single_item_objects))
    assert all(m in METHODS for m in counts), counts
    for name, count in counts.items():
        assert len(items(from_xml, METHODS[name])) == len(items(from_json, METHODS[name])) == count > 0
    assert all_records(from_xml) == all_records(from_json)


def test_pupil_fixture_fields_are_read() -> None:
    tree = parse_document((FIXTURES / "batch/Pupil_GetCurrentPupils.xml").read_bytes())
    [pupil] = READERS["students"].read(tree)
    assert pupil["SchoolId"] == "4733683260"
    assert pupil["@Id"] == "710"
    assert pupil["Preferredname"] == "Fauxa"
    assert pupil["NCYear"] == "10"


def test_combined_fixture_reads_every_module() -> None:
    tree = parse_document((FIXTURES / "batch/combined_HR_Teaching_Pupil_School.xml").read_bytes())
    records = all_records(tree)
    assert len(records["staff"]) == 3
    assert len(records["students"]) == 2
    assert [c["PrimaryTeacherId"] for c in records["classes"]] == ["1", "1", "1"]
    assert records["classes"][0]["TeacherIds"] == "1,2"
    assert records["class_memberships"][1] == {"@Id": "2", "@SetId": "1", "@PupilId": "2",
                                               "SchoolId": "1359077297161"}
    assert {g["Name"] for g in records["groups"]} == {"Blue", "Green"}


def test_json_quirks_are_normalised() -> None:
    body = (b'{"iSAMS":{"PupilManager":{"Contacts":{"Contact":{"@Id":"88","Forename":"Tom",'
            b'"Pupils":{"Pupil":{"Status":"Current","SchoolId":{"@Legacy":"True","#text":"4733683260"}}}}}}}}')
    tree = parse_document(body)
    assert list(READERS["contacts"].read(tree))[0]["@Id"] == "88"
    [link] = READERS["contact_links"].read(tree)
    assert link["ContactId"] == "88" and link["SchoolId"] == "4733683260"
    assert as_list(None) == [] and as_list({"a": 1}) == [{"a": 1}]


@pytest.mark.parametrize("path", ERRORS, ids=lambda p: p.name)
def test_error_fixture_parses_despite_its_utf16_declaration(path: Path) -> None:
    body = path.read_bytes()
    assert b'encoding="utf-16"' in body
    message = parse_message(body)
    assert message is not None and message.message_id == path.stem.replace("MethodsNotAllocatedToKey",
                                                                            "MethodsNotAllocatedToKeyException")
    assert parse_message(as_json(body)) == message


def test_truly_utf16_error_body_parses() -> None:
    body = (FIXTURES / "errors/InvalidApiKey.xml").read_text(encoding="utf-8").encode("utf-16")
    message = parse_message(body)
    assert message is not None and message.message_id == "InvalidApiKey"


def test_methods_not_allocated_names_its_methods() -> None:
    message = parse_message((FIXTURES / "errors/MethodsNotAllocatedToKey.xml").read_bytes())
    assert message is not None and message.methods_named() == ["schoolreports_getrecords"]


def test_emulator_error_documents_match_the_fixture_shape() -> None:
    ours = parse_message(message_document("InvalidApiKey", "Invalid API Key", "The API key is invalid."))
    assert ours is not None and ours.message_id == "InvalidApiKey"


def test_request_fixture_is_read_by_the_emulator() -> None:
    wanted, contact_types = _read_filters((FIXTURES / "requests/Filters_MethodsToRun.xml").read_bytes())
    assert wanted == ["SchoolReports_GetReports", "Pupil_GetApplicants"]
    assert contact_types == ""


def test_malformed_reply_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_document(b"<iSAMS><PupilManager>\x00<<garbled>>{")
