"""Datashare permission areas as the school sees them, and what the profile needs from each.

RM confirms that the school grants access per integrator tile and can then Edit, per
permission area, which fields are sent, each marked Required or Optional; RM names one area
("Basic information about a student"). The other area names and which fields are optional are
our inference, so a profile can override them: ``optional_fields`` lists the optional fields it
needs as ``"<entity>.<raw field>"``, and ``optional_field_off`` says whether a switched-off one
fails the check or only warns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mis_wizard.vendors.base import Requirements, Status

KEY = "datashare"
"""The one key set: the Datashare partner credentials."""


@dataclass(frozen=True)
class Area:
    entity: str
    label: str
    """The area's name on the integrator's tile (only the students' one is confirmed by RM)."""
    optional: Mapping[str, str]
    """Raw field -> the field's name on the area's Edit screen."""


AREAS: tuple[Area, ...] = (
    Area("students", "Basic information about a student", {"dateOfBirth": "Date of Birth"}),
    Area("contacts", "Contact details", {"email": "Email Address", "phone": "Mobile Phone"}),
    Area("contact_links", "Student contacts", {"parentalResponsibility": "Parental Responsibility"}),
    Area("staff", "Staff details", {"email": "Email Address"}),
    Area("classes", "Classes", {}),
    Area("groups", "Groups", {}),
)
AREA_BY_ENTITY: dict[str, Area] = {a.entity: a for a in AREAS}

ALL_OPTIONAL_FIELDS: tuple[str, ...] = tuple(f"{a.entity}.{name}" for a in AREAS for name in a.optional)


def wanted_areas(requirements: Requirements) -> tuple[Area, ...]:
    """The areas the profile reads, in Datashare's order."""
    wanted = set(requirements.get("areas") or AREA_BY_ENTITY)
    return tuple(a for a in AREAS if a.entity in wanted)


def needed_optional(requirements: Requirements, area: Area) -> dict[str, str]:
    """The optional fields of ``area`` the profile needs switched on: raw name -> screen label."""
    wanted = requirements.get("optional_fields", ALL_OPTIONAL_FIELDS)
    return {name: label for name, label in area.optional.items() if f"{area.entity}.{name}" in wanted}


def field_off_status(requirements: Requirements) -> Status:
    value: Any = requirements.get("optional_field_off", "failed")
    return Status.WARNING if str(value).lower() == "warning" else Status.FAILED
