"""OneRoster 1.1 CSV package rules: the headers in their exact order, and a bulk package validator.

The sync engine's OneRoster zip sink writes with these headers, and the validator is how we
prove a package is one that consumers accept: they reject a file whose header differs in
order or case, an empty data file, and in bulk mode a reference to a sourcedId the package
does not define.
"""

from __future__ import annotations

import csv
import io
import zipfile
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


def _read_package(path: Path) -> dict[str, str]:
    if path.is_dir():
        return {p.name: p.read_bytes().decode("utf-8-sig") for p in path.iterdir() if p.suffix == ".csv"}
    with zipfile.ZipFile(path) as zf:
        return {Path(n).name: zf.read(n).decode("utf-8-sig") for n in zf.namelist() if n.endswith(".csv")}


def _rows(text: str) -> list[list[str]]:
    return [row for row in csv.reader(io.StringIO(text, newline="")) if row]


def validate_bulk_package(path: str | Path) -> list[str]:
    """Problems with a OneRoster 1.1 bulk CSV package (a .zip or a folder); empty when it is valid."""
    try:
        files = _read_package(Path(path))
    except (OSError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        return [f"The package cannot be read: {exc}"]
    problems: list[str] = []
    if MANIFEST not in files:
        return ["manifest.csv is missing."]
    manifest = _rows(files[MANIFEST])
    if not manifest or manifest[0] != MANIFEST_HEADER:
        problems.append("manifest.csv must start with the header propertyName,value.")
    props = {r[0]: (r[1] if len(r) > 1 else "") for r in manifest[1:]}
    if props.get("oneroster.version") != "1.1":
        problems.append("manifest.csv must say oneroster.version,1.1.")
    for name in MANIFEST_FILES:
        mode = props.get(f"file.{name}")
        if mode is None:
            problems.append(f"manifest.csv does not list file.{name}.")
        elif mode not in FILE_MODES:
            problems.append(f"manifest.csv gives file.{name} as {mode!r}; use bulk, delta or absent.")
        elif mode == "delta":
            problems.append(f"file.{name} is delta, but this is a bulk package.")
        elif mode == "bulk" and f"{name}.csv" not in files:
            problems.append(f"manifest.csv lists {name}.csv as bulk but the package has no such file.")
        elif mode == "absent" and f"{name}.csv" in files:
            problems.append(f"{name}.csv is in the package but manifest.csv marks it absent.")

    tables: dict[str, list[dict[str, str]]] = {}
    for name, text in sorted(files.items()):
        if name == MANIFEST:
            continue
        if "\r" in text.replace("\r\n", "\n"):
            problems.append(f"{name} has a carriage return inside a field.")
        rows = _rows(text)
        expected = HEADERS.get(name)
        if expected is None:
            if name[:-4] not in MANIFEST_FILES:
                problems.append(f"{name} is not a OneRoster 1.1 file.")
            continue
        if not rows:
            problems.append(f"{name} is empty; leave it out and mark it absent in manifest.csv.")
            continue
        header = rows[0]
        spec_part = header[: len(expected)]
        if spec_part != expected or any(not h.startswith("metadata.") for h in header[len(expected):]):
            problems.append(f"{name} header must be exactly: {','.join(expected)} (got {','.join(header)}).")
            continue
        if len(rows) == 1:
            problems.append(f"{name} has a header but no rows; leave it out and mark it absent in manifest.csv.")
            continue
        records = []
        for n, row in enumerate(rows[1:], start=2):
            if len(row) != len(header):
                problems.append(f"{name} line {n} has {len(row)} cells, the header has {len(header)}.")
                continue
            record = dict(zip(header, row, strict=True))
            if record["status"] or record["dateLastModified"]:
                problems.append(f"{name} line {n}: status and dateLastModified must be blank in a bulk package.")
            if not record["sourcedId"]:
                problems.append(f"{name} line {n} has no sourcedId.")
            records.append(record)
        tables[name] = records

    defined = {name: {r["sourcedId"] for r in records} for name, records in tables.items()}
    for name, records in tables.items():
        for column, target in REFERENCES.get(name, []):
            if target not in defined:
                continue
            missing = sorted({ref.strip() for r in records for ref in r[column].split(",") if ref.strip()}
                             - defined[target])
            if missing:
                shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
                problems.append(f"{name} {column} refers to sourcedIds not defined in {target}: {shown}.")
    return problems
