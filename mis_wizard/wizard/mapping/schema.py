"""The target record schema and filters a profile declares, and their validation.

A profile says, per target (``[targets.students]``), which canonical entity feeds it and, per
field (``[[targets.students.fields]]``), the concept its default comes from, whether it is
required, its format and optionally a default rule. Every problem is reported with its path
and, for a mistyped concept, the nearest known one, so an integrator can fix the file alone.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mis_wizard.vendors.concepts import CONCEPTS, ENTITIES, PREFIX
from mis_wizard.vendors.privacy import PrivacyClass

from .canonical import RAW, entity_of
from .rules import Rule, RuleKind, rule_problems

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}").fullmatch
_INT = re.compile(r"-?\d+").fullmatch
_YEAR = re.compile(r"\d{4}(-\d{4})?").fullmatch
_PHONE = re.compile(r"[+()\d][\d\s()\-.]{5,}").fullmatch
_BOOL = {"true": "true", "yes": "true", "y": "true", "1": "true", "false": "false", "no": "false", "n": "false",
         "0": "false"}


def _check_date(v: str) -> str:
    if not _DATE(v):
        return "must be a date as YYYY-MM-DD; use the Date transformation"
    try:
        dt.date.fromisoformat(v)
    except ValueError:
        return "is not a real calendar date"
    return ""


FORMATS: dict[str, Callable[[str], str]] = {
    "text": lambda v: "",
    "date": _check_date,
    "email": lambda v: "" if _EMAIL.match(v) else "is not a valid e-mail address",
    "code": lambda v: "" if "\n" not in v and len(v) <= 64 else "must be a short code on one line",
    "bool": lambda v: "" if v.lower() in _BOOL else "must be true or false",
    "int": lambda v: "" if _INT(v) else "must be a whole number",
    "year": lambda v: "" if _YEAR(v) else "must be a year such as 2026 or 2026-2027",
    "phone": lambda v: "" if _PHONE(v) else "is not a phone number",
}
"""Format name → check returning a problem ("" when the mapped value is fine)."""


def normalise(fmt: str, value: str) -> str:
    """The canonical spelling of a valid value (bools as true/false)."""
    return _BOOL.get(value.lower(), value) if fmt == "bool" else value


@dataclass(frozen=True)
class TargetField:
    name: str
    concept: str | None
    required: bool = False
    format: str = "text"
    rule: Rule | None = None
    """The profile's default rule; without one the field maps its concept directly."""
    values: tuple[str, ...] = ()
    """The codes the integrator accepts, offered as match-code targets."""
    label: str = ""
    privacy: PrivacyClass | None = None
    """The profile's class for this field; without one it derives from what the rule reads
    (wizard/privacy.target_classes)."""
    purpose: str = ""
    """Why the integrator needs this field, in their words to the school (the receipt shows it)."""

    @property
    def default_rule(self) -> Rule:
        if self.rule is not None:
            return self.rule
        return Rule(RuleKind.DIRECT, self.concept) if self.concept else Rule(RuleKind.SKIP)

    def check(self, value: str | None) -> str:
        """The problem with a mapped value for this field ("" when fine)."""
        if value is None or not value.strip():
            return self.blank_problem
        problem_of = self.value_check()
        return problem_of(value) if problem_of else ""

    @property
    def blank_problem(self) -> str:
        return "is required but blank" if self.required else ""

    def value_check(self) -> Callable[[str], str] | None:
        """The problem with a value that is not blank, with the format and codes looked up once for
        checking many records; None when every such value is fine (free text)."""
        fmt = FORMATS[self.format]
        if not self.values:
            return None if self.format == "text" else fmt
        codes = frozenset(self.values)
        not_a_code = f"is not one of the codes the integrator accepts ({', '.join(self.values[:8])})"
        return lambda value: fmt(value) or ("" if value in codes else not_a_code)


@dataclass(frozen=True)
class Target:
    name: str
    entity: str
    fields: tuple[TargetField, ...]
    label: str = ""

    def field(self, name: str) -> TargetField:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"target {self.name} has no field {name!r}")


def parse_targets(targets: Mapping[str, Any]) -> dict[str, Target]:
    """Targets of a profile that passed profile_problems."""
    out = {}
    for name, t in targets.items():
        fields = tuple(TargetField(
            name=f["name"], concept=f.get("concept"), required=bool(f.get("required", False)),
            format=f.get("format", "text"),
            rule=Rule.from_json(f["rule"]) if "rule" in f else None,
            values=tuple(f.get("values", ())), label=f.get("label", ""),
            privacy=PrivacyClass(f["privacy"]) if f.get("privacy") else None,
            purpose=str(f.get("purpose", "")).strip()) for f in t.get("fields", []))
        out[name] = Target(name=name, entity=t["entity"], fields=fields, label=t.get("label", ""))
    return out


SYNONYMS = {"dob": "birth_date", "date_of_birth": "birth_date", "birthdate": "birth_date", "fname": "first_name",
            "forename": "first_name", "given_name": "first_name", "lname": "last_name", "surname": "last_name",
            "family_name": "last_name", "sex": "gender", "grade": "year_level", "year": "year_level",
            "pupils": "students", "pupil": "students", "teachers": "staff", "parents": "contacts",
            "guardians": "contacts", "enrollments": "class_memberships", "enrolments": "class_memberships"}
"""Words integrators use for a concept or entity, so a near miss gets the right suggestion."""


