"""Mapping: 100,000 synthetic students through a 12-field rule set, against a hand-written dict
comprehension doing the same transforms.

The rule set uses every kind an integrator's profile does: Direct, Transformation (trim,
case, date, concatenate, school year, fixed value, default) and Match codes. The hand-written
version is what a developer would type for this one profile, with no rules, cells, sources or
per-field checks: the fastest honest baseline. Figure ``mapping_throughput``: the Mapper's
records per second ÷ the comprehension's, each the best of several interleaved runs (so a busy
machine's noise does not decide). Target ≥ 0.9.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable
from typing import Any

import sizes
from figures import exit_code, figure
from people import people

from mis_wizard.wizard.mapping.mapper import Mapper
from mis_wizard.wizard.mapping.rules import Rule
from mis_wizard.wizard.mapping.schema import Target, TargetField
from mis_wizard.wizard.mapping.transforms import MapContext

TODAY = dt.date(2026, 11, 22)
CTX = MapContext(today=TODAY, date_order="DMY", school_year_start_month=1)
GENDERS = {"M": "Male", "F": "Female", "X": "Other"}


def _field(name: str, concept: str | None, rule: dict[str, Any] | None = None, **kw: Any) -> TargetField:
    return TargetField(name, concept, rule=Rule.from_json(rule) if rule else None, **kw)


TARGET = Target("students", "students", (
    _field("id", "student.id", required=True, format="code"),
    _field("code", "student.code", {"kind": "transform", "source": "student.code",
                                    "steps": [{"name": "trim"}, {"name": "case", "params": {"to": "upper"}}]},
           format="code"),
    _field("first_name", "student.first_name", {"kind": "transform", "source": "student.first_name",
                                                "steps": [{"name": "trim"}]}, required=True),
    _field("last_name", "student.last_name", {"kind": "transform", "source": "student.last_name",
                                              "steps": [{"name": "trim"}, {"name": "case"}]}, required=True),
    _field("display_name", None, {"kind": "transform", "steps": [
        {"name": "concat", "params": {"sources": ["student.preferred_name", "student.last_name"]}}]}),
    _field("birth_date", "student.birth_date", {"kind": "transform", "source": "student.birth_date",
                                                "steps": [{"name": "date"}]}, required=True, format="date"),
    _field("gender", "student.gender", {"kind": "match", "source": "student.gender", "table": GENDERS,
                                        "default": "Other"}, format="code", values=("Male", "Female", "Other")),
    _field("year_level", "student.year_level", format="int"),
    _field("email", "student.email", {"kind": "transform", "source": "student.email",
                                      "steps": [{"name": "trim"}, {"name": "case", "params": {"to": "lower"}}]},
           format="email"),
    _field("house", "student.house", {"kind": "transform", "source": "student.house",
                                      "steps": [{"name": "default", "params": {"value": "None"}}]}),
    _field("school_year", None, {"kind": "transform", "steps": [{"name": "school_year"}]}, format="year"),
    _field("status", None, {"kind": "transform", "steps": [{"name": "fixed", "params": {"value": "active"}}]}),
))


def students(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """Canonical student records as a system's stream gives them: padded codes, DD/MM/YYYY dates,
    shouting surnames, blank houses and e-mails with capitals."""
    firsts = ("Olivia", "Jack", "Mei", "Arjun", "Zoe", "Hamish", "Priya", "Liam")
    lasts = ("SMITH", "nguyen", "O'Brien", "van der Berg", "Patel", "Chen", "Kelly", "Wright")
    out = []
    for i, rng, first, last, born in people(n, f"{seed}:mapping-benchmark", firsts, lasts):
        out.append({
            "student.id": str(100000 + i), "student.code": f" s{i:06d} ", "student.first_name": f" {first}",
            "student.last_name": last, "student.preferred_name": first if rng.random() < 0.8 else "",
            "student.birth_date": born.strftime("%d/%m/%Y"), "student.gender": rng.choice("MFX"),
            "student.year_level": str(rng.randrange(7, 13)),
            "student.email": f" {first}.{last.replace(' ', '')}{i}@School.example.edu ",
            "student.house": rng.choice(("Banksia", "Waratah", "", "Wattle")),
        })
    return out


def by_hand(records: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The same transforms, typed out for this one rule set."""
    year = str(TODAY.year)

    def date(v: str) -> str:
        return dt.datetime.strptime(v, "%d/%m/%Y").date().isoformat()

    return [{
        "id": r["student.id"],
        "code": " ".join(r["student.code"].split()).upper(),
        "first_name": " ".join(r["student.first_name"].split()),
        "last_name": " ".join(r["student.last_name"].split()).title(),
        "display_name": " ".join(p for p in (r["student.preferred_name"].strip(), r["student.last_name"].strip()) if p),
        "birth_date": date(r["student.birth_date"]),
        "gender": GENDERS.get(r["student.gender"], "Other"),
        "year_level": r["student.year_level"],
        "email": " ".join(r["student.email"].split()).lower(),
        "house": r["student.house"] or "None",
        "school_year": year,
        "status": "active",
    } for r in records]


def with_mapper(records: list[dict[str, Any]]) -> list[dict[str, str | None]]:
    """The sync's path: values and per-field errors for every record (the preview's Cells are
    built only for the rows it shows)."""
    mapper = Mapper(TARGET, {f.name: f.default_rule for f in TARGET.fields}, CTX)
    return [mapper.row(r)[1] for r in records]


def timed(fn: Callable[[list[dict[str, Any]]], list[Any]], records: list[dict[str, Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    out = fn(records)
    return time.perf_counter() - started, out


def main(argv: list[str] | None = None) -> int:
    args = sizes.parse(argv, __doc__, "2,000 students and one run, for the smoke test", students=(100_000, 2000),
                       runs=(5, 1))
    records = students(args.students)
    mapper_s, hand_s = [], []
    for _ in range(args.runs):
        s, mapped = timed(with_mapper, records)
        mapper_s.append(s)
        s, typed = timed(by_hand, records)
        hand_s.append(s)
    if mapped != typed:
        wrong = next(i for i, (a, b) in enumerate(zip(mapped, typed, strict=True)) if a != b)
        print(f"the two disagree at record {wrong}: {mapped[wrong]} != {typed[wrong]}", file=sys.stderr)
        return 2
    ours, theirs = args.students / min(mapper_s), args.students / min(hand_s)
    return exit_code([figure("mapping_throughput", ours / theirs, ">=", 0.9, mapper_per_s=round(ours),
                             comprehension_per_s=round(theirs), students=args.students, fields=len(TARGET.fields),
                             runs=args.runs)])


if __name__ == "__main__":
    sys.exit(main())
