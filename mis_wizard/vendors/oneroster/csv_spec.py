"""OneRoster CSV package rules for 1.1 and 1.2: each file's headers in their exact order, and one
bulk package validator for both versions (the version is read from ``manifest.csv``).

The sync engine's OneRoster zip sinks write with these headers, and the validator is how we
prove a package is one that consumers accept: they reject a file whose header differs in
order or case, an empty data file, and in bulk mode a reference to a sourcedId the package
does not define.

Where the 1.2 rules come from (confirmed on 2026-12-03; "inferred" marks what no source showed):

- orgs, academicSessions, courses, classes, enrollments, demographics: same columns and order as 1.1
  (confirmed: meibo (hanachin/meibo @3526315,
  lib/meibo/{organization,academic_session,course,classroom,enrollment,demographic}.rb), the
  OneRoster 1.2 CSV reader/writer the 1.2 profile uses for every file).
- users.csv: 1.1 columns without orgSourcedIds and role, then userMasterIdentifier,
  resourceSourcedIds, preferredGivenName, preferredMiddleName, preferredFamilyName,
  primaryOrgSourcedId, pronouns (confirmed: meibo lib/meibo/oneroster/v1_2/user.rb; its commit
  1886e47 "Support 1.2.1" drops resourceSourcedIds for 1.2.1 (so 1.2.1 is read with that header)).
- users.csv required: sourcedId, enabledUser, username, givenName, familyName (confirmed: meibo
  user.rb `required`).
- roles.csv: sourcedId, status, dateLastModified, userSourcedId, roleType, role, beginDate, endDate,
  orgSourcedId, userProfileSourcedId; required sourcedId, userSourcedId, roleType, role,
  orgSourcedId; roleType primary/secondary; role aide, counselor, districtAdministrator, guardian,
  parent, principal, proctor, relative, siteAdministrator, student, systemAdministrator, teacher
  (confirmed: meibo lib/meibo/role.rb).
- userProfiles.csv: sourcedId, status, dateLastModified, userSourcedId, profileType, vendorId,
  applicationId, description, credentialType, username, password; required sourcedId, userSourcedId,
  profileType, vendorId, credentialType, username (confirmed: meibo lib/meibo/user_profile.rb).
- manifest lists 21 file.* rows (adds lineItemLearningObjectiveIds, lineItemScoreScales,
  resultLearningObjectiveIds, resultScoreScales, roles, scoreScales, userProfiles, userResources)
  (confirmed: meibo lib/meibo/manifest.rb).
- demographics sex: male, female, unspecified, other (confirmed: meibo demographic.rb).
- enumerations also take an extension token ``ext:name`` (confirmed: meibo lib/meibo.rb
  ENUM_EXT_PATTERN).
- oneroster.version 1.2 (1.2.1 is the current binding, 1EdTech CSV Binding 1.2.1, Aug 2023)
  (confirmed: meibo v1_2.rb / v1_2_1.rb manifest_properties;
  imsglobal.org/spec/oneroster/v1p2/bind/csv/).
- School Data Sync takes bulk mode only and marks records inactive when a file is missing from a
  later upload (confirmed: learn.microsoft.com/schooldatasync "OneRoster 1.2 CSV formatted files for
  SDS").
- every user in users.csv has at least one role in roles.csv, and at most one primary role per org
  (inferred (1.2 moved a user's role and org into roles.csv, so a user without one has neither)).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Sequence
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
_EXT = re.compile(r"^ext:[a-zA-Z0-9.\-_]+$")
"""1.2 enumerations also take an extension token (meibo ENUM_EXT_PATTERN)."""


@dataclass(frozen=True)
class Spec:
    """One OneRoster version's CSV binding, as the validator and the writer read it."""

    version: str
    headers: dict[str, list[str]]
    manifest_files: tuple[str, ...]
    references: dict[str, list[tuple[str, str]]]
    required: dict[str, tuple[str, ...]]
    enums: dict[str, dict[str, tuple[str, ...]]]
    dates: dict[str, tuple[str, ...]]
    years: dict[str, tuple[str, ...]]
    extension_tokens: bool = False