def closest(word: str, pool: list[str], cutoff: float = 0.6) -> list[str]:
    """The nearest of ``pool`` to a mistyped ``word``, if any (difflib is imported for a mistake,
    not on every profile's load)."""
    import difflib

    return difflib.get_close_matches(word, pool, n=1, cutoff=cutoff)


def suggest(concept: str, entity: str | None = None) -> str:
    pool = sorted(c for c in CONCEPTS if entity is None or entity_of(c) == entity)
    head, _, attr = concept.rpartition(".")
    if attr.lower() in SYNONYMS and f"{head}.{SYNONYMS[attr.lower()]}" in pool:
        return f"; did you mean {head}.{SYNONYMS[attr.lower()]}?"
    if entity and f"{PREFIX[entity]}.{attr}" in pool:
        return f"; did you mean {PREFIX[entity]}.{attr}?"
    close = closest(concept, pool, cutoff=0.5)
    if not close and "." in concept:
        attr = concept.split(".", 1)[1]
        close = [c for c in pool if attr in c.split(".", 1)[1] or c.split(".", 1)[1] in attr][:1]
    return f"; did you mean {close[0]}?" if close else ""


_FIELD_KEYS = {"name", "concept", "required", "format", "rule", "values", "label", "privacy", "purpose"}
PURPOSE_MAX = 200
"""A purpose is a sentence the school reads on its receipt, not an essay."""
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def purpose_problem(value: Any, name: str) -> str:
    """What is wrong with a field's ``purpose`` ("" when fine). Every field the integrator takes must
    say why: the school's receipt lists each field that leaves with this reason, and a field
    nobody can give a reason for should not be taken."""
    what = f"{name!r}" if isinstance(name, str) and name else "this field"
    if value is None:
        return (f"is missing: say in one sentence why you need {what} (the school sees it on its receipt), "
                f'e.g. purpose = "To show each student by name"')
    if not isinstance(value, str) or not value.strip():
        return f"must be a sentence in quotes saying why you need {what}"
    if len(value.strip()) > PURPOSE_MAX:
        return f"is {len(value.strip())} characters; say why you need {what} in at most {PURPOSE_MAX}"
    if _CONTROL.search(value):
        return f"must be one line of plain text (no line breaks or tabs) for {what}"
    return ""


def _field_problems(f: Any, path: str, entity: str | None, seen: set[str]) -> list[tuple[str, str]]:
    if not isinstance(f, Mapping):
        return [(path, "must be a table with at least name and concept")]
    problems = [(f"{path}.{k}", f"is not a field setting; use: {', '.join(sorted(_FIELD_KEYS))}")
                for k in sorted(set(f) - _FIELD_KEYS)]
    name = f.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append((f"{path}.name", "is required"))
    elif name in seen:
        problems.append((f"{path}.name", f"{name!r} appears twice in this target"))
    else:
        seen.add(name)
    concept = f.get("concept")
    if concept is not None:
        if not isinstance(concept, str) or not (concept in CONCEPTS or concept.startswith(RAW)):
            problems.append((f"{path}.concept", f"{concept!r} is not a known concept{suggest(str(concept), entity)}"))
        elif entity and concept in CONCEPTS and entity_of(concept) != entity:
            problems.append((f"{path}.concept", f"{concept!r} belongs to {entity_of(concept)}, not {entity}"
                             f"{suggest(concept, entity)}"))
    elif "rule" not in f:
        problems.append((f"{path}.concept", "is required when the field has no rule"))
    fmt = f.get("format", "text")
    if fmt not in FORMATS:
        problems.append((f"{path}.format", f"{fmt!r} is not a format; use one of: {', '.join(FORMATS)}"))
    if not isinstance(f.get("required", False), bool):
        problems.append((f"{path}.required", "must be true or false"))
    values = f.get("values", [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        problems.append((f"{path}.values", "must be a list of codes in quotes"))
    if "rule" in f:
        problems.extend(rule_problems(f["rule"], f"{path}.rule"))
    if "privacy" in f and f["privacy"] not in set(PrivacyClass):
        problems.append((f"{path}.privacy", f"must be one of: {', '.join(PrivacyClass)}"))
    return problems


def target_problems(targets: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every problem in the targets; a field without its purpose is reported after the rest, so the
    first message is about what makes the profile unreadable."""
    problems: list[tuple[str, str]] = []
    unexplained: list[tuple[str, str]] = []
    for name, target in targets.items():
        path = f"targets.{name}"
        if not isinstance(target, Mapping):
            problems.append((path, "must be a table"))
            continue
        entity = target.get("entity")
        if entity not in ENTITIES:
            close = [SYNONYMS[entity]] if entity in SYNONYMS else closest(str(entity), list(ENTITIES))
            hint = f"; did you mean {close[0]}?" if close else f"; use one of: {', '.join(ENTITIES)}"
            problems.append((f"{path}.entity", f"{entity!r} is not a canonical entity{hint}"))
            entity = None
        fields = target.get("fields", [])
        if not isinstance(fields, list) or not fields:
            problems.append((f"{path}.fields", "must list the target's fields as [[" + path + ".fields]]"))
            continue
        seen: set[str] = set()
        for i, f in enumerate(fields):
            problems.extend(_field_problems(f, f"{path}.fields[{i}]", entity, seen))
            said = purpose_problem(f.get("purpose"), f.get("name", "")) if isinstance(f, Mapping) else ""
            if said:
                unexplained.append((f"{path}.fields[{i}].purpose", said))
    return problems + unexplained


def profile_problems(targets: dict[str, Any], filters: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Every problem in a profile's targets and filters, as (path, problem)."""
    from .filters import filter_problems

    return target_problems(targets) + filter_problems(filters)
