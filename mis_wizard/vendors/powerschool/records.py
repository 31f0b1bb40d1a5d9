"""How each entity is read from PowerSchool, page by page, as flat raw records.

Staff, terms and sections are per school, so those readers walk the district's schools.
Section enrollments live only in the CC table, keyed by the table ids of students and
sections, so that reader also reads the id-to-DCID pairs of both and adds the DCIDs the
/ws/v1 records carry; guardians come from PowerSchool's Student Guardian Detail PowerQuery.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from mis_wizard.vendors.base import Context, Record
from mis_wizard.vendors.powerschool import wire
from mis_wizard.vendors.powerschool.requirements import resource as granted

if TYPE_CHECKING:
    from mis_wizard.vendors.powerschool.client import PowerSchoolApi

TABLE_SIZE_KEY = "schema_table_query_max_page_size"
CC_COLUMNS = "id,studentid,sectionid,dateenrolled,dateleft,termid,schoolid"
CONTACT_FIELDS = ("guardianid", "title", "firstname", "lastname", "email", "mobile")
LINK_FIELDS = ("studentsdcid", "guardianid", "relationship", "priority", "is_custodial", "lives_with")


@dataclass(frozen=True)
class V1:
    """A /ws/v1 collection; ``path`` may hold ``{school}`` for per-school collections."""

    resource: str
    path: str
    plural: str
    singular: str
    size_key: str
    expansions: str = ""
    eager: bool = False
    """Ask for the first pages before the count arrives: worth it where a district has many pages."""

    def expansions_for(self, wanted: frozenset[str] | None) -> str:
        """The expansions that carry a wanted field (``demographics`` for ``demographics.gender``); all
        of them when every field is wanted. A /ws/v1 record's own fields come whatever is asked."""
        names = [e.strip() for e in self.expansions.split(",") if e.strip()]
        if wanted is not None:
            names = [e for e in names if any(f.startswith(e + ".") for f in wanted)]
        return ",".join(names)

    async def pages_at(self, api: PowerSchoolApi, ctx: Context | None, path: str,
                       wanted: frozenset[str] | None = None) -> AsyncIterator[list[Record]]:
        expansions = self.expansions_for(wanted)
        params = {"expansions": expansions} if expansions else {}
        concurrency = ctx.concurrency if ctx else Context.concurrency
        async for page in api.pages(path, partial(wire.collection, plural=self.plural, singular=self.singular),
                                    count_path=f"{path}/count", concurrency=concurrency,
                                    page_size=ctx.page_size if ctx else None, size_key=self.size_key,
                                    params=params, resource=granted(self.resource),
                                    speculate=concurrency if self.eager else 1):
            yield [wire.flatten(r) for r in page]

    async def all(self, api: PowerSchoolApi, ctx: Context | None = None) -> list[Record]:
        return [r async for page in self.pages_at(api, ctx, self.path) for r in page]

    async def for_school(self, api: PowerSchoolApi, school: Record, ctx: Context | None = None) -> list[Record]:
        return [r async for page in self.pages_at(api, ctx, self.path.format(school=school["id"])) for r in page]

    async def pages(self, api: PowerSchoolApi, ctx: Context) -> AsyncIterator[list[Record]]:
        wanted = ctx.wanted(self.resource)
        if "{school}" not in self.path:
            async for page in self.pages_at(api, ctx, self.path, wanted):
                yield page
            return
        seen: set[Any] = set()
        for school in await SCHOOLS.all(api, ctx):
            async for page in self.pages_at(api, ctx, self.path.format(school=school["id"]), wanted):
                yield _first_seen(page, "id", seen)


SCHOOLS = V1("schools", "/ws/v1/district/school", "schools", "school", "school_max_page_size")
STUDENTS = V1("students", "/ws/v1/district/student", "students", "student", "student_max_page_size",
              wire.STUDENT_EXPANSIONS, eager=True)
STAFF = V1("staff", "/ws/v1/school/{school}/staff", "staffs", "staff", "staff_max_page_size",
           "emails,school_affiliations")
TERMS = V1("terms", "/ws/v1/school/{school}/term", "terms", "term", "term_max_page_size")
SECTIONS = V1("sections", "/ws/v1/school/{school}/section", "sections", "section", "section_max_page_size")
COURSES = V1("sections", "/ws/v1/school/{school}/course", "courses", "course", "course_max_page_size")


COURSE_FIELDS = frozenset({"course.course_number", "course.course_name", "course_section"})
"""The classes' fields derived from their course: the courses are read only when one is wanted."""
SECTION_KIND = "teaching_set"
"""Every section's class kind (concepts.CLASS_KINDS), as the derived raw field ``kind``. Inferred:
sections carry no type; each is a scheduled class of one course, which is a teaching set."""


