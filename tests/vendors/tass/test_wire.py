"""TASS's token crypto, answer shapes and dates, against the vendor's vectors and fixtures."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from mis_wizard.vendors.tass import records, wire
from mis_wizard.vendors.tass.wire import ReplyKind

FIXTURES = Path(__file__).resolve().parents[3].parent / "shared" / "fixtures" / "tass"
FILES = sorted(FIXTURES.rglob("*.json"))
ZERO_KEY = "AAECAwQFBgcICQoLDA0ODw=="


def test_official_vector() -> None:
    token = wire.encrypt('{"include_label":"true"}', "+TG1ZTqy0hTu5h0KMhCP0A==")
    assert token == "96yfUt3jgAIYx0o7i3tjprnBpotNO3Md/yv+eToJ8qo="


@pytest.mark.parametrize(("plain", "token"), [
    ('{"currentstatus":"current"}', "xJEATS+yAEjTSlA6I4u4EwNOF+OL6C6q/Hcqt5qXrgc="),
    ("{}", "XjROMe16mC4WGbUXWRQLQA=="),
])
def test_constructed_vectors_round_trip(plain: str, token: str) -> None:
    assert wire.encrypt(plain, ZERO_KEY) == token
    assert wire.decrypt(token, ZERO_KEY) == plain


def test_wrong_key_fails_like_tass_log() -> None:
    with pytest.raises(wire.TokenError, match="final block"):
        wire.decrypt("96yfUt3jgAIYx0o7i3tjprnBpotNO3Md/yv+eToJ8qo=", ZERO_KEY)


@pytest.mark.parametrize("key", ["not base64!", "AAECAwQFBgcICQoL", ""])
def test_token_key_must_be_16_bytes_of_base64(key: str) -> None:
    with pytest.raises(wire.TokenError):
        wire.token_key_bytes(key)


def test_v1_sends_a_query_string_and_v3_json() -> None:
    assert wire.params_text({"a": "1", "b": "x y"}, "1") == "a=1&b=x+y"
    assert wire.params_text({"a": "1"}, "3") == '{"a":"1"}'
    assert wire.parse_params("a=1&b=x+y", "1") == {"a": "1", "b": "x y"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_every_fixture_parses(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    status = 401 if "http401" in path.name else 200
    reply = wire.parse_reply(status, text)
    if ".success" in path.name:
        assert reply.kind is ReplyKind.OK
        body = json.loads(text)
        data_key = next((k for k in body if not k.startswith("__") and k != "token"), None)
        rows = records.records(reply.body, data_key if isinstance(body.get(data_key), list) else None)
        assert rows
    elif "security-role" in path.name:
        assert reply.kind is ReplyKind.ROLE_REFUSED
    elif "http401" in path.name:
        assert reply.kind is ReplyKind.UNAUTHORIZED
    else:
        assert reply.kind is ReplyKind.INVALID and reply.message


def test_iis_page_with_trailing_json_is_read() -> None:
    fixture = (FIXTURES / "errors/http401.unauthorized.trailing-json.json").read_text()
    page = "<html><body><h2>401 - Unauthorized: Access is denied due to invalid credentials.</h2></body></html>\r\n"
    reply = wire.parse_reply(401, page + fixture)
    assert reply.kind is ReplyKind.UNAUTHORIZED
    assert reply.body["__msg"] == "Unauthorized"


def test_keys_are_kept_exactly_including_the_trailing_space() -> None:
    body = wire.parse_reply(200, (FIXTURES / "student-details/getStudentsDetails.v3.success.json").read_text()).body
    flat = records.flatten(body["students"][0])
    assert flat["general_details.multipar_flg "] == "Y"
    assert wire.tass_date(flat["general_details.date_of_birth"]) == dt.date(1994, 9, 2)


def test_teacher_photo_is_dropped_when_flattened() -> None:
    body = json.loads((FIXTURES / "lms-integration/getTeachers.v3.success.json").read_text())
    flat = records.flatten(body["teachers"][0])
    assert flat["teacher_code"] == "NA1" and not any(k.startswith("teacher_photo") for k in flat)


def test_subjects_keyed_by_code_are_joined() -> None:
    body = {"0009112": [{"sub_code": "0080", "year_grp": 10, "class": "A"}], "__tassversion": "x",
            "token": {"code": "all"}}
    rows = records.records(body, None)
    assert rows == [{"sub_code": "0080", "year_grp": 10, "class": "A"}]
    assert records.class_key(rows[0]) == "0080/10/A"


@pytest.mark.parametrize(("value", "day"), [
    ("02/05/2010", dt.date(2010, 5, 2)),
    ("2019-07-05 00:00:00.0", dt.date(2019, 7, 5)),
    ("{ts '2024-03-01 09:00:00'}", dt.date(2024, 3, 1)),
    ("25/03/2021 04:37:50 PM", dt.date(2021, 3, 25)),
    ("", None),
    ("31/02/2020", None),
])
def test_tass_dates(value: str, day: dt.date | None) -> None:
    assert wire.tass_date(value) == day


@pytest.mark.parametrize(("status", "text", "words"), [
    (200, '{"code": "Student Code is invalid."}', "Student Code is invalid."),
    (400, '{"currentstatus": "field is required"}', "field is required"),
    (200, '{"error": "studcode is required."}', "studcode is required."),
    (400, '{"error": "studcode is required."}', "studcode is required."),
    (200, (FIXTURES / "lms-integration/getCampuses.error.codeonly-required.json").read_text(), "IS REQUIRED"),
])
def test_bare_member_and_plain_error_replies_keep_the_schools_message(status: int, text: str, words: str) -> None:
    """tass.md: medical/notes methods answer ``"error": "studcode is required."``; the vendor docs show
    parameter messages as bare members; neither is "not a TASS reply"."""
    reply = wire.parse_reply(status, text)
    assert reply.kind is ReplyKind.INVALID
    assert words in reply.message


def test_a_data_answer_is_not_taken_for_bare_members() -> None:
    text = (FIXTURES / "lms-integration/getCampuses.v3.success.json").read_text()
    assert wire.parse_reply(200, text).kind is ReplyKind.OK
    assert wire.parse_reply(404, '{"message": ["x"]}').kind is ReplyKind.NOT_TASS
    assert wire.parse_reply(404, '{"error": "Not Found"}').kind is ReplyKind.NOT_TASS


def test_http_501_is_read_as_access_misconfigured() -> None:
    reply = wire.parse_reply(501, "Header values specify a method that is not implemented.")
    assert reply.kind is ReplyKind.ACCESS_MISCONFIGURED
