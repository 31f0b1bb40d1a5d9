"""Sinks: the xlsx workbook and the OneRoster zip, each against the plainest way to write the same
data, measured in one run.

``xlsx_vs_xlsxwriter``: the xlsx sink's workbook (text neutralised as explicit string cells, ISO
dates and numbers typed, the temporary file fsynced and renamed into place) ÷ xlsxwriter writing
the same rows with ``write_row`` in constant-memory mode. 50,000 rows × 16 columns. Target ≤ 1.1.

``oneroster_vs_csv``: the OneRoster 1.2 sink's whole write (the package built from the canonical
records, zipped, checked by the validator ``mis-wizard validate oneroster`` uses, renamed into
place) ÷ ``csv.writer`` alone writing the same CSV files (the rows the package holds) to a
folder. Target ≤ 1.2.

Each side is the best of several interleaved runs, so a busy machine's noise does not decide.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from figures import exit_code, figure

from mis_wizard.vendors.oneroster.csv_spec import SPECS, validate_bulk_package
from mis_wizard.wizard import atomic
from mis_wizard.wizard.sync.report import RunReport
from mis_wizard.wizard.sync.sinks.base import ID, Output, SinkError
from mis_wizard.wizard.sync.sinks.files import write_workbook
from mis_wizard.wizard.sync.sinks.oneroster_sink import Builder, package

COLUMNS = ["code", "first_name", "last_name", "preferred_name", "birth_date", "gender", "year_level", "email",
           "house", "form", "campus", "entry_date", "status", "school_year", "phone"]


def rows(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """Mapped student rows as a sync hands them to a sink: text, ISO dates, a number, and now and
    then a value a spreadsheet would run."""
    rng = random.Random(f"{seed}:sinks-benchmark")
    firsts = ("Olivia", "Jack", "Mei", "Arjun", "Zoe", "Hamish", "Priya", "Liam", "=HYPERLINK(x)")
    lasts = ("Smith", "Nguyen", "O'Brien", "van der Berg", "Patel", "Chen", "Kelly", "-Wright")
    out = []
    for i in range(n):
        first, last = rng.choice(firsts), rng.choice(lasts)
        born = dt.date(2008, 1, 1) + dt.timedelta(days=rng.randrange(4000))
        out.append({
            ID: str(100000 + i), "code": f"S{i:06d}", "first_name": first, "last_name": last,
            "preferred_name": first if rng.random() < 0.8 else "", "birth_date": born.isoformat(),
            "gender": rng.choice(("Male", "Female", "Other")), "year_level": rng.randrange(7, 13),
            "email": f"{first.lower()}.{last.lower()}{i}@school.example.edu",
            "house": rng.choice(("Banksia", "Wattle")),
            "form": f"{rng.randrange(7, 13)}{rng.choice('ABCD')}", "campus": "Senior", "entry_date": "2020-01-28",
            "status": "active", "school_year": "2026", "phone": f"+61 4{rng.randrange(10**7, 10**8)}",
        })
    return out


def xlsx_sink(output: Output, folder: Path) -> None:
    path = folder / "sink.xlsx"
    atomic.write_with(path, lambda tmp: write_workbook(tmp, output))


def xlsx_plain(output: Output, folder: Path) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(folder / "plain.xlsx"), {"constant_memory": True})
    for name, table in output.tables.items():
        ws = wb.add_worksheet(name)
        columns = output.columns[name]
        ws.write_row(0, 0, columns)
        for i, r in enumerate(table, 1):
            ws.write_row(i, 0, [r.get(c) for c in columns])
    wb.close()


def dataset(students: int, seed: int = 7) -> dict[str, list[dict[str, Any]]]:
    """Canonical records of a district: students, their teachers, classes and class lists."""
    rng = random.Random(f"{seed}:oneroster-benchmark")
    firsts = ("Olivia", "Jack", "Mei", "Arjun", "Zoe", "Hamish", "Priya", "Liam")
    lasts = ("Smith", "Nguyen", "O'Brien", "van der Berg", "Patel", "Chen", "Kelly", "Wright")
    schools = max(1, students // 1000)
    staff_n, classes_n = max(2, students // 15), max(2, students // 25)
    data: dict[str, list[dict[str, Any]]] = {
        "schools": [{"school.id": str(s), "school.name": f"School {s}", "school.code": f"SC{s}"}
                    for s in range(schools)],
        "terms": [{"term.id": str(t), "term.name": f"Term {t}", "term.start_date": f"2026-0{2 * t - 1}-01",
                   "term.end_date": f"2026-0{2 * t}-28"} for t in range(1, 5)],
        "students": [{
            "student.id": str(100000 + i), "student.code": f"S{i:06d}", "student.first_name": rng.choice(firsts),
            "student.last_name": rng.choice(lasts), "student.email": f"s{i}@school.example.edu",
            "student.year_level": str(rng.randrange(1, 13)), "student.school_id": str(i % schools),
            "student.birth_date": f"{rng.randrange(1, 28):02d}/{rng.randrange(1, 13):02d}/{rng.randrange(2008, 2020)}",
            "student.gender": rng.choice("MFX"),
        } for i in range(students)],
        "staff": [{
            "staff.id": f"T{i}", "staff.code": f"T{i:04d}", "staff.first_name": rng.choice(firsts),
            "staff.last_name": rng.choice(lasts), "staff.email": f"t{i}@school.example.edu",
            "staff.school_id": str(i % schools),
        } for i in range(staff_n)],
        "classes": [{
            "class.id": f"C{i}", "class.code": f"C{i:05d}", "class.name": f"Class {i}",
            "class.subject": f"Subject {i % 40}",
            "class.main_teacher_id": f"T{i % staff_n}", "class.year_level": str(i % 12 + 1),
            "class.school_id": str(i % schools), "class.term_id": str(i % 4 + 1), "class.room": f"R{i % 90}",
        } for i in range(classes_n)],
    }
    data["class_memberships"] = [{"class_membership.class_id": f"C{rng.randrange(classes_n)}",
                                  "class_membership.student_id": str(100000 + i)}
                                 for i in range(students) for _ in range(4)]
    return data


def oneroster_sink(output: Output, folder: Path) -> None:
    """What OneRosterSink.write does, but for the state store's row hashes (no rows are mapped here)."""
    files = Builder(output.dataset, output.school_name, RunReport(system="bench", sink="oneroster"), "1.2",
                    output).build()
    data = package(files, "1.2")
    with atomic.replacing(folder / "oneroster.zip") as tmp:
        tmp.write_bytes(data)
        problems = validate_bulk_package(tmp, "1.2")
        if problems:
            raise SinkError("; ".join(problems[:5]))


