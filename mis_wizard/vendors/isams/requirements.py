"""The profile's requirements for iSAMS, with the defaults the built-in demo profile uses.

The connector, the emulator and the spec all read the key list from here, so the demo school
grants exactly what the demo profile asks for.
"""

from __future__ import annotations

from typing import Any

from mis_wizard.vendors.base import Requirements


def _key(label: str, purpose: str, *methods: str, required: bool = True) -> dict[str, Any]:
    return {"label": label, "methods": list(methods), "required": required, "purpose": purpose}


DEFAULT_REQUIREMENTS: dict[str, Any] = {
    "batch_keys": {
        "contacts": _key("Contacts key", "Parents and carers, with their pupil links and parental responsibility",
                         "Pupil_GetContacts"),
        "pupils": _key("Pupils key", "Current pupils", "Pupil_GetCurrentPupils"),
        "staff": _key("Staff key", "Current staff", "HumanResources_GetCurrentStaff"),
        "school_structure": _key("School structure key", "Forms, years and houses", "School_GetSchoolForms",
                                 "School_GetAllYears", "School_GetAcademicHouses"),
        "teaching_sets": _key("Teaching sets key", "Teaching sets and their teachers", "Teaching_GetSets"),
        "set_lists": _key("Set lists key", "Which pupils are in each set", "Teaching_GetSetLists"),
        "medical": _key("Medical key", "Medical conditions (optional)", "Medical_GetMedicalConditions",
                        required=False),
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
