"""A sync asks Integris Datashare only for what the receipt lists (issue 21).

Which fields Datashare sends is the school's choice on the integrator's tile (integris.md: the
admin Edits each permission area); no source shows a request naming fields, and the wire format
is our constructed contract (wire.py), so no field list is sent. The narrowing is by object: each
entity reads its own Datashare object (plus contacts, when combined contacts are split for the
links), and the fields are dropped by the mapper after reading.
"""

from __future__ import annotations

import httpx

from mis_wizard.vendors.integris.wire import RESOURCE_PATH, TOKEN_PATH

OBJECTS = {
    "students": {"students"},
    "contacts": {"contacts"},
    "contact_links": {"contactLinks", "contacts"},  # contacts tell which links to split (records.py)
    "staff": {"teachers"},
    "classes": {"classes"},
    "class_memberships": {"classes"},
    "groups": {"groups"},
    "group_memberships": {"groups"},
}
"""The Datashare object each entity is read from (integris.md's six objects)."""


def _objects(request: httpx.Request) -> set[str]:
    """The object a request reads (none for the sign-in)."""
    if request.method == "POST":
        assert request.url.path == TOKEN_PATH
        return set()
    prefix = RESOURCE_PATH.format(school_id="", resource="").rstrip("/")
    assert request.method == "GET" and request.url.path.startswith(prefix), request.url.path
    return {request.url.path.rsplit("/", 1)[-1]}


def test_each_entity_reads_only_its_own_object_and_keeps_every_wanted_field(requests_seen) -> None:
    integris = requests_seen("integris")
    streamed = integris.stream(integris.receipt())
    assert {"students", "contacts", "contact_links", "classes"} <= set(streamed.fields) <= set(OBJECTS)
    streamed.assert_each_asks_only(OBJECTS, _objects)


def test_a_field_set_to_do_not_map_changes_no_request_as_datashare_takes_no_field_list(requests_seen) -> None:
    requests_seen("integris").skipping_changes_no_request(
        "students", "birth_date", lambda r: (r.url.path, str(r.url.params)) if r.method == "GET" else r.method)
