"""A sync asks TASS only for what the receipt lists (issue 21).

The API Gateway's methods take no field list (tass.md: each method answers whole records, and
redtrinity/tassapi shows no ``$select`` for the Endpoint Maintenance API), so the narrowing TASS
allows is by method: each entity is read by its own method alone, and the fields are dropped by
the mapper after reading. Every wanted field still comes out of the stream.
"""

from __future__ import annotations

import urllib.parse

import httpx

METHODS = {
    "students": {"getStudents"},
    "staff": {"getTeachers"},
    "classes": {"getTeacherSubjects"},
    "class_memberships": {"getStudentSubjects"},
    "timetable": {"getTimetables"},
    "calendar": {"getTimetableCalendar", "getTimetables"},  # the timetable's id comes from getTimetables
}
"""The documented method for each entity (tass.md, Endpoints / methods), and what it is derived from."""


def _method(request: httpx.Request) -> str:
    if request.method == "POST":
        return dict(urllib.parse.parse_qsl(request.content.decode())).get("method", "")
    return request.url.params.get("method", "")


def test_each_entity_asks_only_for_its_own_method_and_keeps_every_wanted_field(requests_seen) -> None:
    tass = requests_seen("tass")
    streamed = tass.stream(tass.receipt())
    assert set(streamed.fields) == set(METHODS), "the demo profile reads every TASS entity"
    streamed.assert_each_asks_only(METHODS, lambda r: {_method(r)})
    derived = [_method(r) for r in streamed.requests["calendar"]]
    assert derived == ["getTimetables", "getTimetableCalendar"], "one period gives the timetable's id"


def test_a_field_set_to_do_not_map_changes_no_request_as_tass_names_no_fields(requests_seen) -> None:
    """TASS cannot be asked for fewer fields: Do not map leaves the requests as they were (the mapper
    drops the field), and the field is no longer among those the sync needs."""
    requests_seen("tass").skipping_changes_no_request(
        "students", "preferred_name", lambda r: (r.method, r.url.raw_path, r.content))
