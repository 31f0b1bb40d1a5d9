"""Mapping canonical records to a target: each field's rule, then its format and required checks.

The session's rules (``Session.mapping``: ``{target: {field: rule JSON}}``) override the
profile's defaults field by field, so the admin's edits survive a profile update.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from mis_wizard.vendors.concepts import PREFIX

from .canonical import RAW, Record, record_id
from .rules import Applied, Applier, Rule, read_source, rule_sources, said
from .schema import _EMAIL, _INT, _YEAR, FORMATS, Target, TargetField, normalise
from .transforms import REGISTRY, MapContext, TransformError, bind_step, text


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
            names.update(s[len(RAW):] for s in rule_sources(rule) if s.startswith(RAW))
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
    compiled: bool = True
    """``row`` runs one generated function for the whole target (False: the field-by-field loop,
    which gives the same results and which the tests compare it with)."""

    def __post_init__(self) -> None:
        self._runs = [(f, self._compile(f)) for f in self.target.fields]
        self._named_runs = [(f.name, run) for f, run in self._runs]
        self.row_source = ""
        """The generated row function's source (empty when not compiled), for the tests."""
        if self.compiled:
            self.row_source, self.row = _generate_row(self)  # type: ignore[method-assign,assignment]

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
        what only a screen shows (and the errors are a shared empty mapping when there are none).
        A compiled Mapper replaces this loop by its generated function (``_generate_row``)."""
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


# The generated row function. A sync maps every record through every field; the field-by-field
# loop above pays a Python call per field, a tuple test per value and a dict store per field. The
# generator writes one function per target instead, with the fixed transforms' code inline. Its
# source is built only from the code snippets below, chosen by comparing the rule's kind, step
# names and choice parameters with fixed values: everything the profile or the admin typed (field
# and source names, fixed values, separators, match-code tables, error messages) is bound into
# the function's namespace as data under a generated name (``_b0``, ``_b1``…) and never spliced
# into the source. What the generator does not write out inline calls the field's compiled rule
# (``Mapper._compile``), so every field gives exactly what the loop gives.

_CASE = {"upper": "{v} = {v}.upper()", "lower": "{v} = {v}.lower()"}
_CONSTANT_STEPS = frozenset({"today", "fixed", "school_year"})
"""Steps whose value depends only on their parameters and the MapContext."""
_PURE_STEPS = frozenset({"trim", "case", "default", "split_name"}) | _CONSTANT_STEPS
"""Steps that read only the value (or nothing) and never raise."""
_FORMAT_OK = {"code": '"\\n" not in {v} and len({v}) <= 64', "email": "_EMAIL({v})", "int": "_INT({v})",
              "year": "_YEAR({v})"}
"""Per format, the test of a value that is fine, written out (FORMATS has the same checks)."""
_FORMAT_BAD = {"code": "\n", "email": "", "int": "x", "year": "x"}
"""A value each format refuses, to read its message from FORMATS itself."""


class _Source:
    """The generated function's lines and the data it is given."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.data: dict[str, Any] = {}

    def bind(self, value: Any) -> str:
        name = f"_b{len(self.data)}"
        self.data[name] = value
        return name

    def add(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)


def _generate_row(
    mapper: Mapper,
) -> tuple[str, Callable[[Record], tuple[str, dict[str, str | None], Mapping[str, str]]]]:
    src = _Source()
    entity = mapper.target.entity
    prefix = PREFIX.get(entity, entity) + "."
    src.add(1, "get = record.get")
    src.add(1, "errors = None")
    names = []
    for i, (f, run) in enumerate(mapper._runs):
        v = f"v{i}"
        key = src.bind(f.name)
        names.append((key, v))
        _field_lines(src, mapper, f, run, key, v, 1)
    id_key = src.bind(prefix + "id")
    src.add(1, f"rid = get({id_key})")
    src.add(1, f"if rid is None or rid == \"\": rid = _RECORD_ID({src.bind(entity)}, record)")
    src.add(1, "elif type(rid) is not str: rid = str(rid)")
    values = ", ".join(f"{k}: {v}" for k, v in names)
    src.add(1, f"return rid, {{{values}}}, errors or _NO_ERRORS")
    code = "def row(record):\n" + "\n".join(src.lines) + "\n"
    namespace: dict[str, Any] = {
        "__builtins__": {"type": type, "str": str, "len": len, "tuple": tuple}, "_text": text, "_TE": TransformError,
        "_EMAIL": _EMAIL.match, "_INT": _INT, "_YEAR": _YEAR,
        "_RECORD_ID": record_id, "_NO_ERRORS": NO_ERRORS, "_COUNT": mapper._count_unmatched, "_err": _add_error,
        **src.data}
    exec(compile(code, f"<mapping row: {len(mapper._runs)} fields>", "exec"), namespace)  # noqa: S102  # generated from fixed snippets only; see above
    return code, namespace["row"]


def _add_error(errors: dict[str, str] | None, name: str, error: str) -> dict[str, str]:
    if errors is None:
        errors = {}
    errors[name] = error
    return errors


def _fallback(src: _Source, run: FieldRun, key: str, v: str, indent: int) -> None:
    """The field's compiled rule, called as the loop calls it."""
    src.add(indent, f"{v} = {src.bind(run)}(record)")
    src.add(indent, f"if type({v}) is tuple:")
    src.add(indent + 1, f"_, {v}, e, u = {v}")
    src.add(indent + 1, f"if u is not None: _COUNT({key}, u)")
    src.add(indent + 1, f"if e: errors = _err(errors, {key}, e)")


