"""OneRoster classes and class lists as the wizard reads them, for every system that serves OneRoster.

REST records name other records by reference objects (``{"href", "sourcedId", "type"}``) and
carry grades and subjects as lists. OneRoster's own CSV binding flattens references to
sourcedIds (``schoolSourcedId``, ``termSourcedIds``, ``classSourcedId``, ``userSourcedId``), so
the reader adds those beside the REST fields: the raw view keeps what the server sent, and the
concepts get plain ids that class lists and students join on.

A class list is the class's students; the class's teachers come from its teacher enrolments and
are given on the class (``teacherSourcedIds``, the primary teacher first), as other systems give them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from typing import TYPE_CHECKING, Any

from mis_wizard.vendors.base import Context, Entity, RawField, Record

if TYPE_CHECKING:  # the spec reads the entities here; only a connector loads the client
    import httpx

    from mis_wizard.vendors.oneroster.client import OneRosterClient

CLASS_KINDS: dict[str, str] = {
    # The values are confirmed (fact sheet: classType homeroom | scheduled); the translation is
    # inferred from their meaning in the specification.
    "homeroom": "registration",
    "scheduled": "teaching_set",
}
"""OneRoster ``classType`` → the wizard's class kind (concepts.CLASS_KINDS), given to classes as the
derived raw field ``kind``."""


def class_entity(key_set: str) -> Entity:
    return Entity("classes", "Classes (OneRoster)", (
        RawField("sourcedId", "class.id"), RawField("classCode", "class.code"), RawField("title", "class.name"),
        RawField("subjects"), RawField("subject", "class.subject", "subjects, comma separated"),
        RawField("grades"), RawField("grade", "class.year_level", "grades, comma separated"),
        RawField("location", "class.room"), RawField("school"), RawField("schoolSourcedId", "class.school_id"),
        RawField("terms"), RawField("termSourcedIds", "class.term_id", "the terms' sourcedIds, comma separated"),
        RawField("classType"), RawField("kind", "class.kind", "classType in the wizard's words (CLASS_KINDS)"),
        RawField("course"), RawField("courseSourcedId"),
        RawField("teacherSourcedId", "class.main_teacher_id", "the primary teacher, from teacher enrolments"),
        RawField("teacherSourcedIds", "class.teacher_ids", "every teacher, from teacher enrolments"),
    ), "sourcedId", key_set)


def class_list_entity(key_set: str) -> Entity:
    return Entity("class_memberships", "Class lists (OneRoster student enrolments)", (
        RawField("sourcedId"), RawField("class"), RawField("classSourcedId", "class_membership.class_id"),
        RawField("user"), RawField("userSourcedId", "class_membership.student_id"),
        RawField("role", "class_membership.role"), RawField("beginDate", "class_membership.start_date"),
        RawField("endDate", "class_membership.end_date"), RawField("school"), RawField("schoolSourcedId"),
        RawField("primary"),
    ), "sourcedId", key_set)


def _ref_id(ref: Any) -> str | None:
    return str(ref.get("sourcedId")) if isinstance(ref, Mapping) and ref.get("sourcedId") else None


def _joined(values: Any) -> str:
    items = values if isinstance(values, list) else [values] if values else []
    return ", ".join(str(_ref_id(v) or v) for v in items if v)


def class_record(raw: Mapping[str, Any], teachers: Mapping[str, list[str]]) -> Record:
    found = teachers.get(str(raw.get("sourcedId")), [])
    return {**raw, "subject": _joined(raw.get("subjects")), "grade": _joined(raw.get("grades")),
            "schoolSourcedId": _ref_id(raw.get("school")), "termSourcedIds": _joined(raw.get("terms")),
            "kind": CLASS_KINDS.get(str(raw.get("classType") or "")), "courseSourcedId": _ref_id(raw.get("course")),
            "teacherSourcedId": found[0] if found else None, "teacherSourcedIds": found}


def enrollment_record(raw: Mapping[str, Any]) -> Record:
    return {**raw, "classSourcedId": _ref_id(raw.get("class")), "userSourcedId": _ref_id(raw.get("user")),
            "schoolSourcedId": _ref_id(raw.get("school"))}


DEFAULT_ENDPOINTS = ("orgs", "academicSessions", "courses", "classes", "students", "teachers", "enrollments",
                     "demographics")
"""The OneRoster endpoints a consumer's check reads when the profile names none (see checks.py)."""

