"""PowerSchool's wire format: XML-shaped JSON, and the resources a plugin is granted.

The /ws/v1 resources wrap a collection in a plural key holding a singular key
(``{"students": {"student": [...]}}``); when a page holds exactly one record the singular
key holds an object instead of a list, and an empty collection has no agreed shape (null,
"" or no key at all), so one function reads them all. The /ws/schema surfaces (table
queries and PowerQueries) answer ``{"name": .., "record": [...]}`` with string values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mis_wizard.vendors.base import Record, Requirements

KEY = "plugin"
"""The one key set: the plugin's Client ID and Secret."""

PLUGIN_SCREEN = ("the plugin page (System > System Settings > Plugin Management Configuration; in PowerSchool "
                 "23.12 and later, Plugin Configuration)")
"""Its name depends on the PowerSchool version (see FACTS in __init__.py)."""
GUARDIAN_QUERY = "com.pearson.core.guardian.student_guardian_detail"
STUDENT_EXPANSIONS = "demographics,school_enrollment,contact_info"
DEFAULT_MAX_PAGE_SIZE = 100
"""Used only when /ws/v1/metadata does not state a resource's maximum page size."""


@dataclass(frozen=True)
class Resource:
    """A kind of data the integrator's plugin must be granted, and how a check probes it."""

    id: str
    label: str
    probe: str
    """Path of a cheap request that answers 403 when the grant is missing; ``{school}`` is a school id."""
    grant: str
    """What the admin grants, as PowerSchool words it."""
    method: str = "GET"


RESOURCES: tuple[Resource, ...] = (
    Resource("schools", "Schools", "/ws/v1/district/school/count", "the v1 API access to Schools"),
    Resource("students", "Students", "/ws/v1/district/student/count", "the v1 API access to Students"),
    Resource("staff", "Staff and teachers", "/ws/v1/school/{school}/staff/count", "the v1 API access to Staff"),
    Resource("terms", "Years and terms", "/ws/v1/school/{school}/term/count", "the v1 API access to Terms"),
    Resource("sections", "Courses and sections", "/ws/v1/school/{school}/section/count",
             "the v1 API access to Sections and Courses"),
    Resource("section_enrollments", "Section enrollments", "/ws/schema/table/cc/count",
             "read access (View Only) to the CC table"),
    Resource("contacts", "Guardians", f"/ws/schema/query/{GUARDIAN_QUERY}/count",
             "the Student Guardian Detail PowerQuery", "POST"),
)
RESOURCE_IDS: tuple[str, ...] = tuple(r.id for r in RESOURCES)


def resource(resource_id: str) -> Resource:
    for r in RESOURCES:
        if r.id == resource_id:
            return r
    raise KeyError(f"PowerSchool has no resource {resource_id!r}; choose from {', '.join(RESOURCE_IDS)}.")


def collection(body: Any, plural: str, singular: str) -> list[dict[str, Any]]:
    """The records of a /ws/v1 collection page, whatever shape the page came in."""
    if not isinstance(body, Mapping):
        raise ValueError(f"expected a JSON object holding {plural!r}")
    wrapper = body.get(plural)
    if wrapper in (None, "", {}):
        return []
    if not isinstance(wrapper, Mapping):
        raise ValueError(f"{plural!r} is not an object")
    items = wrapper.get(singular)
    if items in (None, ""):
        return []
    if isinstance(items, Mapping):
        return [dict(items)]
    if isinstance(items, list):
        if all(type(x) is dict for x in items):  # as JSON decodes them: no copy, 5,000 students a sync
            return items
        return [dict(x) for x in items]
    raise ValueError(f"{plural}.{singular} is neither a record nor a list")


def count(body: Any) -> int:
    """``{"resource": {"count": N}}`` from /ws/v1 and ``{"count": N}`` from /ws/schema."""
    if isinstance(body, Mapping):
        if isinstance(body.get("resource"), Mapping) and "count" in body["resource"]:
            return int(body["resource"]["count"])
        if "count" in body:
            return int(body["count"])
    raise ValueError("the answer holds no count")


def schema_records(body: Any) -> list[dict[str, Any]]:
    """Records of a PowerQuery or table query; a table record's columns sit under ``tables.<table>``."""
    if not isinstance(body, Mapping):
        raise ValueError("expected a JSON object holding 'record'")
    records = body.get("record") or []
    if isinstance(records, Mapping):
        records = [records]
    out = []
    for rec in records:
        tables = rec.get("tables")
        if isinstance(tables, Mapping) and tables:
            out.append(dict(next(iter(tables.values()))))
        else:
            out.append({k: v for k, v in rec.items() if not k.startswith("_")})
    return out


def flatten(record: Mapping[str, Any], prefix: str = "") -> Record:
    """Nested objects become dotted raw field names (``name.first_name``), as the Entities declare them."""
    out: Record = {}
    _flatten_into(out, record, prefix)
    return out


_SKIP = ("", "")
_PLANS: dict[str, dict[str, tuple[str, str]]] = {}
"""Per prefix, each key's (dotted name, prefix of its children). Every record of a page has the same
keys, so a sync of 5,000 students builds these names once rather than 85,000 times."""
_PLAN_LIMIT = 1000
"""Keys past this many under one prefix are named afresh each time (a server sending ids as keys)."""


def _flatten_into(out: Record, record: Mapping[str, Any], prefix: str) -> None:
    plan = _PLANS.get(prefix)
    if plan is None:
        plan = _PLANS[prefix] = {}
    for key, value in record.items():
        names = plan.get(key) or _plan(plan, prefix, key)
        if names is _SKIP:
            continue
        if type(value) is dict:  # JSON objects are plain dicts; the ABC check costs a sync of 5,000 students
            _flatten_into(out, value, names[1])
        else:
            out[names[0]] = value


def _plan(plan: dict[str, tuple[str, str]], prefix: str, key: str) -> tuple[str, str]:
    names = _SKIP if key[:1] == "@" or key == "_extension_data" else (prefix + key, f"{prefix}{key}.")
    if len(plan) < _PLAN_LIMIT:
        plan[key] = names
    return names


def max_page_size(metadata: Mapping[str, Any], key: str) -> int:
    """The plugin's maximum page size for one resource, from /ws/v1/metadata."""
    try:
        value = int(metadata.get(key) or 0)
    except (TypeError, ValueError):
        value = 0
    return value if value > 0 else DEFAULT_MAX_PAGE_SIZE


def error_message(body: Any) -> str:
    """The server's own words for a refusal (``message``, ``error_description`` or ``error``)."""
    if isinstance(body, Mapping):
        for key in ("message", "error_description", "error"):
            said = body.get(key)
            if isinstance(said, str) and said:
                return said
    return ""


def wanted_resources(requirements: Requirements) -> list[Resource]:
    asked = requirements.get("resources") or RESOURCE_IDS
    return [resource(r) for r in asked]
