"""How Qmlativ records of each entity are read: guardians and students joined from several objects.

Guardians are the Names some student's StudentGuardian row points at, with their first-ranked
e-mail; students are Student/Student rows with their Name's fields and latest enrolment.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from mis_wizard.vendors.base import Record
from mis_wizard.vendors.qmlativ.requirements import EMAILS, ENROLMENTS, JOIN_SOURCE, NAMES, OBJECT_OF

if TYPE_CHECKING:
    from mis_wizard.vendors.qmlativ.client import QmlativApi


async def guardians(api: QmlativApi, entity_id: int, objects: dict[str, list[str]], size: int
                     ) -> AsyncIterator[list[Record]]:
    """The Names that are some student's guardian (NameIDGuardian on Family/StudentGuardian), as
    Demographics/Name also holds every student and member of staff; each with the first-ranked
    address from Demographics/NameEmail when the integrator reads e-mails (blank when none)."""

    async def guardian_ids() -> set[Any]:
        ids: set[Any] = set()
        async for rows in api.pages(entity_id, OBJECT_OF["contact_links"], ["NameIDGuardian"], size):
            ids |= {r.get("NameIDGuardian") for r in rows}
        return ids

    async def first_emails() -> dict[Any, str] | None:
        if EMAILS not in objects:
            return None
        best: dict[Any, tuple[float, str]] = {}
        async for rows in api.pages(entity_id, EMAILS, ["NameID", "EmailAddress", "Rank"], size):
            for r in rows:
                rank, address = _rank(r.get("Rank")), str(r.get("EmailAddress") or "").strip()
                if address and rank < best.get(r.get("NameID"), (float("inf"), ""))[0]:
                    best[r.get("NameID")] = (rank, address)
        return {nid: address for nid, (_, address) in best.items()}

    guardians, emails = await asyncio.gather(guardian_ids(), first_emails())
    fields = list(objects.get(OBJECT_OF["contacts"]) or [])
    if fields and "NameID" not in fields:
        fields.insert(0, "NameID")
    async for rows in api.pages(entity_id, OBJECT_OF["contacts"], fields, size):
        kept = [r for r in rows if r.get("NameID") in guardians]
        yield kept if emails is None else [{**r, "EmailAddress": emails.get(r.get("NameID"), "")} for r in kept]


async def students(api: QmlativApi, entity_id: int, objects: dict[str, list[str]], size: int
                    ) -> AsyncIterator[list[Record]]:
    """Student/Student rows, each with its Name's fields (names, BirthDate, Gender; joined by
    NameID) and its latest Enrollment/EntryWithdrawal (EntityID, StartDate, WithdrawalDate; joined
    by StudentID), as Student/Student itself carries none of these (see FACTS). An object the
    integrator does not read is not joined; a student with no Name or enrolment row keeps blanks."""
    wanted = {obj: [f for f, o in JOIN_SOURCE["students"].items() if o == obj and f in (objects.get(obj) or [])]
              for obj in (NAMES, ENROLMENTS)}

    async def names() -> dict[Any, Record]:
        if not wanted[NAMES]:
            return {}
        found: dict[Any, Record] = {}
        async for rows in api.pages(entity_id, NAMES, ["NameID", *wanted[NAMES]], size):
            found.update((r.get("NameID"), r) for r in rows)
        return found

    async def enrolments() -> dict[Any, Record]:
        if not wanted[ENROLMENTS]:
            return {}
        latest: dict[Any, Record] = {}
        fields = ["StudentID", "StartDate", *[f for f in wanted[ENROLMENTS] if f != "StartDate"]]
        async for rows in api.pages(entity_id, ENROLMENTS, fields, size):
            for r in rows:
                held = latest.get(r.get("StudentID"))
                if held is None or str(r.get("StartDate") or "") >= str(held.get("StartDate") or ""):
                    latest[r.get("StudentID")] = r
        return latest

    by_name, by_student = await asyncio.gather(names(), enrolments())
    fields = list(objects.get(OBJECT_OF["students"]) or [])
    for key in ("StudentID", "NameID"):
        if fields and wanted[NAMES] and key not in fields:
            fields.append(key)
    async for rows in api.pages(entity_id, OBJECT_OF["students"], fields, size):
        joined = []
        for row in rows:
            name, enrolment = by_name.get(row.get("NameID")) or {}, by_student.get(row.get("StudentID")) or {}
            joined.append({**row, **{f: name.get(f) for f in wanted[NAMES]},
                           **{f: enrolment.get(f) for f in wanted[ENROLMENTS]}})
        yield joined


def _rank(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("inf")
