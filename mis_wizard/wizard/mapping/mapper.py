"""Mapping canonical records to a target: each field's rule, then its format and required checks.

The session's rules (``Session.mapping``: ``{target: {field: rule JSON}}``) override the
profile's defaults field by field, so the admin's edits survive a profile update.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .canonical import Record, record_id
from .rules import Rule
from .schema import Target, TargetField, normalise
from .transforms import MapContext


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


@dataclass
class Mapper:
    target: Target
    rules: dict[str, Rule]
    ctx: MapContext = field(default_factory=MapContext)
    unmatched: dict[str, Counter[str]] = field(default_factory=dict)
    """Per field, the source values no match code covered, with how often each was seen."""

    @classmethod
    def for_session(cls, target: Target, session_mapping: Mapping[str, Any] | None,
                    ctx: MapContext | None = None) -> Mapper:
        return cls(target, effective_rules(target, session_mapping), ctx or MapContext())

    def map(self, record: Record) -> MappedRecord:
        return MappedRecord(record_id(self.target.entity, record),
                            tuple(self.cell(f, record) for f in self.target.fields))

    def cell(self, f: TargetField, record: Record) -> Cell:
        rule = self.rules[f.name]
        out = rule.apply(record, self.ctx)
        if out.unmatched is not None:
            self.unmatched.setdefault(f.name, Counter())[out.unmatched] += 1
        value = normalise(f.format, out.value) if out.value else out.value
        error = out.error or ("" if rule.kind == "skip" and not f.required else f.check(value))
        if rule.kind == "skip" and f.required:
            error = "is required but set to Do not map"
        return Cell(f.name, rule.source or "", out.source_value, value, rule.kind.label, error)
