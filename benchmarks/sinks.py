"""Sinks: the xlsx workbook and the OneRoster zip, each against the plainest way to write the same
data, measured in one run.

``xlsx_vs_xlsxwriter``: the xlsx sink's workbook (text neutralised as explicit string cells, ISO
dates and numbers typed, the temporary file fsynced and renamed into place) ÷ xlsxwriter writing
the same rows with ``write_row`` in constant-memory mode. 50,000 rows × 16 columns. Target ≤ 1.1.

``oneroster_vs_csv``: the OneRoster 1.2 sink's whole write (the package built from the canonical
records, streamed into the zip while every validator rule is checked, renamed into place) ÷
``csv.writer`` alone writing the same CSV files to a folder, from the rows the package holds as
header → cell dicts (the form the sink held them in before it streamed; made a batch at a time
outside the timing, so neither side holds a quarter-million-student district's rows). 10,000
students by default, ``--students 250000`` for the issue's size; ``peak_mb`` is the process's
peak resident memory (the canonical records included). Target ≤ 1.2.

Each side is the best of several interleaved runs, so a busy machine's noise does not decide.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from figures import exit_code, figure
from people import people

from mis_wizard.vendors.oneroster.csv_spec import SPECS
from mis_wizard.wizard import atomic
from mis_wizard.wizard.sync.report import RunReport
from mis_wizard.wizard.sync.sinks.base import ID, Output
from mis_wizard.wizard.sync.sinks.files import write_workbook
from mis_wizard.wizard.sync.sinks.oneroster_sink import Builder, Columns, batches, write_package

COLUMNS = ["code", "first_name", "last_name", "preferred_name", "birth_date", "gender", "year_level", "email",
           "house", "form", "campus", "entry_date", "status", "school_year", "phone"]


def rows(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """Mapped student rows as a sync hands them to a sink: text, ISO dates, a number, and now and
    then a value a spreadsheet would run."""
    firsts = ("Olivia", "Jack", "Mei", "Arjun", "Zoe", "Hamish", "Priya", "Liam", "=HYPERLINK(x)")
    lasts = ("Smith", "Nguyen", "O'Brien", "van der Berg", "Patel", "Chen", "Kelly", "-Wright")
    out = []
    for i, rng, first, last, born in people(n, f"{seed}:sinks-benchmark", firsts, lasts):
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
    """Canonical records of a district: students, their teachers, classes and class lists (ids
    shared between the records that name them, so a 250,000-student district fits in memory)."""
    rng = random.Random(f"{seed}:oneroster-benchmark")
    firsts = ("Olivia", "Jack", "Mei", "Arjun", "Zoe", "Hamish", "Priya", "Liam")
    lasts = ("Smith", "Nguyen", "O'Brien", "van der Berg", "Patel", "Chen", "Kelly", "Wright")
    schools = max(1, students // 1000)
    staff_n, classes_n = max(2, students // 15), max(2, students // 25)
    school_ids = [str(s) for s in range(schools)]
    levels = [str(y) for y in range(1, 13)]
    class_ids = [f"C{i}" for i in range(classes_n)]
    student_ids = [str(100000 + i) for i in range(students)]
    data: dict[str, list[dict[str, Any]]] = {
        "schools": [{"school.id": school_ids[s], "school.name": f"School {s}", "school.code": f"SC{s}"}
                    for s in range(schools)],
        "terms": [{"term.id": str(t), "term.name": f"Term {t}", "term.start_date": f"2026-0{2 * t - 1}-01",
                   "term.end_date": f"2026-0{2 * t}-28"} for t in range(1, 5)],
        "students": [{
            "student.id": student_ids[i], "student.code": f"S{i:06d}", "student.first_name": rng.choice(firsts),
            "student.last_name": rng.choice(lasts), "student.email": f"s{i}@school.example.edu",
            "student.year_level": levels[rng.randrange(0, 12)], "student.school_id": school_ids[i % schools],
            "student.birth_date": f"{rng.randrange(1, 28):02d}/{rng.randrange(1, 13):02d}/{rng.randrange(2008, 2020)}",
            "student.gender": rng.choice("MFX"),
        } for i in range(students)],
        "staff": [{
            "staff.id": f"T{i}", "staff.code": f"T{i:04d}", "staff.first_name": rng.choice(firsts),
            "staff.last_name": rng.choice(lasts), "staff.email": f"t{i}@school.example.edu",
            "staff.school_id": school_ids[i % schools],
        } for i in range(staff_n)],
        "classes": [{
            "class.id": class_ids[i], "class.code": f"C{i:05d}", "class.name": f"Class {i}",
            "class.subject": f"Subject {i % 40}", "class.main_teacher_id": f"T{i % staff_n}",
            "class.year_level": levels[i % 12], "class.school_id": school_ids[i % schools],
            "class.term_id": str(i % 4 + 1), "class.room": f"R{i % 90}",
        } for i in range(classes_n)],
    }
    data["class_memberships"] = [{"class_membership.class_id": class_ids[rng.randrange(classes_n)],
                                  "class_membership.student_id": student_ids[i]}
                                 for i in range(students) for _ in range(4)]
    return data


def oneroster_sink(output: Output, folder: Path) -> None:
    """What OneRosterSink.write does, but for the state store's row hashes (no rows are mapped here)."""
    builder = Builder(output.dataset, output.school_name, RunReport(system="bench", sink="oneroster"), "1.2", output)
    with atomic.replacing(folder / "oneroster.zip") as tmp:
        write_package(tmp, builder)


