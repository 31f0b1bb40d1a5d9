"""Every captured LISS payload reads with our parser; dates are read as leniently as servers write them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from mis_wizard.vendors.liss import wire
from mis_wizard.vendors.liss.receiver_protocol import publish_from

FIXTURES = Path(__file__).resolve().parents[3].parent / "shared" / "fixtures" / "liss"
FILES = sorted(p for p in FIXTURES.rglob("*") if p.is_file() and p.name != "SOURCES.md")


def test_fixtures_are_present() -> None:
    assert len(FILES) >= 13


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_fixture_parses(path: Path) -> None:
    body = path.read_bytes()
    if path.name.endswith((".request.json", ".methodCall.xml")):
        call = wire.decode_call(body)
        assert call.method.startswith("liss.")
        if call.name != "hello":
            assert call.params[0]["LissVersion"] == 10002
        if call.name.startswith("publish"):
            publish = publish_from(call)
            assert publish is not None and publish.rows
    elif path.name.startswith("error"):
        with pytest.raises(wire.LissFault) as fault:
            wire.decode_response(body)
        assert fault.value.text == "The student ABC123 does not exist"
    else:
        result = wire.decode_response(body)
        assert result == "" or isinstance(result, dict | list)


def test_edval_xml_bell_times_keep_the_structure_and_rows() -> None:
    call = wire.decode_call((FIXTURES / "xmlrpc" / "edval.publishBellTimes.methodCall.xml").read_bytes())
    publish = publish_from(call)
    assert call.flavour is wire.Flavour.XML and publish is not None
    assert publish.args == ["main"] and publish.user_agent == "web.edval"
    assert [r["Period"] for r in publish.rows][:3] == ["1", "2", "R"]
    assert publish.rows[-1]["DayNumber"] == 10


@pytest.mark.parametrize("text, day", [
    ("20201031T00:00:00", dt.date(2020, 10, 31)),
    ("20201031T0:00:00", dt.date(2020, 10, 31)),
    ("2020-10-31", dt.date(2020, 10, 31)),
    ("2020-10-31T08:50:00", dt.date(2020, 10, 31)),
    ("31/10/2020", dt.date(2020, 10, 31)),
    ("C3", None),
    (29, None),
    ("20201331T00:00:00", None),
])
def test_lenient_dates(text: object, day: dt.date | None) -> None:
    assert wire.parse_date(text) == day


@pytest.mark.parametrize("body, text", [
    (b'{"error": "Invalid Authentication Object"}', "Invalid Authentication Object"),
    (b'{"error": {"faultCode": 1, "faultString": "Username or password incorrect"}, "id": 2}',
     "Username or password incorrect"),
    (b'{"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": 3}', "Method not found"),
])
def test_errors_as_string_or_object(body: bytes, text: str) -> None:
    with pytest.raises(wire.LissFault) as fault:
        wire.decode_response(body)
    assert fault.value.text == text


def test_calls_with_and_without_jsonrpc_member_echo_their_id() -> None:
    for jsonrpc in (True, False):
        call = wire.decode_call(wire.request_body("liss.hello", [], 41, jsonrpc=jsonrpc))
        body, _ = wire.encode_result(call, {"SIS": "x"})
        assert wire.decode_response(body) == {"SIS": "x"}
        assert (b'"jsonrpc"' in body) is jsonrpc and b'"id":41' in body


def test_web_page_and_garbled_answers_are_told_apart() -> None:
    with pytest.raises(wire.WireError) as page:
        wire.decode_response(b"<!DOCTYPE html><html></html>")
    with pytest.raises(wire.WireError) as garbled:
        wire.decode_response(b'{"result": [1, 2\x00<<garbled>>{')
    assert not page.value.garbled and garbled.value.garbled
