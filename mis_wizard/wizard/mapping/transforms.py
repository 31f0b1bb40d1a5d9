"""The fixed set of named transforms a Transformation rule chains, with their parameters.

Rules are data an integrator or admin edits, so nothing here evaluates expressions: a rule
names transforms from this registry and gives them parameters, and both are checked before
anything runs. Each transform turns one text value into another (``concat`` also reads other
fields of the record).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mis_wizard.vendors.concepts import CONCEPTS

from .canonical import RAW, text


class TransformError(ValueError):
    """A value a transform cannot turn into the target's form; the message is for the admin."""


@dataclass(frozen=True)
class MapContext:
    """What transforms need from outside the record: the day and how the school writes dates."""

    today: dt.date = field(default_factory=dt.date.today)
    date_order: str = "DMY"
    """How to read ambiguous dates like 03/04/2010 when a step does not say: DMY or MDY (US)."""
    school_year_start_month: int = 1
    """First month of the school year: 1 in Australia, 8 or 9 in the US and UK."""


@dataclass(frozen=True)
class Param:
    name: str
    label: str
    kind: str = "text"
    """text, choice, int or sources (a list of concepts / raw fields)."""
    choices: tuple[str, ...] = ()
    default: Any = None
    required: bool = False
    low: int = 0
    high: int = 0
    example: str = ""
    """What a right value looks like, said when a required text is left blank."""


Fn = Callable[[str, Mapping[str, Any], Mapping[str, Any], MapContext], str]


@dataclass(frozen=True)
class Transform:
    name: str
    label: str
    fn: Fn
    params: tuple[Param, ...] = ()

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


_MONTHS = {m: i + 1 for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                             "nov", "dec"))}
_ISO = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ].*)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T[\d:.]*)?$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})(?:[T ].*)?$")
_DAY_MONTH_NAME = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[\s\-]+([A-Za-z]{3,})\.?,?[\s\-]+(\d{4})$")
_MONTH_NAME_DAY = re.compile(r"^([A-Za-z]{3,})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")
_DOTNET = re.compile(r"^/Date\((-?\d+)(?:[+-]\d{4})?\)/$")


def parse_date(value: str, order: str = "DMY") -> dt.date:
    """A date from the forms school systems send: ISO (with or without time), DD/MM/YYYY, US
    MM/DD/YYYY when ``order`` is MDY, YYYYMMDD (LISS sends 20260101T00:00:00), "4 March 2010",
    "March 4, 2010", /Date(ms)/."""
    v = value.strip()
    try:
        if m := _ISO.match(v) or _COMPACT.match(v):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := _NUMERIC.match(v):
            a, b, year = int(m[1]), int(m[2]), int(m[3])
            if len(m[3]) == 2:
                year += 2000 if year < 50 else 1900
            day, month = (b, a) if order == "MDY" else (a, b)
            if month > 12 and day <= 12:
                other = "DD/MM/YYYY" if order == "MDY" else "MM/DD/YYYY (US)"
                raise TransformError(f"has no month {month}; the dates look like {other}: change the date order")
            return dt.date(year, month, day)
        if m := _DAY_MONTH_NAME.match(v):
            return dt.date(int(m[3]), _month(m[2]), int(m[1]))
        if m := _MONTH_NAME_DAY.match(v):
            return dt.date(int(m[3]), _month(m[1]), int(m[2]))
        if m := _DOTNET.match(v):
            return (dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(milliseconds=int(m[1]))).date()
    except ValueError as exc:
        if isinstance(exc, TransformError):
            raise
        raise TransformError("is not a real calendar date") from exc
    raise TransformError("is not a date in a form the wizard knows (e.g. 2010-03-04 or 04/03/2010)")


def _month(name: str) -> int:
    month = _MONTHS.get(name[:3].lower())
    if month is None:
        raise TransformError("has a month name the wizard does not know")
    return month


def _date(value: str, _record: Mapping[str, Any], params: Mapping[str, Any], ctx: MapContext) -> str:
    if not value.strip():
        return ""
    return parse_date(value, params.get("order") or ctx.date_order).isoformat()


def _trim(value: str, *_: Any) -> str:
    return " ".join(value.split())


def _case(value: str, _record: Mapping[str, Any], params: Mapping[str, Any], _ctx: MapContext) -> str:
    to = params.get("to", "title")
    return value.upper() if to == "upper" else value.lower() if to == "lower" else value.title()


_PEOPLE = re.compile(r"\s+(?:and|&)\s+|\s*[/+]\s*", re.IGNORECASE)


def split_people(value: str) -> list[str]:
    """"David and Sarah Smith" → ["David", "Sarah Smith"]; one person stays one."""
    return [p.strip() for p in _PEOPLE.split(value.strip()) if p.strip()]


def _split_name(value: str, _record: Mapping[str, Any], params: Mapping[str, Any], _ctx: MapContext) -> str:
    people = split_people(value)
    index = 0 if params.get("person", "first") == "first" else 1
    if index >= len(people):
        return ""
    person = people[index]
    part = params.get("part", "whole")
    if part == "whole":
        return person
    if "," in person:
        family, given = (s.strip() for s in person.split(",", 1))
    else:
        words = person.split()
        given, family = " ".join(words[:1]), " ".join(words[1:])
        if not family and len(people) > 1:
            family = " ".join(people[-1].split()[1:])
    return given if part == "given" else family