V1_1 = Spec("1.1", HEADERS, MANIFEST_FILES, REFERENCES, REQUIRED, ENUMS, DATES, YEARS)

_USERS_12 = ["sourcedId", "status", "dateLastModified", "enabledUser", "username", "userIds", "givenName",
             "familyName", "middleName", "identifier", "email", "sms", "phone", "agentSourcedIds", "grades",
             "password", "userMasterIdentifier", "resourceSourcedIds", "preferredGivenName", "preferredMiddleName",
             "preferredFamilyName", "primaryOrgSourcedId", "pronouns"]
HEADERS_12: dict[str, list[str]] = {
    **{name: HEADERS[name] for name in ("orgs.csv", "academicSessions.csv", "courses.csv", "classes.csv")},
    "users.csv": _USERS_12,
    "roles.csv": ["sourcedId", "status", "dateLastModified", "userSourcedId", "roleType", "role", "beginDate",
                  "endDate", "orgSourcedId", "userProfileSourcedId"],
    "userProfiles.csv": ["sourcedId", "status", "dateLastModified", "userSourcedId", "profileType", "vendorId",
                         "applicationId", "description", "credentialType", "username", "password"],
    "enrollments.csv": HEADERS["enrollments.csv"],
    "demographics.csv": HEADERS["demographics.csv"],
}
"""1.2 rostering files, columns in the binding's order."""

MANIFEST_FILES_12 = ("academicSessions", "categories", "classes", "classResources", "courses", "courseResources",
                     "demographics", "enrollments", "lineItemLearningObjectiveIds", "lineItems",
                     "lineItemScoreScales", "orgs", "resources", "resultLearningObjectiveIds", "results",
                     "resultScoreScales", "roles", "scoreScales", "userProfiles", "userResources", "users")
"""Every ``file.<name>`` row a 1.2 manifest carries."""

ROLES_12 = ("aide", "counselor", "districtAdministrator", "guardian", "parent", "principal", "proctor", "relative",
            "siteAdministrator", "student", "systemAdministrator", "teacher")
V1_2 = Spec(
    "1.2", HEADERS_12, MANIFEST_FILES_12,
    references={**{k: v for k, v in REFERENCES.items() if k != "users.csv"},
                "users.csv": [("agentSourcedIds", "users.csv"), ("primaryOrgSourcedId", "orgs.csv"),
                              ("resourceSourcedIds", "resources.csv")],
                "roles.csv": [("userSourcedId", "users.csv"), ("orgSourcedId", "orgs.csv"),
                              ("userProfileSourcedId", "userProfiles.csv")],
                "userProfiles.csv": [("userSourcedId", "users.csv")]},
    required={**REQUIRED,
              "users.csv": ("sourcedId", "enabledUser", "username", "givenName", "familyName"),
              "roles.csv": ("sourcedId", "userSourcedId", "roleType", "role", "orgSourcedId"),
              "userProfiles.csv": ("sourcedId", "userSourcedId", "profileType", "vendorId", "credentialType",
                                   "username")},
    enums={**{k: v for k, v in ENUMS.items() if k not in ("users.csv", "demographics.csv")},
           "users.csv": {"enabledUser": _BOOL},
           "roles.csv": {"roleType": ("primary", "secondary"), "role": ROLES_12},
           "demographics.csv": {**ENUMS["demographics.csv"], "sex": ("male", "female", "unspecified", "other")}},
    dates={**DATES, "roles.csv": ("beginDate", "endDate")},
    years=YEARS, extension_tokens=True)
V1_2_1 = Spec("1.2.1", {**HEADERS_12, "users.csv": [c for c in _USERS_12 if c != "resourceSourcedIds"]},
              MANIFEST_FILES_12, {**V1_2.references, "users.csv": [r for r in V1_2.references["users.csv"]
                                                                     if r[0] != "resourceSourcedIds"]},
              V1_2.required, V1_2.enums, V1_2.dates, V1_2.years, extension_tokens=True)
SPECS: dict[str, Spec] = {s.version: s for s in (V1_1, V1_2, V1_2_1)}
"""The versions the validator reads, by the manifest's ``oneroster.version``."""


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


