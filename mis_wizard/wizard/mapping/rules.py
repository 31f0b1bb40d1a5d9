"""Mapping rules: how one target field gets its value from a canonical record.

Kinds, as the admissions integrators name them: Direct (the source as it is), Transformation
(an ordered list of named transforms), Match codes (a value table with a default), Do not map.
Every rule also carries Overwrite: when the mapped value is blank, overwrite sends a blank that
clears the integrator's copy; without it the integrator keeps what it has. Rules are JSON data
(``to_json``/``from_json``) saved in the session and the bundle.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mis_wizard.wizard import words

from .canonical import text
from .transforms import REGISTRY, MapContext, TransformError, bind_step, is_source, step_problems


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


Said = tuple[str, str | None, str, str | None]
"""An Outcome's fields as a plain tuple: (source_value, value, error, unmatched)."""
Applied = str | None | Said
"""What a compiled rule gives for one record: just the value when that is all there is to say
(no error, no unmatched code: nearly every record), else the whole ``Said`` tuple. A sync maps
100,000 records through a dozen fields; a tuple for each would be 1.2 million allocations the
cycle collector counts, and it then ran a fifth of the mapping's time."""
Applier = Callable[[Mapping[str, Any]], Applied]


def said(applied: Applied, record: Mapping[str, Any], source: str | None) -> Said:
    """The whole tuple, reading the source value again where the rule gave just the value."""
    return applied if type(applied) is tuple else (read_source(record, source), applied, "", None)  # type: ignore[return-value]


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
        return Outcome(*said(self.compile(ctx)(record), record, self.source))

    def compile(self, ctx: MapContext, check: Callable[[str], str] | None = None, blank_problem: str = "") -> Applier:
        """This rule as one function over records, its steps and match table prepared once, for
        mapping many records (a sync maps 100,000 students through each field's rule). The target
        field's ``check`` (of a value that is not blank) and ``blank_problem`` give the error of a
        value the rule itself produced without one."""
        source = self.source
        blank: str | None = "" if self.overwrite else None
        if self.kind is RuleKind.SKIP:
            return lambda record: None
        if self.kind is RuleKind.MATCH:
            return self._compile_match(blank, check, blank_problem)
        steps = tuple(bind_step(s, ctx) for s in self.steps) if self.kind is RuleKind.TRANSFORM else ()
        name = _name(source)

        # Shaped for the rule (no steps, one step, several): a sync runs each field's rule for
        # every record, and the loop and its exception frame cost as much as a simple step.
        if not steps:
            def direct(record: Mapping[str, Any]) -> Applied:
                raw = record.get(source) if source else ""
                value = raw if type(raw) is str else text(raw)
                if value and not value.isspace():
                    error = "" if check is None else check(value)
                    return (value, value, error, None) if error else value
                return (value, blank, blank_problem, None) if blank_problem else blank

            return direct

        def made(source_value: str, value: str) -> Applied:
            """What the steps made of ``source_value``, with the target field's error if it has one."""
            if value and not value.isspace():
                error = "" if check is None else check(value)
                return (source_value, value, error, None) if error else value
            return (source_value, blank, blank_problem, None) if blank_problem else blank

        if len(steps) == 1:
            (fn, params), = steps

            def one_step(record: Mapping[str, Any]) -> Applied:
                raw = record.get(source) if source else ""
                source_value = raw if type(raw) is str else text(raw)
                try:
                    value = fn(source_value, record, params, ctx)
                except TransformError as exc:
                    return source_value, "", f"{name} {exc}", None
                return made(source_value, value)

            return one_step

        def apply(record: Mapping[str, Any]) -> Applied:
            raw = record.get(source) if source else ""
            value = source_value = raw if type(raw) is str else text(raw)
            try:
                for fn, params in steps:
                    value = fn(value, record, params, ctx)
            except TransformError as exc:
                return source_value, "", f"{name} {exc}", None
            return made(source_value, value)

        return apply

    def _compile_match(self, blank: str | None, check: Callable[[str], str] | None, blank_problem: str) -> Applier:
        source, default = self.source, self.default
        table = dict(self.table)
        folded = {k.strip().casefold(): v for k, v in table.items()}

        def match(record: Mapping[str, Any]) -> Applied:
            source_value = read_source(record, source)
            key = source_value.strip()
            unmatched = None
            if not key:
                value = table.get("", "")  # a "" code maps a blank value (Aeries sends "" for active)
            elif key in table:
                value = table[key]
            elif key.casefold() in folded:
                value = folded[key.casefold()]
            elif default is None:
                return source_value, "", "has no match code for this value; add it to the table", key
            else:
                value, unmatched = default, key
            if value and not value.isspace():
                error = "" if check is None else check(value)
            else:
                value, error = blank, blank_problem  # type: ignore[assignment]
            return (source_value, value, error, unmatched) if error or unmatched is not None else value

        return match


def rule_sources(rule: Rule) -> list[str]:
    """Every field a rule reads: its source and the fields its steps join."""
    sources = [rule.source] if rule.source else []
    for step in rule.steps:
        transform = REGISTRY.get(step.get("name", ""))
        params = step.get("params") or {}
        for p in transform.params if transform else ():
            if p.kind == "sources":
                sources.extend(params.get(p.name) or ())
    return sources


def read_source(record: Mapping[str, Any], source: str | None) -> str:
    """The source field of a record as text ("" when the rule has no source)."""
    raw = record.get(source) if source else ""
    return raw if type(raw) is str else text(raw)


def _name(source: str | None) -> str:
    return "The value" if not source else f"The value of “{words.source_label(source)}”"


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
