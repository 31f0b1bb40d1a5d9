"""Every real PowerSchool payload in shared/fixtures parses with our wire readers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mis_wizard.vendors.powerschool import wire

FIXTURES = Path(__file__).resolve().parents[4] / "shared" / "fixtures" / "powerschool"
FILES = sorted(p.relative_to(FIXTURES).as_posix() for p in FIXTURES.rglob("*.json"))


def test_fixtures_are_there():
    assert len(FILES) >= 9


@pytest.mark.parametrize("name", FILES)
def test_fixture_parses(name: str):
    body = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    if name.startswith("ws_schema/"):
        records = wire.schema_records(body)
        assert records and all("_name" not in r and r.get("dcid") for r in records)
    elif name.endswith("resource.count.json"):
        assert wire.count(body) == 20
    elif name.endswith("student.by-dcid.expansions-extensions.json"):
        flat = wire.flatten(body)
        assert flat["id"] == 1051 and flat["name.first_name"] == "Mickey"
        assert flat["school_enrollment.grade_level"] == 10 and "_extension_data" not in flat
    elif name.endswith("student.post.update-success.json"):
        assert wire.flatten(body)["results.result.status"] == "SUCCESS"
    else:
        plural = next(iter(body))
        records = [wire.flatten(r) for r in wire.collection(body, plural, plural[:-1])]
        assert records and all("id" in r for r in records)


def test_single_record_object_and_empty_shapes():
    one = {"students": {"@expansions": "demographics", "student": {"id": 1, "name": {"first_name": "A"}}}}
    assert wire.collection(one, "students", "student") == [{"id": 1, "name": {"first_name": "A"}}]
    for empty in ({"students": None}, {"students": ""}, {}, {"students": {"@expansions": "x"}}):
        assert wire.collection(empty, "students", "student") == []
    with pytest.raises(ValueError):
        wire.collection("<html>", "students", "student")
    assert wire.count({"count": 3}) == 3
