"""Mapping canonical records to a target: each field's rule, then its format and required checks.

The session's rules (``Session.mapping``: ``{target: {field: rule JSON}}``) override the
profile's defaults field by field, so the admin's edits survive a profile update.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .canonical import RAW, Record, record_id
from .rules import Applied, Applier, Rule, read_source, said
from .schema import Target, TargetField, normalise
from .transforms import REGISTRY, MapContext


@dataclass(frozen=True)
class Cell:
    field: str
    source: str
    """The concept or raw field the value came from ("" for Today, fixed values, Do not map)."""
    source_value: str
    value: str | None
    """None: nothing sent (Do not map, or blank without Overwrite)."""
    rule: str
    error: str = ""

    @property
    def shown(self) -> str:
        return self.value if self.value is not None else ""

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field, "source": self.source, "source_value": self.source_value,
                "value": self.value, "rule": self.rule, "error": self.error}


@dataclass(frozen=True)
class MappedRecord:
    id: str
    cells: tuple[Cell, ...]

    @property
    def errors(self) -> dict[str, str]:
        return {c.field: c.error for c in self.cells if c.error}

    def values(self) -> dict[str, str | None]:
        return {c.field: c.value for c in self.cells}

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "cells": [c.to_json() for c in self.cells]}


def effective_rules(target: Target, session_mapping: Mapping[str, Any] | None) -> dict[str, Rule]:
    """Each field's rule: the session's when it has a valid one, else the profile's default."""
    saved = (session_mapping or {}).get(target.name, {})
    rules = {}
    for f in target.fields:
        data = saved.get(f.name) if isinstance(saved, Mapping) else None
        rules[f.name] = Rule.from_json(data, f"mapping.{target.name}.{f.name}") if data else f.default_rule
    return rules


def raw_fields(targets: Iterable[Target], session_mapping: Mapping[str, Any] | None) -> set[str]:
    """The raw fields (names without ``raw:``) the targets' effective rules read: their sources and
    the fields their steps join. Everything else a sync can drop from the canonical view."""
    names: set[str] = set()
    for target in targets:
        for rule in effective_rules(target, session_mapping).values():
            sources = [rule.source] if rule.source else []
            for step in rule.steps:
                transform = REGISTRY.get(step.get("name", ""))
                params = step.get("params") or {}
                for p in transform.params if transform else ():
                    if p.kind == "sources":
                        sources.extend(params.get(p.name) or ())
            names.update(s[len(RAW):] for s in sources if s.startswith(RAW))
    return names


FieldRun = Applier
"""One target field over a record: its value, or (source_value, value, error, unmatched) when
there is more to say (rules.Applied)."""
NO_ERRORS: Mapping[str, str] = MappingProxyType({})


@dataclass
class Mapper:
    target: Target
    rules: dict[str, Rule]
    ctx: MapContext = field(default_factory=MapContext)
    unmatched: dict[str, Counter[str]] = field(default_factory=dict)
    """Per field, the source values no match code covered, with how often each was seen."""

    def __post_init__(self) -> None:
        self._runs = [(f, self._compile(f)) for f in self.target.fields]
        self._named_runs = [(f.name, run) for f, run in self._runs]

    @classmethod
    def for_session(cls, target: Target, session_mapping: Mapping[str, Any] | None,
                    ctx: MapContext | None = None) -> Mapper:
        return cls(target, effective_rules(target, session_mapping), ctx or MapContext())

    def map(self, record: Record) -> MappedRecord:
        """Every field as a Cell with its source and rule, for the preview and the report."""
        return MappedRecord(record_id(self.target.entity, record),
                            tuple(self._cell(f, run, record) for f, run in self._runs))

    def row(self, record: Record) -> tuple[str, dict[str, str | None], Mapping[str, str]]:
        """(id, values, errors) without a Cell per field: the sync maps every record, so it skips
        what only a screen shows (and the errors are a shared empty mapping when there are none)."""
        values: dict[str, str | None] = {}
        errors: dict[str, str] | None = None
        for name, run in self._named_runs:
            value = run(record)
            if type(value) is tuple:
                _, value, error, unmatched = value
                if unmatched is not None:
                    self._count_unmatched(name, unmatched)
                if error:
                    if errors is None:
                        errors = {}
                    errors[name] = error
            values[name] = value  # type: ignore[assignment]  # the tuple was unpacked above
        return record_id(self.target.entity, record), values, errors or NO_ERRORS

    def _cell(self, f: TargetField, run: FieldRun, record: Record) -> Cell:
        rule = self.rules[f.name]
        source_value, value, error, unmatched = said(run(record), record, rule.source)
        if unmatched is not None:
            self._count_unmatched(f.name, unmatched)
        return Cell(f.name, rule.source or "", source_value, value, rule.kind.label, error)

    def _count_unmatched(self, name: str, value: str) -> None:
        self.unmatched.setdefault(name, Counter())[value] += 1

    def _compile(self, f: TargetField) -> FieldRun:
        """The field's rule, then its format: bools spelt true/false, and the field's checks
        (a required field set to Do not map is an error of its own)."""
        rule = self.rules[f.name]
        if rule.kind == "skip":
            if not f.required:
                return rule.compile(self.ctx)
            source = rule.source
            return lambda record: (read_source(record, source), None, "is required but set to Do not map", None)
        if f.format != "bool":
            return rule.compile(self.ctx, f.value_check(), f.blank_problem)
        apply = rule.compile(self.ctx)

        def spelt(record: Mapping[str, Any]) -> Applied:
            source_value, value, error, unmatched = said(apply(record), record, rule.source)
            if value:
                value = normalise(f.format, value)
            error = error or f.check(value)
            return (source_value, value, error, unmatched) if error or unmatched is not None else value

        return spelt
