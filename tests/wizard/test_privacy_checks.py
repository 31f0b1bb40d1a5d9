"""The check results (shown on the check page in screen-share safe mode and copied into the
support report) name no student, contact or staff member of the synthetic school, for every
system, read live from its emulator."""

from __future__ import annotations

import asyncio
import re

import pytest

from mis_wizard.vendors import registry
from mis_wizard.vendors.base import Context, Status
from mis_wizard.wizard import checks
from mis_wizard.wizard.http import build_client


def personal_values(school) -> set[str]:
    out: set[str] = set()
    for s in school.students:
        out |= {s.id, s.code, s.first_name, s.last_name, s.email, s.birth_date.isoformat()}
    for c in school.contacts:
        out |= {c.id, c.first_name, c.last_name, c.email, c.mobile}
    for p in school.staff:
        out |= {p.id, p.code, p.first_name, p.last_name, p.email}
    return {v for v in out if v and len(v) >= 3}


SYSTEMS = [s for s in registry.SYSTEM_IDS if registry.get(s).emulator and registry.get(s).connector]


@pytest.mark.parametrize("system", SYSTEMS)
def test_check_results_name_no_person(system, sandbox, small_school):
    spec = registry.get(system)
    hosted = sandbox.add(spec.emulator(small_school))
    credentials = hosted.emulator.credentials(hosted.base_url)

    students = spec.entity("students")

    async def go() -> tuple[list, set[str]]:
        async with build_client(backoff=0.01) as http:
            ctx = Context(http=http)
            results = [r async for r in checks.run(spec, ctx, credentials, spec.requirements())]
            wire_ids: set[str] = set()
            async for raw in spec.connector().stream(ctx, credentials, spec.requirements(), "students"):
                wire_ids.add(str(raw.get(students.id_field) or ""))
                if len(wire_ids) > 200:
                    break
            return results, wire_ids

    results, wire_ids = asyncio.run(go())
    assert any(r.status is Status.OK for r in results), [r.message for r in results]
    personal = personal_values(small_school) | {i for i in wire_ids if len(i) >= 3}
    assert wire_ids - {""}, "the system's own student ids are read, to look for them too"
    for r in results:
        for text in (r.message, r.detail, r.remedy, r.check):
            words = set(re.split(r"[\s,;:()'\"=/]+", text)) | {text}
            assert not words & personal, f"{system} {r.code}: {text}"
