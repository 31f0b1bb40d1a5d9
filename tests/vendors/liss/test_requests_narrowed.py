"""A sync asks a LISS server only for what the receipt lists (issue 21).

LISS calls take positional parameters and answer whole records, with no field list (liss.md,
Endpoints / methods), so the narrowing LISS allows is by method: each entity is read by its own
``liss.get…`` alone (plus the timetable structures its dates come from), and the fields are
dropped by the mapper after reading. Every wanted field still comes out of the stream.
"""

from __future__ import annotations

import json

import httpx

STRUCTURES = "liss.getTimetableStructures"
METHODS = {
    "students": {"liss.getStudents"},
    "staff": {"liss.getTeachers"},
    "classes": {"liss.getClasses"},
    "class_memberships": {"liss.getClassMemberships"},
    "terms": {STRUCTURES},
    "bell_times": {STRUCTURES, "liss.getBellTimes"},
    "timetable": {STRUCTURES, "liss.getTimetable"},
    "calendar": {STRUCTURES, "liss.getCalendar"},
}
"""The documented read for each entity (liss.md), and the structures its dates come from."""


def _method(request: httpx.Request) -> str:
    return str(json.loads(request.content)["method"])


def test_each_entity_asks_only_for_its_own_read_and_keeps_every_wanted_field(requests_seen) -> None:
    liss = requests_seen("liss")
    streamed = liss.stream(liss.receipt())
    assert {"students", "classes", "timetable"} <= set(streamed.fields) <= set(METHODS)
    streamed.assert_each_asks_only(METHODS, lambda r: {_method(r)})
    asked_at_all = {_method(r) for requests in streamed.requests.values() for r in requests}
    assert asked_at_all == set().union(*(METHODS[e] for e in streamed.fields)), "nothing read that is not streamed"


def test_a_field_set_to_do_not_map_changes_no_request_as_liss_names_no_fields(requests_seen) -> None:
    def call(request: httpx.Request) -> tuple[str, list[object]]:  # without the auth object
        body = json.loads(request.content)
        return body["method"], body["params"][1:]

    requests_seen("liss").skipping_changes_no_request("students", "preferred_name", call)