def validate_bulk_package(path: str | Path, version: str | None = None) -> list[str]:
    """Problems with a OneRoster 1.1 or 1.2 bulk CSV package (a .zip or a folder), each naming file,
    line and column; empty when it is valid."""
    return [str(p) for p in check_bulk_package(path, version)]


def package_version(path: str | Path) -> str:
    """The ``oneroster.version`` a package's manifest gives ("" when it cannot be read)."""
    try:
        files = _read_package(Path(path))
    except (OSError, zipfile.BadZipFile, UnicodeDecodeError):
        return ""
    for _, row in _numbered_rows(files.get(MANIFEST, ""))[1:]:
        if row[0] == "oneroster.version" and len(row) > 1:
            return row[1]
    return ""


def _allowed(value: str, allowed: tuple[str, ...], folded: set[str], spec: Spec) -> bool:
    return value in allowed or value.casefold() in folded or bool(spec.extension_tokens and _EXT.match(value))


def check_bulk_package(path: str | Path, version: str | None = None) -> list[Problem]:
    """As :func:`validate_bulk_package`, the problems as :class:`Problem` values.

    The rules are those of the version the manifest names; ``version`` (the sink's own) must
    then be that version too."""
    try:
        files = _read_package(Path(path))
    except (OSError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        return [Problem(str(path), f"the package cannot be read ({exc.__class__.__name__.lower()}): "
                        "make sure it is a OneRoster zip or folder")]
    if MANIFEST not in files:
        return [Problem(MANIFEST, "is missing")]
    spec, problems = _manifest_problems(files[MANIFEST], set(files), version)
    tables: dict[str, list[tuple[int, dict[str, str]]]] = {}
    unreadable: set[str] = set()
    """Files whose rows were not read (a wrong header): references into them are not checked."""
    for name, text in sorted(files.items()):
        if name == MANIFEST:
            continue
        records = _file_problems(spec, name, text, problems)
        if records is _UNREAD:
            unreadable.add(name)
        elif records is not None:
            tables[name] = records
    problems += _reference_problems(spec, tables, unreadable)
    if "roles.csv" in spec.headers:
        problems += _role_problems(tables)
    return problems


def _manifest_problems(text: str, names: set[str], version: str | None) -> tuple[Spec, list[Problem]]:
    """The spec the manifest names (or the sink's own) and what is wrong with the manifest."""
    problems: list[Problem] = []
    manifest = _numbered_rows(text)
    if not manifest or manifest[0][1] != MANIFEST_HEADER:
        problems.append(Problem(MANIFEST, "must start with the header propertyName,value", 1))
    props = {r[0]: (r[1] if len(r) > 1 else "", n) for n, r in manifest[1:]}
    declared, vline = props.get("oneroster.version", ("", 0))
    spec = SPECS.get(declared)
    if spec is None:
        problems.append(Problem(MANIFEST, "must say oneroster.version,1.1 or oneroster.version,1.2", vline,
                                "value" if vline else ""))
        spec = SPECS.get(version or "1.1", V1_1)
    elif version and declared != version:
        problems.append(Problem(MANIFEST, f"says oneroster.version,{declared} but this package should be {version}",
                                vline, "value"))
    for name in spec.manifest_files:
        mode, line = props.get(f"file.{name}", (None, 0))
        if mode is None:
            problems.append(Problem(MANIFEST, f"does not list file.{name}"))
        elif mode not in FILE_MODES:
            problems.append(Problem(MANIFEST, f"gives file.{name} as {mode!r}; use bulk, delta or absent", line,
                                    "value"))
        elif mode == "delta":
            problems.append(Problem(MANIFEST, f"file.{name} is delta, but this is a bulk package", line, "value"))
        elif mode == "bulk" and f"{name}.csv" not in names:
            problems.append(Problem(MANIFEST, f"lists {name}.csv as bulk but the package has no such file", line,
                                    "value"))
        elif mode == "absent" and f"{name}.csv" in names:
            problems.append(Problem(MANIFEST, f"marks {name}.csv absent but it is in the package", line, "value"))
    return spec, problems


def _header_problem(spec: Spec, name: str, header: list[str]) -> Problem | None:
    """A header must be the spec's columns in order, then only metadata.* columns."""
    expected = spec.headers[name]
    if header[: len(expected)] == expected and all(h.startswith("metadata.") for h in header[len(expected):]):
        return None
    wrong = next((i for i, h in enumerate(header) if i >= len(expected) or h != expected[i]
                  and not (i >= len(expected) and h.startswith("metadata."))), len(header))
    return Problem(name, f"header must be exactly: {','.join(expected)}", 1,
                   header[wrong] if wrong < len(header) else expected[min(wrong, len(expected) - 1)])


_UNREAD: list[tuple[int, dict[str, str]]] = []
"""What :func:`_file_problems` gives for a file whose header is wrong (its rows were not read)."""


def _file_problems(spec: Spec, name: str, text: str, problems: list[Problem]
                   ) -> list[tuple[int, dict[str, str]]] | None:
    """One data file's own problems (added to ``problems``); its rows by line, None when it holds
    no table (not a rostering file, empty, a header alone), ``_UNREAD`` when its header is wrong."""
    if "\r" in text.replace("\r\n", "\n"):
        problems.append(Problem(name, "has a carriage return inside a field"))
    rows = _numbered_rows(text)
    if name not in spec.headers:
        if name[:-4] not in spec.manifest_files:
            problems.append(Problem(name, f"is not a OneRoster {spec.version} file"))
        return None
    if not rows:
        problems.append(Problem(name, "is empty; leave it out and mark it absent in manifest.csv"))
        return None
    header = rows[0][1]
    wrong = _header_problem(spec, name, header)
    if wrong is not None:
        problems.append(wrong)
        return _UNREAD
    if len(rows) == 1:
        problems.append(Problem(name, "has a header but no rows; leave it out and mark it absent in manifest.csv"))
        return None
    check = _RowRules(spec, name)
    records: list[tuple[int, dict[str, str]]] = []
    seen: dict[str, int] = {}
    for n, row in rows[1:]:
        if len(row) != len(header):
            problems.append(Problem(name, f"has {len(row)} cells, the header has {len(header)}", n))
            continue
        record = dict(zip(header, row, strict=True))
        check.record(record, n, problems)
        sid = record["sourcedId"]
        if sid:
            if sid in seen:
                problems.append(Problem(name, f"sourcedId {sid!r} is already used on line {seen[sid]}", n,
                                        "sourcedId"))
            else:
                seen[sid] = n
        records.append((n, record))
    return records


class _RowRules:
    """One file's per-cell rules: bulk blanks, required values, vocabularies, dates and years."""

    def __init__(self, spec: Spec, name: str) -> None:
        self.spec, self.name = spec, name
        self.required = spec.required.get(name, ())
        self.enums = spec.enums.get(name, {})
        # Real packages write "TRUE" and "Scheduled" and consumers take them: a vocabulary word
        # in another case is accepted, any other word is not.
        self.folded = {column: {v.casefold() for v in allowed} for column, allowed in self.enums.items()}
        self.dates = spec.dates.get(name, ())
        self.years = spec.years.get(name, ())

    def record(self, record: dict[str, str], n: int, problems: list[Problem]) -> None:
        name = self.name
        for column in ("status", "dateLastModified"):
            if record[column]:
                problems.append(Problem(name, "must be blank in a bulk package", n, column))
        for column in self.required:
            if not record[column].strip():
                problems.append(Problem(name, "is required but blank", n, column))
        for column, allowed in self.enums.items():
            value = record[column]
            if value and not _allowed(value, allowed, self.folded[column], self.spec):
                problems.append(Problem(name, f"{value!r} is not one of: {', '.join(allowed)}", n, column))
        for column in self.dates:
            if record[column] and not _DATE.match(record[column]):
                problems.append(Problem(name, f"{record[column]!r} is not a date as YYYY-MM-DD", n, column))
        for column in self.years:
            if record[column] and not _YEAR.match(record[column]):
                problems.append(Problem(name, f"{record[column]!r} is not a year as YYYY", n, column))


def _reference_problems(spec: Spec, tables: dict[str, list[tuple[int, dict[str, str]]]],
                        unreadable: set[str]) -> list[Problem]:
    """Every sourcedId a file refers to must be defined by the file the spec names (at most 20
    shown per column, then a count)."""
    problems: list[Problem] = []
    defined = {name: {r["sourcedId"] for _, r in records} for name, records in tables.items()}
    for name, records in tables.items():
        for column, target in spec.references.get(name, []):
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


def _role_problems(tables: dict[str, list[tuple[int, dict[str, str]]]]) -> list[Problem]:
    """1.2: a user with no role has no org and no role at all; two primary roles in one org
    leave a consumer to guess (both inferred, see the module's table)."""
    if "users.csv" not in tables or "roles.csv" not in tables:
        return []
    problems: list[Problem] = []
    primary: dict[tuple[str, str], int] = {}
    with_role: set[str] = set()
    for n, r in tables["roles.csv"]:
        with_role.add(r["userSourcedId"])
        if r["roleType"].casefold() == "primary":
            key = (r["userSourcedId"], r["orgSourcedId"])
            if key in primary:
                problems.append(Problem("roles.csv", f"a second primary role for {key[0]!r} in {key[1]!r} "
                                        f"(the first is on line {primary[key]})", n, "roleType"))
            else:
                primary[key] = n
    missing = [(n, r["sourcedId"]) for n, r in tables["users.csv"] if r["sourcedId"] not in with_role]
    for n, sid in missing[:20]:
        problems.append(Problem("users.csv", f"user {sid!r} has no role in roles.csv", n, "sourcedId"))
    if len(missing) > 20:
        problems.append(Problem("users.csv", f"{len(missing) - 20} more users have no role in roles.csv", 0,
                                "sourcedId"))
    return problems


class StreamCheck:
    """Every rule of :func:`check_bulk_package`, checked while a writer streams a package: a file's
    header, then its rows a batch at a time (with the CSV text written for them), then the manifest.

    The rules are tested a column at a time (sets, ``all``, one scan of the batch's text), so a
    batch costs a few passes in C rather than Python per cell, and only the sourcedIds are held,
    never the rows. It answers only whether the package is valid (``ok``); when it is not, the
    writer reads back what it wrote with :func:`check_bulk_package`, which names each problem's
    file, line and column. A rule it cannot settle from the columns counts as broken, so it may
    send a valid package to that slower check, never an invalid one past it."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.ok = True
        self.defined: dict[str, set[str]] = {}
        """File → the sourcedIds its rows define (files with a right header and rows)."""
        self.pending: list[tuple[str, str, set[str]]] = []
        """(file, target, ids referred to) for targets not finished when the batch came."""
        self.role_users: set[str] = set()
        self.primary: set[tuple[str, str]] = set()
        self.name = ""
        self.count = 0

    def start(self, name: str, header: list[str]) -> None:
        """A data file begins: its header."""
        spec = self.spec
        self.name, self.width, self.count = name, len(header), 0
        if name not in spec.headers or _header_problem(spec, name, header) is not None:
            self.ok = False
            self.name = ""
            return
        at = {column: i for i, column in enumerate(header)}
        self.blank = [at["status"], at["dateLastModified"]]
        self.required = [at[c] for c in spec.required.get(name, ())]
        self.enums = [(at[c], allowed, {*allowed, ""}, {v.casefold() for v in allowed})
                      for c, allowed in spec.enums.get(name, {}).items()]
        self.formats = [(at[c], _DATE) for c in spec.dates.get(name, ())] + [
            (at[c], _YEAR) for c in spec.years.get(name, ())]
        self.references = [(at[c], target) for c, target in spec.references.get(name, [])]
        self.roles = (at["userSourcedId"], at["roleType"], at["orgSourcedId"]) if name == "roles.csv" else None
        self.seen = self.defined.setdefault(name, set())

    def rows(self, rows: list[tuple[str, ...]], text: str, breaks_counted: bool = False) -> None:
        """A batch of the file's rows, and the CSV text written for them (the header's with the first).
        ``breaks_counted``: the writer has counted the text's line breaks, one CRLF a row and none in
        a cell, so the text is not scanned for a carriage return again (a pass over every byte)."""
        if not self.ok or not rows:
            return
        self.count += len(rows)
        if not breaks_counted and "\r" in text and text.count("\r") != text.count("\r\n"):
            self.ok = False  # a carriage return inside a field
        if set(map(len, rows)) != {self.width}:
            self.ok = False
            return
        self.columns(list(zip(*rows, strict=True)), text, counted=True)

    def columns(self, cols: list[Sequence[str]], text: str, counted: bool = False, breaks_counted: bool = False
                ) -> None:
        """As :meth:`rows`, the batch given a column at a time (every header column, its cells in row order)."""
        if not self.ok:
            return
        if not counted:
            if len(cols) != self.width or len(set(map(len, cols))) != 1:
                self.ok = False
                return
            self.count += len(cols[0])
            if not breaks_counted and "\r" in text and text.count("\r") != text.count("\r\n"):
                self.ok = False
        distinct: dict[int, set[str]] = {}

        def values(i: int) -> set[str]:
            """Column ``i``'s distinct cells: each rule but uniqueness holds for a column when it holds
            for these, and a column of references or vocabulary repeats a few values many times."""
            got = distinct.get(i)
            if got is None:
                got = distinct[i] = set(cols[i])
            return got

        self.ok = self._cells(cols, values) and self._ids(cols, values) and self.ok

    def _cells(self, cols: list[Sequence[str]], values: Callable[[int], set[str]]) -> bool:
        if any(any(cols[i]) for i in self.blank):
            return False
        # sourcedId (column 0) is looked at whole: its cells all differ, so a set of them is a wasted pass
        if not all(all(map(str.strip, cols[i] if i == 0 else values(i))) for i in self.required):
            return False
        for i, allowed, words, folded in self.enums:
            if any(not _allowed(v, allowed, folded, self.spec) for v in values(i) - words):
                return False
        for i, pattern in self.formats:
            if any(v and not pattern.match(v) for v in values(i)):
                return False
        return True

    def _ids(self, cols: list[Sequence[str]], values: Callable[[int], set[str]]) -> bool:
        ids = cols[0]  # never blank here: sourcedId is required in every file, and _cells came first
        before = len(self.seen)
        self.seen.update(ids)
        if len(self.seen) - before != len(ids):
            return False  # a sourcedId used twice
        for i, target in self.references:
            distinct = values(i)
            joined = ",".join(distinct)
            # a list cell holds several ids; only a batch that has one is split
            refs = set(map(str.strip, joined.split(",") if joined.count(",") >= len(distinct) else distinct))
            refs.discard("")
            known = self.defined.get(target)
            if target == self.name or known is None:
                self.pending.append((self.name, target, refs))
            elif not refs <= known:
                return False
        if self.roles is not None:
            user, kind, org = (cols[i] for i in self.roles)
            self.role_users.update(user)
            if values(self.roles[1]) == {"primary"}:
                pairs = list(zip(user, org, strict=True))
            else:
                pairs = [(u, o) for u, k, o in zip(user, kind, org, strict=True) if k.casefold() == "primary"]
            distinct_pairs = set(pairs)
            if len(distinct_pairs) != len(pairs) or not self.primary.isdisjoint(distinct_pairs):
                return False
            self.primary |= distinct_pairs
        return True

    def end(self) -> None:
        """The file is complete: a file without rows is not taken in a bulk package."""
        if self.count == 0:
            self.ok = False
            self.defined.pop(self.name, None)
        self.name = ""

    def finish(self, manifest: str, version: str) -> bool:
        """The manifest's text, once every file is in; whether the whole package is valid."""
        _, problems = _manifest_problems(manifest, {*self.defined, MANIFEST}, version)
        if problems:
            self.ok = False
        for name, target, refs in self.pending:
            known = self.defined.get(target)
            if known is not None and name in self.defined and not refs <= known:
                self.ok = False
        users = self.defined.get("users.csv")
        if "roles.csv" in self.spec.headers and users is not None and "roles.csv" in self.defined:
            if not users <= self.role_users:
                self.ok = False
        return self.ok
