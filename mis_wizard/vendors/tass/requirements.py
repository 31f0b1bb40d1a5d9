"""What the profile asks of TASS: the API modules and methods the wizard uses, with the v3
permission each needs, and the profile's ``modules`` and ``methods`` tables read with their defaults.

One table shared by the spec (key sets, steps), the connector (which methods to try) and the
emulator (which methods an app answers), so a permission name is written once. Permissions
marked *inferred* are not in TASS's documentation; a profile can override the method list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Method:
    name: str
    permission: str
    """The Security Role permission v3 needs (System Admin > Users > Security Role Permissions)."""
    data_key: str | None
    """Top-level key holding the records; None when the method keys its answer by code."""
    params: Mapping[str, str]
    """Parameters for a live check; ``{year}``, ``{today}``, ``{student_code}``, ``{teacher_code}``
    and ``{tt_id}`` are filled from earlier answers."""
    expect_rows: bool = True
    """Whether an empty answer in a working school points at a missing permission."""


@dataclass(frozen=True)
class Module:
    id: str
    label: str
    """The module's name in API Gateway Maintenance."""
    purpose: str
    methods: tuple[Method, ...]
    required: bool

    @property
    def probe(self) -> Method:
        """The cheapest method, called first to prove the App Code and Token Key."""
        return self.methods[0]

    def method(self, name: str) -> Method | None:
        for m in self.methods:
            if m.name.lower() == name.lower():
                return m
        return None


STUDENTS_VIEW = "Student Records > Students > View"
TEACHERS_VIEW = "Teacher Records > Teachers > View"

MODULES: tuple[Module, ...] = (
    Module("lms", "LMS Integration", "students, teachers, classes, class lists, timetable and calendar", (
        Method("getCampuses", "Student Records > Student Records Setup > Campuses Tab > View", "campuses",
               {"codeonly": "false"}),
        Method("getStudents", STUDENTS_VIEW, "students", {"currentstatus": "current"}),
        Method("getStudentSubjects", "Student Records > Students > Subjects Tab > View", None,
               {"code": "{student_code}"}, expect_rows=False),
        Method("getTeachers", TEACHERS_VIEW, "teachers", {"currentstatus": "current"}),
        # inferred: TASS documents getTeacherSubjects only for v2, without a permission.
        Method("getTeacherSubjects", TEACHERS_VIEW, None, {"code": "{teacher_code}"}, expect_rows=False),
        Method("getTimetables", "Timetables > Timetable Setup > Timetable Definitions > View", "timetables",
               {"year": "{year}", "period": "1"}),
        Method("getTimetableCalendar", "Timetables > Timetable Calendar Setup > View", "tt_calendar",
               {"tt_id": "{tt_id}"}),
    ), required=True),
    Module("student_details", "Student Details", "student details for enrolment and pastoral data", (
        Method("getStudentsDetails", STUDENTS_VIEW, "students", {"currentstatus": "current"}),
    ), required=True),
    Module("employee_hr", "Employee/HR", "staff roles for access control", (
        Method("getEmployeesDetails", "Employee/HR > Employees > View", "employees", {"date": "{today}"}),
    ), required=False),
    Module("academic_analytics", "Student Academic Analytics", "absences and lessons for student analytics", (
        # inferred permissions: TASS documents these methods for v2 only.
        Method("getClassLessons", "Timetables > Timetable Calendar Setup > View", "DATA",
               {"ttid": "ALL", "datefrom": "{today}", "dateto": "{today}"}, expect_rows=False),
        Method("getStudentAbsences", "Student Records > Students > Attendance Tab > View", "DATA",
               {"studcode": "ALL", "absentdatefrom": "{today}", "absentdateto": "{today}"}, expect_rows=False),
    ), required=False),
    Module("gl_analytics", "General Ledger Analytics", "finance analytics", (
        # inferred: TASS lists these methods without documenting their answers or permissions.
        Method("getCOA", "General Ledger > Chart of Accounts > View", "DATA", {}),
        Method("getAccountBalances", "General Ledger > Chart of Accounts > View", "DATA",
               {"year": "{year}"}, expect_rows=False),
    ), required=False),
)

BY_ID: dict[str, Module] = {m.id: m for m in MODULES}


def module_requirements(requirements: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``modules`` from the profile: {module id: {"required": bool, "version": "3"}}."""
    wanted = requirements.get("modules") or {}
    out: dict[str, dict[str, Any]] = {}
    for module in MODULES:
        if module.id in wanted:
            entry = dict(wanted[module.id] or {})
            entry.setdefault("required", module.required)
            entry["version"] = str(entry.get("version", "3"))
            out[module.id] = entry
    return out


def required_methods(requirements: Mapping[str, Any], module: Module) -> tuple[Method, ...]:
    """The methods the profile needs from a module (``methods`` table), defaulting to all of them.

    The probe method always comes first: it is what proves the App Code and Token Key.
    """
    names = (requirements.get("methods") or {}).get(module.id)
    if not names:
        return module.methods
    chosen = [m for m in module.methods if any(m.name.lower() == n.lower() for n in names)]
    return (module.probe, *[m for m in chosen if m is not module.probe])


def permissions_for(requirements: Mapping[str, Any]) -> list[str]:
    """Every permission the profile's methods need, in TASS's menu order of first use."""
    seen: list[str] = []
    for module_id in module_requirements(requirements):
        for method in required_methods(requirements, BY_ID[module_id]):
            if method.permission not in seen:
                seen.append(method.permission)
    return seen