def csv_plain(output: Output, folder: Path) -> tuple[float, int, int]:
    """csv.writer writing the package's rows (as header → cell dicts, the form the sink held them in
    before it streamed) to one CSV file each: (seconds in csv.writer and the files alone, rows, files).

    The rows come from the sink's builder a batch at a time, turned into dicts outside the timing,
    so no more than a batch is held."""
    headers = SPECS["1.2"].headers
    builder = Builder(output.dataset, output.school_name, RunReport(system="bench", sink="oneroster"), "1.2", output)
    spent, rows_n, files_n = 0.0, 0, 0
    clock = time.perf_counter
    for name, items in builder.files():
        header = headers[name]
        chunks = batches(items)
        batch = next(chunks, None)
        if batch is None:
            continue
        started = clock()
        with open(folder / name, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, lineterminator="\r\n")
            writer.writerow(header)
            spent += clock() - started
            while batch is not None:
                table = [dict(zip(header, r, strict=True))
                         for r in (batch.rows(header) if isinstance(batch, Columns) else batch)]
                rows_n += len(table)
                started = clock()
                writer.writerows([r.get(h, "") for h in header] for r in table)
                spent += clock() - started
                batch = next(chunks, None)
            started = clock()
        spent += clock() - started
        files_n += 1
    return spent, rows_n, files_n


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
    parser.add_argument("--only", choices=("xlsx", "oneroster"), help="run one of the two figures")
    parser.add_argument("--quick", action="store_true", help="tiny sizes and one run, for the smoke test")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.students, args.runs = 500, 300, 1
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.only != "oneroster":
            results.append(xlsx_figure(args.rows, args.runs, folder))
        if args.only != "xlsx":
            results.append(oneroster_figure(args.students, args.runs, folder))
    return exit_code(results)


def xlsx_figure(rows_n: int, runs: int, folder: Path) -> bool:
    table = rows(rows_n)
    output = Output({"students": table}, {"students": [ID, *COLUMNS]})
    sink_s: list[float] = []
    plain_s: list[float] = []
    best([(lambda: xlsx_sink(output, folder), sink_s), (lambda: xlsx_plain(output, folder), plain_s)], runs)
    return figure("xlsx_vs_xlsxwriter", min(sink_s) / min(plain_s), "<=", 1.1, sink_ms=min(sink_s) * 1000,
                  xlsxwriter_ms=min(plain_s) * 1000, rows=rows_n, columns=len(COLUMNS) + 1, runs=runs)


def oneroster_figure(students: int, runs: int, folder: Path) -> bool:
    roster = Output({}, {}, dataset=dataset(students), school_name="District")
    sink_s: list[float] = []
    plain_s: list[float] = []
    counted = [0, 0]
    for _ in range(runs):
        started = time.perf_counter()
        oneroster_sink(roster, folder)
        sink_s.append(time.perf_counter() - started)
        spent, *counted = csv_plain(roster, folder)
        plain_s.append(spent)
    return figure("oneroster_vs_csv", min(sink_s) / min(plain_s), "<=", 1.2, sink_ms=min(sink_s) * 1000,
                  csv_ms=min(plain_s) * 1000, students=students, rows=counted[0], files=counted[1], runs=runs,
                  peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


if __name__ == "__main__":
    sys.exit(main())