def _field_lines(src: _Source, mapper: Mapper, f: TargetField, run: FieldRun, key: str, v: str, indent: int) -> None:
    """Field ``f``'s lines, leaving its value in ``v`` and any problem in ``errors`` under ``key``."""
    rule = mapper.rules[f.name]
    if rule.kind == "skip" and not f.required:
        src.add(indent, f"{v} = None")
        return
    if f.format == "bool" or rule.kind == "skip":
        _fallback(src, run, key, v, indent)
        return
    if rule.kind == "match":
        # A match rule's outcome depends only on the source value: the codes whose outcome is a
        # value with nothing else to say are looked up directly, anything else goes the long way.
        known = {}
        for code in rule.table:
            out = run({rule.source: code}) if rule.source else None
            if out is not None and type(out) is not tuple:
                known[code] = out
        src.add(indent, f"{v} = get({src.bind(rule.source)})")
        src.add(indent, f"{v} = {src.bind(known)}.get({v} if type({v}) is str else _text({v}))")
        src.add(indent, f"if {v} is None:")
        _fallback(src, run, key, v, indent + 1)
        return
    steps = [s.get("name", "") for s in rule.steps] if rule.kind == "transform" else []
    if any(n not in REGISTRY for n in steps):
        _fallback(src, run, key, v, indent)
        return
    last_constant = max((i for i, n in enumerate(steps) if n in _CONSTANT_STEPS), default=-1)
    if last_constant >= 0 and all(n in _PURE_STEPS for n in steps):
        out = run({})  # the same for every record: only the source value differs, and it is not read
        if type(out) is not tuple:
            src.add(indent, f"{v} = {src.bind(out)}")
            return
    raises = any(n not in _PURE_STEPS and n != "concat" for n in steps)
    if rule.source:
        src.add(indent, f"{v} = get({src.bind(rule.source)})")
        src.add(indent, f"{v} = {v} if type({v}) is str else _text({v})")
    else:
        src.add(indent, f'{v} = ""')
    if not steps:
        _check_lines(src, f, rule, key, v, indent, skip_check=False)
        return
    body = indent
    if raises:
        # The step works on ``v`` so that the source value stays in ``vN`` for the message.
        src.add(indent, "try:")
        body = indent + 1
        w = "v"
        src.add(body, f"v = {v}")
    else:
        w = v
    for step in rule.steps:
        fn, params = bind_step(step, mapper.ctx)
        name = step["name"]
        if name == "trim":
            src.add(body, f'{w} = " ".join({w}.split())')
        elif name == "case":
            src.add(body, _CASE.get(str(params.get("to")), "{v} = {v}.title()").format(v=w))
        elif name == "default":
            src.add(body, f"if not {w}.strip(): {w} = {src.bind(str(params['value']))}")
        elif name in _CONSTANT_STEPS:
            src.add(body, f"{w} = {src.bind(fn('', {}, params, mapper.ctx))}")
        elif name == "concat":
            parts = []
            for j, source in enumerate(params["sources"]):
                src.add(body, f"p{j} = get({src.bind(source)})")
                src.add(body, f"p{j} = p{j}.strip() if type(p{j}) is str else _text(p{j}).strip()")
                parts.append(f"p{j}")
            joined = f"{src.bind(str(params.get('separator', ' ')))}.join"
            src.add(body, f"{w} = {joined}([p for p in ({', '.join(parts)},) if p])")
        else:
            src.add(body, f"{w} = {src.bind(fn)}({w}, record, {src.bind(params)}, {src.bind(mapper.ctx)})")
    if raises:
        src.add(indent, "except _TE as exc:")
        src.add(indent + 1, f"errors = _err(errors, {key}, {src.bind(_message_head(rule))} + str(exc))")
        src.add(indent + 1, f'{v} = ""')
        src.add(indent, "else:")
        src.add(body, f"{v} = v")
    # A date step's value is always YYYY-MM-DD (date.isoformat), so its date check is not rerun.
    _check_lines(src, f, rule, key, v, body, skip_check=steps[-1] == "date" and f.format == "date")


def _message_head(rule: Rule) -> str:
    from .rules import _name

    return _name(rule.source) + " "


def _check_lines(src: _Source, f: TargetField, rule: Rule, key: str, v: str, indent: int, *, skip_check: bool) -> None:
    """After the rule: a value that is not blank gets the field's checks, a blank one the rule's
    Overwrite (and the required field's problem)."""
    check = ""
    if f.values:
        # The field's own check (format, then codes) is called: a field with codes is rare.
        check = f"e = {src.bind(f.value_check())}({v})\nif e: errors = _err(errors, {key}, e)"
    elif skip_check or f.format == "text":
        check = ""
    elif f.format in _FORMAT_OK:
        message = src.bind(FORMATS[f.format](_FORMAT_BAD[f.format]))
        check = f"if not ({_FORMAT_OK[f.format].format(v=v)}): errors = _err(errors, {key}, {message})"
    else:
        check = f"e = {src.bind(FORMATS[f.format])}({v})\nif e: errors = _err(errors, {key}, e)"
    if check:
        src.add(indent, f"if {v} and not {v}.isspace():")
        for line in check.splitlines():
            src.add(indent + 1, line)
        src.add(indent, "else:")
    else:
        src.add(indent, f"if not {v} or {v}.isspace():")
    if f.blank_problem:
        src.add(indent + 1, f"errors = _err(errors, {key}, {src.bind(f.blank_problem)})")
    src.add(indent + 1, f"{v} = {src.bind('' if rule.overwrite else None)}")
