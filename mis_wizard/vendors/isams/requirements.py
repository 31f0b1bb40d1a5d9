"""The profile's requirements for iSAMS, with the defaults the built-in demo profile uses.

The connector, the emulator and the spec all read the key list from here, so the demo school
grants exactly what the demo profile asks for.
"""

from __future__ import annotations

from typing import Any

from mis_wizard.vendors.base import Requirements

DEFAULT_REQUIREMENTS: dict[str, Any] = {
    "batch_keys": {
        "contacts": {"label": "Contacts key", "methods": ["Pupil_GetContacts"], "required": True,
                     "purpose": "Parents and carers, with their pupil links and parental responsibility"},
        "pupils": {"label": "Pupils key", "methods": ["Pupil_GetCurrentPupils"], "required": True,
                   "purpose": "Current pupils"},
        "staff": {"label": "Staff key", "methods": ["HumanResources_GetCurrentStaff"], "required": True,
                  "purpose": "Current staff"},
        "school_structure": {"label": "School structure key",
                             "methods": ["School_GetSchoolForms", "School_GetAllYears", "School_GetAcademicHouses"],
                             "required": True, "purpose": "Forms, years and houses"},
        "teaching_sets": {"label": "Teaching sets key", "methods": ["Teaching_GetSets"], "required": True,
                          "purpose": "Teaching sets and their teachers"},
        "set_lists": {"label": "Set lists key", "methods": ["Teaching_GetSetLists"], "required": True,
                      "purpose": "Which pupils are in each set"},
        "medical": {"label": "Medical key", "methods": ["Medical_GetMedicalConditions"], "required": False,
                    "purpose": "Medical conditions (optional)"},
    },
    "extra_methods": "warning",
    "rest": {"wanted": True, "registers": ["AM", "PM"]},
    "contact_types": ["Mother", "Father"],
    "mail_merge": ["All Merges", "Correspondence"],
    "integrator": "Demo Integrator",
    "product": "Demo App",
    "batch_format": "xml",
}

def batch_keys(requirements: Requirements) -> dict[str, dict[str, Any]]:
    """The profile's Batch keys, each with label, methods, required and purpose filled in."""
    out: dict[str, dict[str, Any]] = {}
    for key_id, spec in (requirements.get("batch_keys") or {}).items():
        spec = dict(spec or {})
        out[key_id] = {
            "label": spec.get("label") or f"{key_id.replace('_', ' ').capitalize()} key",
            "methods": [str(m) for m in spec.get("methods") or []],
            "required": bool(spec.get("required", True)),
            "purpose": spec.get("purpose", ""),
        }
    return out


def rest_wanted(requirements: Requirements) -> bool:
    return bool((requirements.get("rest") or {}).get("wanted"))
