"""Mapping rules: how one target field gets its value from a canonical record.

Kinds, as the admissions integrators name them: Direct (the source as it is), Transformation
(an ordered list of named transforms), Match codes (a value table with a default), Do not map.
Every rule also carries Overwrite: when the mapped value is blank, overwrite sends a blank that
clears the integrator's copy; without it the integrator keeps what it has. Rules are JSON data
(``to_json``/``from_json``) saved in the session and the bundle.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .canonical import text
from .transforms import MapContext, TransformError, is_source, run_step, step_problems


class RuleKind(enum.StrEnum):
    DIRECT = "direct"
    TRANSFORM = "transform"
    MATCH = "match"
    SKIP = "skip"

    @property
    def label(self) -> str:
        return {"direct": "Direct", "transform": "Transformation", "match": "Match codes",
                "skip": "Do not map"}[self.value]


class RuleError(ValueError):
    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{path}: {problem}" for path, problem in problems))
        self.problems = problems


@dataclass(frozen=True)
class Outcome:
    source_value: str
    value: str | None
    """None: nothing is sent for this field (Do not map, or blank without Overwrite)."""
    error: str = ""
    unmatched: str | None = None
    """The source value that had no match code, so the admin can add it."""


@dataclass(frozen=True)
class Rule:
    kind: RuleKind
    source: str | None = None
    steps: tuple[Mapping[str, Any], ...] = ()
    table: Mapping[str, str] = field(default_factory=dict)
    default: str | None = None
    """Match codes: the value for a source value the table lacks (None: report it as an error)."""
    overwrite: bool = False

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind.value}
        if self.source:
            data["source"] = self.source
        if self.kind is RuleKind.TRANSFORM:
            data["steps"] = [dict(s) for s in self.steps]
        if self.kind is RuleKind.MATCH:
            data["table"] = dict(self.table)
            if self.default is not None:
                data["default"] = self.default
        if self.overwrite:
            data["overwrite"] = True
        return data

    @classmethod
    def from_json(cls, data: Any, path: str = "rule") -> Rule:
        problems = rule_problems(data, path)
        if problems:
            raise RuleError(problems)
        return cls(kind=RuleKind(data["kind"]), source=data.get("source"),
                   steps=tuple(dict(s) for s in data.get("steps", ())),
                   table={str(k): str(v) for k, v in data.get("table", {}).items()},
                   default=data.get("default"), overwrite=bool(data.get("overwrite", False)))

    def apply(self, record: Mapping[str, Any], ctx: MapContext) -> Outcome:
        source_value = text(record.get(self.source)) if self.source else ""
        if self.kind is RuleKind.SKIP:
            return Outcome(source_value, None)
        unmatched = None
        try:
            value = source_value
            if self.kind is RuleKind.TRANSFORM:
                for step in self.steps:
                    value = run_step(step, value, record, ctx)
            elif self.kind is RuleKind.MATCH:
                value, unmatched = self._match(source_value)
        except TransformError as exc:
            return Outcome(source_value, "", f"{_name(self.source)} {exc}")
        if unmatched is not None and self.default is None:
            return Outcome(source_value, "", "has no match code for this value; add it to the table",
                           unmatched)
        if not value.strip():
            return Outcome(source_value, "" if self.overwrite else None, unmatched=unmatched)
        return Outcome(source_value, value, unmatched=unmatched)

    def _match(self, value: str) -> tuple[str, str | None]:
        key = value.strip()
        if not key:
            return "", None
        if key in self.table:
            return self.table[key], None
        folded = {k.strip().casefold(): v for k, v in self.table.items()}
        if key.casefold() in folded:
            return folded[key.casefold()], None
        return self.default or "", key


def _name(source: str | None) -> str:
    return "The value" if not source else f"The value of {source}"


def rule_problems(data: Any, path: str) -> list[tuple[str, str]]:
    """Everything wrong with one rule as data, each with its path."""
    if not isinstance(data, Mapping):
        return [(path, 'must be a table like {kind = "direct", source = "student.first_name"}')]
    kinds = [k.value for k in RuleKind]
    kind = data.get("kind")
    if kind not in kinds:
        return [(f"{path}.kind", f"{kind!r} is not a rule kind; use one of: {', '.join(kinds)}")]
    problems: list[tuple[str, str]] = []
    allowed = {"kind", "source", "overwrite"} | {"transform": {"steps"}, "match": {"table", "default"}}.get(kind, set())
    for key in set(data) - allowed:
        problems.append((f"{path}.{key}", f"is not a setting of a {kind} rule"))
    source = data.get("source")
    if source is not None and not is_source(source):
        problems.append((f"{path}.source", f"{source!r} is not a known concept or raw:<field> name"))
    if kind in ("direct", "match") and source is None:
        problems.append((f"{path}.source", f"is required for a {kind} rule"))
    if not isinstance(data.get("overwrite", False), bool):
        problems.append((f"{path}.overwrite", "must be true or false"))
    if kind == "transform":
        steps = data.get("steps")
        if not isinstance(steps, list | tuple) or not steps:
            problems.append((f"{path}.steps", "must list at least one transform"))
        else:
            for i, step in enumerate(steps):
                problems.extend(step_problems(step, f"{path}.steps[{i}]"))
    if kind == "match":
        table = data.get("table", {})
        if not isinstance(table, Mapping) or not all(isinstance(v, str) for v in table.values()):
            problems.append((f"{path}.table", "must be a table of source value = target value (text)"))
        if "default" in data and not isinstance(data["default"], str):
            problems.append((f"{path}.default", "must be text in quotes"))
    return problems
