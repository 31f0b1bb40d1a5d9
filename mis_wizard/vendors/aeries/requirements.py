"""What a profile asks of Aeries (``[systems.aeries]``), with the defaults the demo profile uses.

The security areas the standard API product must read (and how a check probes each), and the
OneRoster endpoints with the area Aeries files each under on Security > API Security.
"""

from __future__ import annotations

from typing import Any

from mis_wizard.vendors.oneroster.records import DEFAULT_ENDPOINTS

AREAS = ("Student Data", "Contacts", "Staff Data")

DEFAULT_REQUIREMENTS: dict[str, Any] = {
    "write": True, "areas": list(AREAS), "database_year": "", "oneroster_endpoints": list(DEFAULT_ENDPOINTS),
    "product_name": "MIS Wizard",
}

AREA_PROBES = {"Student Data": "students", "Contacts": "contacts", "Staff Data": "staff"}
"""The v5 read a check tries with one record to prove an area is ticked."""
AREA_CODES = {"Student Data": "student_data", "Contacts": "contacts", "Staff Data": "staff_data"}
ONEROSTER_AREAS = {"academicSessions": "Terms", "terms": "Terms", "classes": "Master Schedule",
                   "courses": "Course Data", "demographics": "Student Data", "students": "Student Data",
                   "users": "Student Data", "teachers": "Staff Data", "enrollments": "Classes", "orgs": "Schools",
                   "schools": "Schools"}
"""OneRoster endpoint → the area of the OneRoster product that must have Read ticked."""
