"""Every entity streams from the LISS server emulator with the synthetic school's counts."""

from __future__ import annotations

import asyncio

import pytest

from mis_wizard.vendors.base import Context
from mis_wizard.vendors.errors import VendorError
from mis_wizard.vendors.liss import SPEC
from mis_wizard.vendors.liss.sandbox import LissEmulator
from mis_wizard.vendors.sandbox.school import CYCLE_DAYS, PERIODS
from mis_wizard.wizard.http import build_client


def stream(credentials: dict, entity: str) -> tuple[list[dict], list[tuple[str, int]]]:
    pages: list[tuple[str, int]] = []

    async def go() -> list[dict]:
        async with build_client(backoff=0.01) as http:
            ctx = Context(http, on_page=lambda e, n: pages.append((e, n)))
            return [r async for r in SPEC.connector().stream(ctx, credentials, SPEC.requirements(), entity)]

    return asyncio.run(go()), pages


def expected_counts(school) -> dict[str, int]:
    current = {s.id for s in school.current_students()}
    return {
        "students": len(current),
        "staff": sum(1 for t in school.staff if t.teaching and t.status == "current"),
        "terms": len(school.terms),
        "classes": len(school.classes) + len(school.reg_groups),
        "class_memberships": sum(1 for _, sid in school.memberships if sid in current) + len(current),
        "timetable": len(school.lessons),
        "bell_times": CYCLE_DAYS * (len(PERIODS) + 2),
        "calendar": len(school.calendar),
    }


@pytest.mark.parametrize("entity", [e.id for e in SPEC.entities])
def test_entity_streams_with_the_school_count(sandbox, small_school, entity: str) -> None:
    hosted = sandbox.add(LissEmulator(small_school))
    rows, pages = stream(hosted.emulator.credentials(hosted.base_url), entity)
    assert len(rows) == expected_counts(small_school)[entity]
    assert pages == [(entity, len(rows))]
    declared = {f.name for f in SPEC.entity(entity).fields}
    assert set(rows[0]) <= declared


def test_class_codes_carry_a_space_and_roll_classes_are_typed(sandbox, small_school) -> None:
    hosted = sandbox.add(LissEmulator(small_school))
    rows, _ = stream(hosted.emulator.credentials(hosted.base_url), "classes")
    assert any(r["ClassCode"] == "7MAT1 1" for r in rows)
    assert {r["Type"] for r in rows} == {"", "ExtraCurricular", "RollClass"}


def test_refused_login_raises_with_its_code(sandbox, small_school) -> None:
    hosted = sandbox.add(LissEmulator(small_school))
    credentials = hosted.emulator.scenarios(hosted.base_url)["wrong_password"].credentials
    with pytest.raises(VendorError) as error:
        stream(credentials, "students")
    assert error.value.code == "liss.password_rejected"
    assert credentials["password"] not in str(error.value)