@dataclass(frozen=True)
class Classes:
    """Sections with their course's number and name (``course.course_number``, ``course.course_name``),
    ``course_section``, the "ENG07.2" that PowerSchool screens show for a section, and ``kind``."""

    async def pages(self, api: PowerSchoolApi, ctx: Context) -> AsyncIterator[list[Record]]:
        wanted = ctx.wanted("classes")
        with_courses = wanted is None or bool(wanted & COURSE_FIELDS)
        for school in await SCHOOLS.all(api, ctx):
            courses = {c["id"]: c for c in await COURSES.for_school(api, school, ctx)} if with_courses else {}
            async for page in SECTIONS.pages_at(api, ctx, SECTIONS.path.format(school=school["id"])):
                for section in page:
                    course = courses.get(section.get("course_id"), {})
                    section["course.course_number"] = course.get("course_number")
                    section["course.course_name"] = course.get("course_name")
                    section["course_section"] = f"{course.get('course_number')}.{section.get('section_number')}"
                    section["kind"] = SECTION_KIND
                yield page


async def schema_pages(api: PowerSchoolApi, ctx: Context, path: str, resource: str, *, method: str = "GET",
                       params: dict[str, Any] | None = None) -> AsyncIterator[list[Record]]:
    async for page in api.pages(path, wire.schema_records, count_path=f"{path}/count", concurrency=ctx.concurrency,
                                page_size=ctx.page_size, size_key=TABLE_SIZE_KEY, method=method, params=params,
                                payload={} if method == "POST" else None, resource=granted(resource),
                                speculate=ctx.concurrency):
        yield page


async def _dcids(api: PowerSchoolApi, ctx: Context, table: str, resource: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    async for page in schema_pages(api, ctx, f"/ws/schema/table/{table}", resource, params={"projection": "id,dcid"}):
        pairs.update((str(r.get("id")), str(r.get("dcid"))) for r in page)
    return pairs


@dataclass(frozen=True)
class Enrollments:
    """CC rows with ``student_dcid`` and ``section_dcid`` added, so they join /ws/v1 students and sections."""

    async def pages(self, api: PowerSchoolApi, ctx: Context) -> AsyncIterator[list[Record]]:
        wanted = ctx.wanted("class_memberships")
        students = await _dcids(api, ctx, "students", "students") if _wants(wanted, "student_dcid") else {}
        sections = await _dcids(api, ctx, "sections", "sections") if _wants(wanted, "section_dcid") else {}
        async for page in schema_pages(api, ctx, "/ws/schema/table/cc", "section_enrollments",
                                       params={"projection": cc_projection(wanted)}):
            for row in page:
                row["student_dcid"] = students.get(str(row.get("studentid")))
                row["section_dcid"] = sections.get(str(row.get("sectionid")))
            yield page


@dataclass(frozen=True)
class Guardians:
    """Rows of the Student Guardian Detail PowerQuery: one per student and guardian.

    As ``contacts`` each guardian comes once; as ``contact_links`` every row comes.
    """

    fields: tuple[str, ...]
    unique: bool

    async def pages(self, api: PowerSchoolApi, ctx: Context) -> AsyncIterator[list[Record]]:
        seen: set[Any] = set()
        async for page in schema_pages(api, ctx, f"/ws/schema/query/{wire.GUARDIAN_QUERY}", "contacts",
                                       method="POST"):
            rows = [{k: r.get(k) for k in self.fields} for r in page]
            if self.unique:
                rows = _first_seen(rows, "guardianid", seen)
            yield rows


def _wants(wanted: frozenset[str] | None, name: str) -> bool:
    return wanted is None or name in wanted


DERIVED_FROM = {"student_dcid": "studentid", "section_dcid": "sectionid"}
"""The CC columns each added DCID is looked up by."""


def cc_projection(wanted: frozenset[str] | None) -> str:
    """The CC columns to ask for: the wanted ones, those the wanted DCIDs come from, and ``id``."""
    if wanted is None:
        return CC_COLUMNS
    asked = {"id"} | set(wanted) | {DERIVED_FROM[f] for f in wanted if f in DERIVED_FROM}
    return ",".join(c for c in CC_COLUMNS.split(",") if c in asked)


def _first_seen(rows: list[Record], key: str, seen: set[Any]) -> list[Record]:
    """Rows whose ``key`` has not come before (a teacher at two schools, a guardian of siblings)."""
    fresh = []
    for row in rows:
        if row.get(key) not in seen:
            seen.add(row.get(key))
            fresh.append(row)
    return fresh


class Reader(Protocol):
    def pages(self, api: PowerSchoolApi, ctx: Context) -> AsyncIterator[list[Record]]:
        """Lists of flat raw records, page by page."""
        ...


ENTITY_READERS: dict[str, Reader] = {
    "schools": SCHOOLS,
    "students": STUDENTS,
    "staff": STAFF,
    "terms": TERMS,
    "classes": Classes(),
    "class_memberships": Enrollments(),
    "contacts": Guardians(CONTACT_FIELDS, unique=True),
    "contact_links": Guardians(LINK_FIELDS, unique=False),
}