def csv_plain(files: dict[str, list[dict[str, str]]], folder: Path) -> None:
    headers = SPECS["1.2"].headers
    for name, table in files.items():
        header = headers[name]
        with open(folder / name, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, lineterminator="\r\n")
            writer.writerow(header)
            writer.writerows([r.get(h, "") for h in header] for r in table)


def best(pairs: list[tuple[Callable[[], None], list[float]]], runs: int) -> None:
    for _ in range(runs):
        for fn, times in pairs:
            started = time.perf_counter()
            fn()
            times.append(time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=50_000, help="xlsx rows")
    parser.add_argument("--students", type=int, default=10_000, help="OneRoster students")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="tiny sizes and one run, for the smoke test")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.students, args.runs = 500, 300, 1
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        table = rows(args.rows)
        output = Output({"students": table}, {"students": [ID, *COLUMNS]})
        sink_s: list[float] = []
        plain_s: list[float] = []
        best([(lambda: xlsx_sink(output, folder), sink_s), (lambda: xlsx_plain(output, folder), plain_s)], args.runs)
        results.append(figure("xlsx_vs_xlsxwriter", min(sink_s) / min(plain_s), "<=", 1.1,
                              sink_ms=min(sink_s) * 1000, xlsxwriter_ms=min(plain_s) * 1000, rows=args.rows,
                              columns=len(COLUMNS) + 1, runs=args.runs))
        roster = Output({}, {}, dataset=dataset(args.students), school_name="District")
        files = Builder(roster.dataset, roster.school_name, RunReport(system="bench", sink="oneroster"), "1.2",
                        roster).build()
        rows_n = sum(len(r) for r in files.values())
        sink_s, plain_s = [], []
        best([(lambda: oneroster_sink(roster, folder), sink_s), (lambda: csv_plain(files, folder), plain_s)],
             args.runs)
        results.append(figure("oneroster_vs_csv", min(sink_s) / min(plain_s), "<=", 1.2,
                              sink_ms=min(sink_s) * 1000, csv_ms=min(plain_s) * 1000, students=args.students,
                              rows=rows_n, files=len(files), runs=args.runs))
    return exit_code(results)


if __name__ == "__main__":
    sys.exit(main())
