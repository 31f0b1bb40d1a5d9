"""A sync asks iSAMS only for what the receipt lists (issue 21).

A Batch request names the methods to run (``<Filters><MethodsToRun>``, isams.md) but no fields:
each method answers whole datasets. So each entity is read with its own methods named, never a
request without ``MethodsToRun`` (that runs every method the key has), and no REST call unless
registration is read; the fields are dropped by the mapper after reading.
"""

from __future__ import annotations

import defusedxml.ElementTree as SafeET
import httpx

from mis_wizard.vendors.isams.wire import BATCH_PATH

METHODS = {
    "students": {"Pupil_GetCurrentPupils"},
    "contacts": {"Pupil_GetContacts"},
    "contact_links": {"Pupil_GetContacts"},
    "staff": {"HumanResources_GetCurrentStaff"},
    "groups": {"School_GetSchoolForms", "School_GetAllYears", "School_GetAcademicHouses", "School_GetBoardingHouses"},
    "classes": {"Teaching_GetSets"},
    "class_memberships": {"Teaching_GetSetLists"},
}
"""The batch methods each entity is read from (isams.md; the groups come from forms, years and houses)."""


def _methods(request: httpx.Request) -> set[str]:
    assert request.method == "POST" and request.url.path == BATCH_PATH.format(fmt="xml"), request.url.path
    named = SafeET.fromstring(request.content).findall("MethodsToRun/Method")
    assert named, "a Batch request without MethodsToRun runs every method on the key"
    return {(m.text or "").strip() for m in named}


def test_each_entity_names_only_its_own_methods_and_keeps_every_wanted_field(requests_seen) -> None:
    isams = requests_seen("isams")
    streamed = isams.stream(isams.receipt())
    assert set(streamed.fields) == set(METHODS), "the demo profile reads every Batch entity, no registers"
    streamed.assert_each_asks_only(METHODS, _methods)


def test_a_field_set_to_do_not_map_changes_no_request_as_isams_names_no_fields(requests_seen) -> None:
    requests_seen("isams").skipping_changes_no_request("students", "preferred_name", lambda r: r.content)
