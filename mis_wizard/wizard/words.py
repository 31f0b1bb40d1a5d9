"""Counts and names in words for a school admin: "1 student", "2 students", "1 class",
"First name" — never "1 students", "record(s)" or ``first_name`` on screen.

Qt-free, so the GUI, the CLI and the reports say counts the same way.
"""

from __future__ import annotations

import re

_IRREGULAR: dict[str, tuple[str, str]] = {
    "staff": ("staff member", "staff members"),
    "attendance": ("attendance record", "attendance records"),
    "timetable": ("timetable entry", "timetable entries"),
    "calendar": ("calendar day", "calendar days"),
    "registration": ("registration mark", "registration marks"),
}
"""Entity ids whose name is not a countable plural."""


def plural(count: int, one: str, many: str | None = None) -> str:
    """``count`` with the noun that agrees: ``plural(1, "record")`` → "1 record",
    ``plural(1200, "record")`` → "1,200 records"; ``many`` for nouns not made with -s."""
    noun = one if count == 1 else (many if many is not None else _plural_of(one))
    return f"{count:,} {noun}"


def _plural_of(noun: str) -> str:
    if re.search(r"(s|x|z|ch|sh)$", noun):
        return noun + "es"
    if re.search(r"[^aeiou]y$", noun):
        return noun[:-1] + "ies"
    return noun + "s"


def singular_of(plural_noun: str) -> str:
    """The singular of a plural noun as entity ids spell them (``classes`` → ``class``)."""
    if plural_noun.endswith("ies"):
        return plural_noun[:-3] + "y"
    if re.search(r"(ss|x|z|ch|sh)es$", plural_noun):
        return plural_noun[:-2]
    if plural_noun.endswith("s") and not plural_noun.endswith("ss"):
        return plural_noun[:-1]
    return plural_noun


def entity_nouns(entity_id: str) -> tuple[str, str]:
    """(one, many) for a canonical entity id: ``contact_links`` → ("contact link", "contact links")."""
    if entity_id in _IRREGULAR:
        return _IRREGULAR[entity_id]
    words = entity_id.replace("_", " ").strip()
    head, _, last = words.rpartition(" ")
    one = f"{head} {singular_of(last)}".strip()
    return one, words


def records(count: int, entity_id: str) -> str:
    """``records(1, "students")`` → "1 student"; ``records(3, "staff")`` → "3 staff members"."""
    one, many = entity_nouns(entity_id)
    return plural(count, one, many)


def field_label(name: str, label: str = "") -> str:
    """A field as the admin reads it: its label when it has one, else its name in words
    (``birth_date`` → "Birth date", ``StudentCode`` → "Student code")."""
    if label:
        return label
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    words = re.sub(r"[_.]+", " ", spaced).strip().lower()
    return words[:1].upper() + words[1:] if words else name


def source_label(source: str, system: str = "") -> str:
    """Where a mapped value comes from, in words: a concept (``student.first_name``) as
    "First name", a system's raw field (``raw:name.first_name``) as "PowerSchool: name › first name"."""
    if source.startswith("raw:"):
        parts = [field_label(p).lower() for p in source[4:].split(".") if p]
        return f"{system or 'Your system'}: {' › '.join(parts)}"
    _entity, _, attribute = source.partition(".")
    return field_label(attribute or source)
