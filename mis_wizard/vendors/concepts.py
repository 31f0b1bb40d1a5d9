"""The canonical vocabulary that vendors' raw fields map onto and profiles map from.

Entity ids and ``<entity>.<attribute>`` concepts. A vendor's RawField.concept must be one of
CONCEPTS (a test enforces it), so a profile's default mapping works for every system.
"""

from __future__ import annotations

from mis_wizard.vendors.privacy import PrivacyClass

_VOCABULARY: tuple[tuple[str, str, str], ...] = (
    ("schools", "school", "Schools and campuses"),
    ("terms", "term", "Terms and academic sessions"),
    ("students", "student", "Students"),
    ("contacts", "contact", "Contacts (parents and carers)"),
    ("contact_links", "contact_link", "Student–contact links"),
    ("staff", "staff", "Staff"),
    ("classes", "class", "Classes and teaching sets"),
    ("class_memberships", "class_membership", "Class lists"),
    ("groups", "group", "Groups (houses, years, forms)"),
    ("group_memberships", "group_membership", "Group lists"),
    ("timetable", "timetable", "Timetable"),
    ("bell_times", "bell_time", "Bell times"),
    ("calendar", "calendar", "Calendar (date to cycle day)"),
    ("daily_changes", "daily_change", "Daily changes (covers, rooms, cancellations)"),
    ("attendance", "attendance", "Attendance"),
    ("registration", "registration", "Registration status"),
)
"""The one entity vocabulary: (entity id, the prefix of its concepts, what the admin calls it)."""

ENTITIES: dict[str, str] = {entity: label for entity, _prefix, label in _VOCABULARY}
"""Canonical entity id → its name on screen."""

PREFIX: dict[str, str] = {entity: prefix for entity, prefix, _label in _VOCABULARY}
"""Canonical entity id → the prefix of its concepts (``students`` → ``student.*``)."""

_ATTRS: dict[str, tuple[str, ...]] = {
    "school": ("id", "name", "code", "campus"),
    "term": ("id", "name", "start_date", "end_date", "school_year", "school_id", "kind"),
    "student": ("id", "code", "first_name", "last_name", "preferred_name", "middle_name", "full_name",
                "birth_date", "gender", "year_level", "year_name", "email", "campus", "school_id", "status",
                "entry_date", "leave_date", "form", "house", "school_year", "ethnicity"),
    "contact": ("id", "title", "first_name", "last_name", "full_name", "email", "phone", "mobile",
                "relationship", "parental_responsibility", "mail_merge", "lives_with", "combined"),
    "contact_link": ("student_id", "contact_id", "relationship", "parental_responsibility", "priority",
                     "mail_merge", "lives_with"),
    "staff": ("id", "code", "title", "first_name", "last_name", "full_name", "email", "teaching", "status",
              "campus", "school_id", "role"),
    "class": ("id", "code", "name", "subject", "subject_code", "year_level", "kind", "main_teacher_id",
              "second_teacher_id", "teacher_ids", "room", "school_id", "term_id"),
    "class_membership": ("class_id", "student_id", "role", "start_date", "end_date"),
    "group": ("id", "name", "kind", "year_level", "staff_id"),
    "group_membership": ("group_id", "student_id"),
    "timetable": ("class_id", "day", "period", "room", "staff_id", "start_time", "end_time"),
    "bell_time": ("day", "period", "name", "start_time", "end_time"),
    "calendar": ("date", "cycle_day", "holiday", "term_id"),
    "daily_change": ("date", "kind", "class_id", "period", "staff_id", "room"),
    "attendance": ("date", "student_id", "session", "mark", "present"),
    "registration": ("student_id", "date", "register_id", "status"),
}

_S, _P, _X = PrivacyClass.STRUCTURAL, PrivacyClass.PERSONAL, PrivacyClass.SENSITIVE
_PRIVATE: dict[str, dict[str, PrivacyClass]] = {
    "school": {"name": PrivacyClass.CONFIGURATION, "code": PrivacyClass.CONFIGURATION},
    "student": {a: _P for a in ("id", "code", "first_name", "last_name", "preferred_name", "middle_name",
                                "full_name", "birth_date", "gender", "email", "entry_date", "leave_date")}
    | {"ethnicity": _X},
    "contact": {a: _P for a in ("id", "title", "first_name", "last_name", "full_name", "email", "phone", "mobile",
                                "mail_merge", "combined")}
    | {"parental_responsibility": _X, "lives_with": _X},
    "contact_link": {"student_id": _P, "contact_id": _P, "parental_responsibility": _X, "lives_with": _X,
                     "mail_merge": _P},
    "staff": {a: _P for a in ("id", "code", "title", "first_name", "last_name", "full_name", "email")},
    "class": {"main_teacher_id": _P, "second_teacher_id": _P, "teacher_ids": _P},
    "class_membership": {"student_id": _P},
    "group": {"staff_id": _P},
    "group_membership": {"student_id": _P},
    "timetable": {"staff_id": _P},
    "daily_change": {"staff_id": _P},
    "attendance": {"student_id": _P, "mark": _X},
    "registration": {"student_id": _P},
}
"""Concepts that are not structural. Staff and link ids name a person; custody (parental
responsibility, lives with) and ethnicity are sensitive; an attendance mark can say why a
student was absent (illness), so it is sensitive too."""

PRIVACY: dict[str, PrivacyClass] = {
    f"{entity}.{attr}": _PRIVATE.get(entity, {}).get(attr, _S) for entity, attrs in _ATTRS.items() for attr in attrs}
"""The privacy class of every concept: what the rest is, structural (year level, house, campus,
class codes, term names and dates, roles, flags)."""

CONCEPTS: frozenset[str] = frozenset(f"{entity}.{attr}" for entity, attrs in _ATTRS.items() for attr in attrs)

CLASS_KINDS: tuple[str, ...] = ("teaching_set", "mixed", "registration", "custom")
"""Values of class.kind: connectors translate their system's words into these (TASS CORE/ELE
subjects are teaching sets, OneRoster "homeroom" is registration, Integris "MixedGroup" is
mixed, clubs and extra-curricular groups are custom)."""

GROUP_KINDS: tuple[str, ...] = ("house", "year", "form", "student_group")
"""Values of group.kind."""
