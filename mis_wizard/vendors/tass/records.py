"""How TASS's records come out of its answers: the rows of a method's answer, people's nested
sections as ``section.field`` names, one key per class, and the fields derived at the connector
(a class's teachers and kind, each row's ``class_key``).

The wire format (token, answer shapes, dates) is wire.py's; this module only reads rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

Row = dict[str, Any]


def records(body: Mapping[str, Any], data_key: str | None) -> list[dict[str, Any]] | None:
    """The records of an answer; None when the data key is missing (v3 omits data it may not show).

    Methods without a data key (getStudentSubjects, getTeacherSubjects) key their answer by
    student or teacher code; those lists are joined.
    """
    if data_key is not None:
        value = body.get(data_key)
        return list(value) if isinstance(value, list) else None
    rows: list[dict[str, Any]] = []
    for key, value in body.items():
        if not key.startswith("__") and key != "token" and isinstance(value, list):
            rows.extend(value)
    return rows


def flatten(record: Mapping[str, Any]) -> dict[str, Any]:
    """``general_details``/``school_details`` sections as ``section.field`` names; photos dropped."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, Mapping) and key not in ("teacher_photo", "student_photo"):
            for inner, v in value.items():
                out[f"{key}.{inner}"] = v
        elif not isinstance(value, Mapping):
            out[key] = value
    return out


def class_key(row: Mapping[str, Any]) -> str:
    """TASS names a class by subject code, year group and class letter; one key for all methods."""
    return f"{row.get('sub_code', '')}/{row.get('year_grp', '')}/{row.get('class', '')}"


CLASS_KINDS: dict[str, str] = {
    # All inferred: the fact sheet does not describe sub_type; these read TASS's subject types.
    "CORE": "teaching_set",  # core subjects, taught in sets
    "ELE": "mixed",  # electives, drawn from across the year's classes
    "CO": "custom",  # co-curricular activities
}
"""TASS's subject type (``sub_type``) → the wizard's class kind (concepts.CLASS_KINDS), given to
classes as the derived raw field ``kind`` so the raw view keeps TASS's own code."""


def class_kind(sub_type: Any) -> str | None:
    return CLASS_KINDS.get(str(sub_type or "").strip().upper())



def people(rows: Iterable[Mapping[str, Any]]) -> list[Row]:
    """Students or teachers, each flattened (``general_details.student_code`` …)."""
    return [flatten(r) for r in rows]


def keyed(rows: Iterable[Mapping[str, Any]]) -> list[Row]:
    """Class list or timetable rows, each with the ``class_key`` of its class."""
    return [{"class_key": class_key(r), **r} for r in rows]


def classes(rows: Iterable[Mapping[str, Any]]) -> list[Row]:
    """One record per class: TASS lists a class once per teacher (getTeacherSubjects)."""
    merged: dict[str, Row] = {}
    for row in rows:
        key = class_key(row)
        if key in merged:
            merged[key]["teacher_codes"] += f",{row.get('teacher_code', '')}"
        else:
            merged[key] = {"class_key": key, **row, "teacher_codes": str(row.get("teacher_code", "")),
                           "kind": class_kind(row.get("sub_type"))}
    return list(merged.values())