Refusal = Callable[["httpx.Response", str], Exception]
"""The vendor's error for a refused read, given the answer and what was being read."""


CLASS_SOURCES = {"subject": "subjects", "grade": "grades", "schoolSourcedId": "school", "termSourcedIds": "terms",
                 "kind": "classType", "courseSourcedId": "course"}
"""Each derived class field and the REST field it is read from."""
ENROLMENT_SOURCES = {"classSourcedId": "class", "userSourcedId": "user", "schoolSourcedId": "school"}
TEACHER_FIELDS = frozenset({"teacherSourcedId", "teacherSourcedIds"})
"""Derived from teacher enrolments: those are read only when one is wanted."""
TEACHER_ENROLMENT_FIELDS = ("sourcedId", "class", "user", "role", "primary")


def rest_fields(wanted: frozenset[str] | None, sources: Mapping[str, str], *always: str) -> str | None:
    """The OneRoster ``fields`` selection for ``wanted`` raw fields: those the server sends as they
    are, the fields derived ones are read from, and ``always`` (the id, what the client filters by);
    None when every field is wanted."""
    if wanted is None:
        return None
    names = {"sourcedId", *always} | {sources.get(f, f) for f in wanted if f not in TEACHER_FIELDS}
    return ",".join(sorted(names))


async def stream(client: OneRosterClient, ctx: Context, entity: str, refusal: Refusal, *,
                 name_fields: bool = False) -> AsyncIterator[Record]:
    """Classes (with their teachers) or class lists, page by page as the server pages. With
    ``name_fields`` the requests carry OneRoster's ``fields`` selection (oneroster.md, REST: the
    1.1 spec has it), cut to ctx.wanted(entity); a host whose fact sheet does not say its server
    honours it leaves it off and reads whole records."""
    count = 0
    wanted = ctx.wanted(entity)
    if entity == "class_memberships":
        selection = rest_fields(wanted, ENROLMENT_SOURCES, "role") if name_fields else None
        async for rows in _enrollments(client, ctx, "student", refusal, selection):
            for row in rows:
                yield row
            count += len(rows)
            ctx.page_done(entity, count)
        return
    teachers: dict[str, list[str]] = {}
    if wanted is None or wanted & TEACHER_FIELDS:
        selection = ",".join(TEACHER_ENROLMENT_FIELDS) if name_fields and wanted is not None else None
        enrolled = [row async for rows in _enrollments(client, ctx, "teacher", refusal, selection) for row in rows]
        for row in sorted(enrolled, key=lambda r: str(r.get("primary")).lower() != "true"):
            if row["classSourcedId"] and row["userSourcedId"]:
                teachers.setdefault(row["classSourcedId"], []).append(row["userSourcedId"])
    selection = rest_fields(wanted, CLASS_SOURCES) if name_fields else None
    async for rows in client.pages("classes", ctx.page_size or 100, ctx.concurrency,
                                   on_refusal=lambda r: refusal(r, "OneRoster classes"),
                                   params={"fields": selection} if selection else None):
        for row in rows:
            yield class_record(row, teachers)
        count += len(rows)
        ctx.page_done(entity, count)


async def _enrollments(client: OneRosterClient, ctx: Context, role: str, refusal: Refusal,
                       selection: str | None = None) -> AsyncIterator[list[Record]]:
    """Enrolments of one role; filtered by the server, and again here in case a server ignores filters."""
    params = {"filter": f"role='{role}'", **({"fields": selection} if selection else {})}
    async for rows in client.pages("enrollments", ctx.page_size or 100, ctx.concurrency,
                                   on_refusal=lambda r: refusal(r, "OneRoster enrollments"), params=params):
        yield [enrollment_record(r) for r in rows if r.get("role") == role]