def _today(_value: str, _record: Mapping[str, Any], _params: Mapping[str, Any], ctx: MapContext) -> str:
    return ctx.today.isoformat()


def _fixed(_value: str, _record: Mapping[str, Any], params: Mapping[str, Any], _ctx: MapContext) -> str:
    return str(params["value"])


def school_year(today: dt.date, start_month: int) -> int:
    """The calendar year the current school year started in."""
    return today.year if today.month >= start_month else today.year - 1


def _school_year(_value: str, _record: Mapping[str, Any], params: Mapping[str, Any], ctx: MapContext) -> str:
    start = school_year(ctx.today, int(params.get("start_month") or ctx.school_year_start_month))
    fmt = params.get("format", "start")
    return str(start + 1) if fmt == "end" else f"{start}-{start + 1}" if fmt == "span" else str(start)


def _concat(value: str, record: Mapping[str, Any], params: Mapping[str, Any], _ctx: MapContext) -> str:
    parts = [text(record.get(s)).strip() for s in params["sources"]]
    return str(params.get("separator", " ")).join(p for p in parts if p)


def _default(value: str, _record: Mapping[str, Any], params: Mapping[str, Any], _ctx: MapContext) -> str:
    return value if value.strip() else str(params["value"])


REGISTRY: dict[str, Transform] = {t.name: t for t in (
    Transform("date", "Date to YYYY-MM-DD", _date,
              (Param("order", "Day/month order", "choice", ("DMY", "MDY"), None),)),
    Transform("trim", "Trim spaces", _trim),
    Transform("case", "Change case", _case, (Param("to", "Case", "choice", ("upper", "lower", "title"), "title"),)),
    Transform("split_name", "Split a combined name", _split_name,
              (Param("person", "Person", "choice", ("first", "second"), "first"),
               Param("part", "Part", "choice", ("whole", "given", "family"), "whole"))),
    Transform("today", "Today", _today),
    Transform("fixed", "Fixed value", _fixed, (Param("value", "Value", required=True, example='"Active" or "AU"'),)),
    Transform("school_year", "School year", _school_year,
              (Param("format", "Format", "choice", ("start", "end", "span"), "start"),
               Param("start_month", "First month", "int", low=1, high=12))),
    Transform("concat", "Concatenate fields", _concat,
              (Param("sources", "Fields", "sources", required=True), Param("separator", "Separator", default=" "))),
    Transform("default", "Default when blank", _default,
              (Param("value", "Value", required=True, example='"Unknown" or "student"'),)),
)}


def is_source(name: Any) -> bool:
    return isinstance(name, str) and (name in CONCEPTS or (name.startswith(RAW) and len(name) > len(RAW)))


def step_problems(step: Any, path: str) -> list[tuple[str, str]]:
    """Everything wrong with one ``{"name": …, "params": {…}}`` step, with its path."""
    if not isinstance(step, Mapping):
        return [(path, 'must be a table like {name = "trim"}')]
    name = step.get("name")
    transform = REGISTRY.get(name) if isinstance(name, str) else None
    if transform is None:
        return [(f"{path}.name", f"{name!r} is not a transform; use one of: {', '.join(REGISTRY)}")]
    params = step.get("params", {})
    if not isinstance(params, Mapping):
        return [(f"{path}.params", "must be a table of parameters")]
    problems = []
    for key in set(step) - {"name", "params"}:
        problems.append((f"{path}.{key}", "is not a step setting; put parameters under params"))
    for key, value in params.items():
        p = transform.param(key)
        where = f"{path}.params.{key}"
        if p is None:
            known = ", ".join(x.name for x in transform.params) or "none"
            problems.append((where, f"is not a parameter of {name} (it takes: {known})"))
        elif p.kind == "choice" and value not in p.choices:
            problems.append((where, f"{value!r} is not one of: {', '.join(p.choices)}"))
        elif p.kind == "int" and not (isinstance(value, int) and not isinstance(value, bool)
                                      and p.low <= value <= p.high):
            problems.append((where, f"must be a whole number from {p.low} to {p.high}"))
        elif p.kind == "text" and not isinstance(value, str):
            problems.append((where, "must be text in quotes"))
        elif p.kind == "text" and p.required and not value.strip():
            problems.append((where, f"must not be blank; type the value to use, e.g. {p.example}"))
        elif p.kind == "sources" and (not isinstance(value, list) or not value
                                      or not all(is_source(s) for s in value)):
            problems.append((where, "must be a list of known concepts or raw:<field> names"))
    for p in transform.params:
        if p.required and p.name not in params:
            problems.append((f"{path}.params.{p.name}", f"is required by {name}"))
    return problems


def bind_step(step: Mapping[str, Any], ctx: MapContext) -> tuple[Fn, dict[str, Any]]:
    """A step's function and its parameters with defaults filled in, looked up once for mapping
    many records rather than per value."""
    transform = REGISTRY[step["name"]]
    params = {p.name: p.default for p in transform.params if p.default is not None}
    params.update(step.get("params", {}))
    return transform.fn, params
