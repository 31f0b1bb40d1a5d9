"""OneRoster 1.1 CSV package rules: the headers in their exact order, and a bulk package validator.

The sync engine's OneRoster zip sink writes with these headers, and the validator is how we
prove a package is one that consumers accept: they reject a file whose header differs in
order or case, an empty data file, and in bulk mode a reference to a sourcedId the package
does not define.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

MANIFEST = "manifest.csv"
MANIFEST_HEADER = ["propertyName", "value"]

HEADERS: dict[str, list[str]] = {
    "orgs.csv": ["sourcedId", "status", "dateLastModified", "name", "type", "identifier", "parentSourcedId"],
    "academicSessions.csv": ["sourcedId", "status", "dateLastModified", "title", "type", "startDate", "endDate",
                             "parentSourcedId", "schoolYear"],
    "courses.csv": ["sourcedId", "status", "dateLastModified", "schoolYearSourcedId", "title", "courseCode", "grades",
                    "orgSourcedId", "subjects", "subjectCodes"],
    "classes.csv": ["sourcedId", "status", "dateLastModified", "title", "grades", "courseSourcedId", "classCode",
                    "classType", "location", "schoolSourcedId", "termSourcedIds", "subjects", "subjectCodes",
                    "periods"],
    "users.csv": ["sourcedId", "status", "dateLastModified", "enabledUser", "orgSourcedIds", "role", "username",
                  "userIds", "givenName", "familyName", "middleName", "identifier", "email", "sms", "phone",
                  "agentSourcedIds", "grades", "password"],
    "enrollments.csv": ["sourcedId", "status", "dateLastModified", "classSourcedId", "schoolSourcedId",
                        "userSourcedId", "role", "primary", "beginDate", "endDate"],
    "demographics.csv": ["sourcedId", "status", "dateLastModified", "birthDate", "sex",
                         "americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican",
                         "nativeHawaiianOrOtherPacificIslander", "white", "demographicRaceTwoOrMoreRaces",
                         "hispanicOrLatinoEthnicity", "countryOfBirthCode", "stateOfBirthAbbreviation", "cityOfBirth",
                         "publicSchoolResidenceStatus"],
}
"""Spec columns of each rostering file, in the order the spec requires (metadata.* columns may follow)."""

MANIFEST_FILES = ("academicSessions", "categories", "classes", "classResources", "courses", "courseResources",
                  "demographics", "enrollments", "lineItems", "orgs", "resources", "results", "users")
"""Every ``file.<name>`` row a 1.1 manifest carries."""
FILE_MODES = frozenset({"bulk", "delta", "absent"})

REFERENCES: dict[str, list[tuple[str, str]]] = {
    "orgs.csv": [("parentSourcedId", "orgs.csv")],
    "academicSessions.csv": [("parentSourcedId", "academicSessions.csv")],
    "courses.csv": [("schoolYearSourcedId", "academicSessions.csv"), ("orgSourcedId", "orgs.csv")],
    "classes.csv": [("courseSourcedId", "courses.csv"), ("schoolSourcedId", "orgs.csv"),
                    ("termSourcedIds", "academicSessions.csv")],
    "users.csv": [("orgSourcedIds", "orgs.csv"), ("agentSourcedIds", "users.csv")],
    "enrollments.csv": [("classSourcedId", "classes.csv"), ("schoolSourcedId", "orgs.csv"),
                        ("userSourcedId", "users.csv")],
    "demographics.csv": [("sourcedId", "users.csv")],
}
"""Columns holding sourcedIds (list cells are comma-separated) and the file that defines them."""


REQUIRED: dict[str, tuple[str, ...]] = {
    "orgs.csv": ("sourcedId", "name", "type"),
    "academicSessions.csv": ("sourcedId", "title", "type", "startDate", "endDate", "schoolYear"),
    "courses.csv": ("sourcedId", "title", "orgSourcedId"),
    "classes.csv": ("sourcedId", "title", "courseSourcedId", "classType", "schoolSourcedId", "termSourcedIds"),
    "users.csv": ("sourcedId", "enabledUser", "orgSourcedIds", "role", "username", "givenName", "familyName"),
    "enrollments.csv": ("sourcedId", "classSourcedId", "schoolSourcedId", "userSourcedId", "role"),
    "demographics.csv": ("sourcedId",),
}
"""Columns whose value every row must have (the bold columns of the 1.1 CSV binding)."""

_BOOL = ("true", "false")
ENUMS: dict[str, dict[str, tuple[str, ...]]] = {
    "orgs.csv": {"type": ("department", "school", "district", "local", "state", "national")},
    "academicSessions.csv": {"type": ("gradingPeriod", "semester", "schoolYear", "term")},
    "classes.csv": {"classType": ("homeroom", "scheduled")},
    "users.csv": {"enabledUser": _BOOL,
                  "role": ("administrator", "aide", "guardian", "parent", "proctor", "relative", "student",
                           "teacher")},
    "enrollments.csv": {"role": ("administrator", "proctor", "student", "teacher"), "primary": _BOOL},
    "demographics.csv": {"sex": ("male", "female"), **{c: _BOOL for c in (
        "americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican", "nativeHawaiianOrOtherPacificIslander",
        "white", "demographicRaceTwoOrMoreRaces", "hispanicOrLatinoEthnicity")}},
}
"""Columns with a fixed vocabulary (a blank optional cell is allowed; required ones are checked above)."""

DATES: dict[str, tuple[str, ...]] = {
    "academicSessions.csv": ("startDate", "endDate"),
    "enrollments.csv": ("beginDate", "endDate"),
    "demographics.csv": ("birthDate",),
}
YEARS: dict[str, tuple[str, ...]] = {"academicSessions.csv": ("schoolYear",)}
_DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
_YEAR = re.compile(r"^\d{4}$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a package, where it is: line 1 is the header; column is a header name."""

    file: str
    message: str
    line: int = 0
    column: str = ""

    def __str__(self) -> str:
        where = self.file + (f" line {self.line}" if self.line else "") + (
            f" column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


def _read_package(path: Path) -> dict[str, str]:
    if path.is_dir():
        return {p.name: p.read_bytes().decode("utf-8-sig") for p in path.iterdir() if p.suffix == ".csv"}
    with zipfile.ZipFile(path) as zf:
        return {Path(n).name: zf.read(n).decode("utf-8-sig") for n in zf.namelist() if n.endswith(".csv")}


def _numbered_rows(text: str) -> list[tuple[int, list[str]]]:
    """Rows with the line each starts on (a quoted cell may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    out: list[tuple[int, list[str]]] = []
    start = 1
    for row in reader:
        if row:
            out.append((start, row))
        start = reader.line_num + 1
    return out


def _rows(text: str) -> list[list[str]]:
    return [row for _, row in _numbered_rows(text)]


def validate_bulk_package(path: str | Path) -> list[str]:
    """Problems with a OneRoster 1.1 bulk CSV package (a .zip or a folder), each naming file, line
    and column; empty when it is valid."""
    return [str(p) for p in check_bulk_package(path)]


def check_bulk_package(path: str | Path) -> list[Problem]:
    """As :func:`validate_bulk_package`, the problems as :class:`Problem` values."""
    try:
        files = _read_package(Path(path))
    except (OSError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        return [Problem(str(path), f"the package cannot be read ({exc.__class__.__name__.lower()}): "
                        "make sure it is a OneRoster zip or folder")]
    problems: list[Problem] = []
    if MANIFEST not in files:
        return [Problem(MANIFEST, "is missing")]
    manifest = _numbered_rows(files[MANIFEST])
    if not manifest or manifest[0][1] != MANIFEST_HEADER:
        problems.append(Problem(MANIFEST, "must start with the header propertyName,value", 1))
    props = {r[0]: (r[1] if len(r) > 1 else "", n) for n, r in manifest[1:]}
    version, vline = props.get("oneroster.version", ("", 0))
    if version != "1.1":
        problems.append(Problem(MANIFEST, "must say oneroster.version,1.1", vline, "value" if vline else ""))
    for name in MANIFEST_FILES:
        mode, line = props.get(f"file.{name}", (None, 0))
        if mode is None:
            problems.append(Problem(MANIFEST, f"does not list file.{name}"))
        elif mode not in FILE_MODES:
            problems.append(Problem(MANIFEST, f"gives file.{name} as {mode!r}; use bulk, delta or absent", line,
                                    "value"))
        elif mode == "delta":
            problems.append(Problem(MANIFEST, f"file.{name} is delta, but this is a bulk package", line, "value"))
        elif mode == "bulk" and f"{name}.csv" not in files:
            problems.append(Problem(MANIFEST, f"lists {name}.csv as bulk but the package has no such file", line,
                                    "value"))
        elif mode == "absent" and f"{name}.csv" in files:
            problems.append(Problem(MANIFEST, f"marks {name}.csv absent but it is in the package", line, "value"))

    tables: dict[str, list[tuple[int, dict[str, str]]]] = {}
    unreadable: set[str] = set()
    """Files whose rows were not read (a wrong header): references into them are not checked."""
    for name, text in sorted(files.items()):
        if name == MANIFEST:
            continue
        if "\r" in text.replace("\r\n", "\n"):
            problems.append(Problem(name, "has a carriage return inside a field"))
        rows = _numbered_rows(text)
        expected = HEADERS.get(name)
        if expected is None:
            if name[:-4] not in MANIFEST_FILES:
                problems.append(Problem(name, "is not a OneRoster 1.1 file"))
            continue
        if not rows:
            problems.append(Problem(name, "is empty; leave it out and mark it absent in manifest.csv"))
            continue
        header = rows[0][1]
        spec_part = header[: len(expected)]
        if spec_part != expected or any(not h.startswith("metadata.") for h in header[len(expected):]):
            wrong = next((i for i, h in enumerate(header) if i >= len(expected) or h != expected[i]
                          and not (i >= len(expected) and h.startswith("metadata."))), len(header))
            problems.append(Problem(name, f"header must be exactly: {','.join(expected)}", 1,
                                    header[wrong] if wrong < len(header) else expected[min(wrong, len(expected) - 1)]))
            unreadable.add(name)
            continue
        if len(rows) == 1:
            problems.append(Problem(name, "has a header but no rows; leave it out and mark it absent in manifest.csv"))
            continue
        records: list[tuple[int, dict[str, str]]] = []
        seen: dict[str, int] = {}
        required = REQUIRED.get(name, ())
        enums = ENUMS.get(name, {})
        # Real packages write "TRUE" and "Scheduled" and consumers take them: a vocabulary word
        # in another case is accepted, any other word is not.
        folded = {column: {v.casefold() for v in allowed} for column, allowed in enums.items()}
        for n, row in rows[1:]:
            if len(row) != len(header):
                problems.append(Problem(name, f"has {len(row)} cells, the header has {len(header)}", n))
                continue
            record = dict(zip(header, row, strict=True))
            for column in ("status", "dateLastModified"):
                if record[column]:
                    problems.append(Problem(name, "must be blank in a bulk package", n, column))
            for column in required:
                if not record[column].strip():
                    problems.append(Problem(name, "is required but blank", n, column))
            sid = record["sourcedId"]
            if sid:
                if sid in seen:
                    problems.append(Problem(name, f"sourcedId {sid!r} is already used on line {seen[sid]}", n,
                                            "sourcedId"))
                else:
                    seen[sid] = n
            for column, allowed in enums.items():
                value = record[column]
                if value and value not in allowed and value.casefold() not in folded[column]:
                    problems.append(Problem(name, f"{value!r} is not one of: {', '.join(allowed)}", n, column))
            for column in DATES.get(name, ()):
                if record[column] and not _DATE.match(record[column]):
                    problems.append(Problem(name, f"{record[column]!r} is not a date as YYYY-MM-DD", n, column))
            for column in YEARS.get(name, ()):
                if record[column] and not _YEAR.match(record[column]):
                    problems.append(Problem(name, f"{record[column]!r} is not a year as YYYY", n, column))
            records.append((n, record))
        tables[name] = records

    defined = {name: {r["sourcedId"] for _, r in records} for name, records in tables.items()}
    for name, records in tables.items():
        for column, target in REFERENCES.get(name, []):
            if target in unreadable or target not in defined:
                continue  # a file marked absent may be one the consumer already holds (bulk-minimal)
            known = defined[target]
            shown = 0
            for n, r in records:
                for ref in (x.strip() for x in r[column].split(",")):
                    if ref and ref not in known:
                        shown += 1
                        if shown <= 20:
                            problems.append(Problem(name, f"refers to {ref!r}, which {target} does not define", n,
                                                    column))
            if shown > 20:
                problems.append(Problem(name, f"{shown - 20} more references not defined in {target}", 0, column))
    return problems
