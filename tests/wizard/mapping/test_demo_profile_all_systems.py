"""The demo profile asks for everything, so every system keeps most of its school through it.

What its filters drop must be the school's own quirks (a student in no class, a contact with no
e-mail), never one system's words for a class kind or a field it does not keep. This reads each
system's emulator over the sandbox and runs the sync's pull and shape with the demo profile.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from mis_wizard.vendors import registry
from mis_wizard.vendors.base import Context
from mis_wizard.vendors.sandbox.kit import Sandbox
from mis_wizard.wizard.http import build_client
from mis_wizard.wizard.profile import load_builtin
from mis_wizard.wizard.subject import from_credentials
from mis_wizard.wizard.sync import engine
from mis_wizard.wizard.sync.report import RunReport

MAJORITY = ("students", "staff", "classes", "class_memberships")
QUIRKS = {"in no class", "teaches no class", "no students", "blank title", "no linked student",
          "no e-mail address", "e-mail address shared with another record", "no parental responsibility",
          "same id as another record"}
"""Reasons the synthetic school gives the demo filters (and the sync) to drop a record."""


def synced(box: Sandbox, system: str) -> tuple[dict[str, list[Any]], RunReport, Any]:
    creds = box.describe()["systems"][system]["credentials"]
    subject = from_credentials(system, creds, load_builtin("demo"))
    report = RunReport(system=system, sink="test")

    async def pull() -> dict[str, list[Any]]:
        async with build_client(backoff=0.01) as http:
            return await engine.pull(subject, Context(http=http), engine.entities_for(subject, []), report)

    dataset = asyncio.run(pull())
    return dataset, report, engine.shape(subject, dataset, report)


@pytest.fixture(scope="module")
def runs(small_school) -> dict[str, tuple[dict[str, list[Any]], RunReport, Any]]:
    with Sandbox() as box:
        for spec in registry.all_specs():
            box.add(spec.emulator(small_school))
        return {system: synced(box, system) for system in registry.SYSTEM_IDS}


@pytest.mark.parametrize("system", registry.SYSTEM_IDS)
def test_every_system_keeps_most_of_the_school(runs, small_school, system: str) -> None:
    dataset, _, output = runs[system]
    for entity in MAJORITY:
        pulled = len(dataset.get(entity, []))
        assert pulled, f"{system} read no {entity}"
        kept = len(output.tables.get(entity, []))
        if entity == "staff":  # the office staff teach no class; every class's teacher stays
            assert kept >= len({c.main_teacher_id for c in small_school.classes}), f"{system}: kept {kept} staff"
        else:
            assert kept >= 0.9 * pulled, f"{system} {entity}: kept {kept} of {pulled}"


@pytest.mark.parametrize("system", registry.SYSTEM_IDS)
def test_contacts_are_dropped_for_their_own_gaps_only(runs, small_school, system: str) -> None:
    dataset, report, _ = runs[system]
    if "contacts" not in dataset:
        return
    untitled = sum(not c.title for c in small_school.contacts)
    blank_titles = report.table("contacts").excluded.get("blank title", 0)
    assert blank_titles <= untitled + 2, f"{system}: {blank_titles} contacts dropped for a blank title"


@pytest.mark.parametrize("system", registry.SYSTEM_IDS)
def test_contacts_are_people_and_most_of_them_stay(runs, small_school, system: str) -> None:
    """A contact is a person, however the system stores them (Aeries: a row per student; Qmlativ:
    one Names table for students, staff and guardians), so few are left for the filters to drop."""
    dataset, _, output = runs[system]
    if "contacts" not in dataset:
        return
    people = len(small_school.contacts) + sum(c.combined for c in small_school.contacts)
    pulled, kept = len(dataset["contacts"]), len(output.tables.get("contacts", []))
    assert pulled <= people, f"{system}: {pulled} contacts for {people} people"
    assert kept >= 0.8 * pulled, f"{system} contacts: kept {kept} of {pulled}"


@pytest.mark.parametrize("system", registry.SYSTEM_IDS)
def test_what_the_demo_drops_is_the_schools_own_quirks(runs, system: str) -> None:
    _, report, _ = runs[system]
    reasons = {reason for f in report.filters for reason in f["reasons"] if f["dropped"]}
    reasons |= {reason for table in report.tables.values() for reason in table.excluded}
    assert reasons <= QUIRKS, f"{system}: {sorted(reasons - QUIRKS)}"
