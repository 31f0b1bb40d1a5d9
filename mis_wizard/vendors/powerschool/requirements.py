"""What a profile asks of PowerSchool: the resources the integrator's plugin must be granted.

``[systems.powerschool]`` ``resources`` lists ids of RESOURCES (all of them by default); each
resource says how a check probes its grant and what the admin grants.
"""

from __future__ import annotations

from dataclasses import dataclass

from mis_wizard.vendors.base import Requirements
from mis_wizard.vendors.powerschool.wire import GUARDIAN_QUERY


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


def wanted_resources(requirements: Requirements) -> list[Resource]:
    asked = requirements.get("resources") or RESOURCE_IDS
    return [resource(r) for r in asked]
