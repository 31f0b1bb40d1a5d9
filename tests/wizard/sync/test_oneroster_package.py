"""The OneRoster package: one validator, rule by rule, and every system's sync through it.

Each rejected package differs from a valid one in one cell (or one manifest row), and the
problem must name that file, line and column. Then every system's emulator is synced with the
demo and the oneroster profiles into a zip that must hold every student on roll and pass.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from mis_wizard.vendors import registry
from mis_wizard.vendors.oneroster.csv_spec import (
    HEADERS,
    HEADERS_12,
    MANIFEST_FILES,
    MANIFEST_FILES_12,
    check_bulk_package,
)
from mis_wizard.wizard.cli import main
from mis_wizard.wizard.sync.report import RunReport
from mis_wizard.wizard.sync.sinks.base import Output, SinkError
from mis_wizard.wizard.sync.sinks.oneroster_sink import FIXED_12, OneRosterSink
from mis_wizard.wizard.sync.state import State

Table = list[dict[str, str]]

VALID: dict[str, Table] = {
    "orgs.csv": [{"sourcedId": "org-1", "name": "Riverbend", "type": "school"}],
    "academicSessions.csv": [
        {"sourcedId": "as-y", "title": "2026", "type": "schoolYear", "startDate": "2026-01-27",
         "endDate": "2026-12-18", "schoolYear": "2026"},
        {"sourcedId": "as-1", "title": "Term 1", "type": "term", "startDate": "2026-01-27",
         "endDate": "2026-04-02", "parentSourcedId": "as-y", "schoolYear": "2026"}],
    "courses.csv": [{"sourcedId": "course-1", "schoolYearSourcedId": "as-y", "title": "Maths", "courseCode": "MA",
                     "orgSourcedId": "org-1"}],
    "classes.csv": [{"sourcedId": "class-1", "title": "7 Maths", "courseSourcedId": "course-1",
                     "classType": "scheduled", "schoolSourcedId": "org-1", "termSourcedIds": "as-1"}],
    "users.csv": [
        {"sourcedId": "u-s-1", "enabledUser": "true", "orgSourcedIds": "org-1", "role": "student", "username": "ana",
         "givenName": "Ana", "familyName": "Lee"},
        {"sourcedId": "u-t-1", "enabledUser": "true", "orgSourcedIds": "org-1", "role": "teacher", "username": "tom",
         "givenName": "Tom", "familyName": "Ng"},
        {"sourcedId": "u-g-1", "enabledUser": "true", "orgSourcedIds": "org-1", "role": "guardian", "username": "may",
         "givenName": "May", "familyName": "Lee", "agentSourcedIds": "u-s-1"}],
    "enrollments.csv": [
        {"sourcedId": "enr-1", "classSourcedId": "class-1", "schoolSourcedId": "org-1", "userSourcedId": "u-s-1",
         "role": "student", "primary": "false", "beginDate": "2026-01-27"},
        {"sourcedId": "enr-2", "classSourcedId": "class-1", "schoolSourcedId": "org-1", "userSourcedId": "u-t-1",
         "role": "teacher", "primary": "true"}],
    "demographics.csv": [{"sourcedId": "u-s-1", "birthDate": "2013-05-04", "sex": "female"}],
}


def manifest_rows(files: dict[str, Table]) -> list[list[str]]:
    rows = [["propertyName", "value"], ["manifest.version", "1.0"], ["oneroster.version", "1.1"]]
    rows += [[f"file.{n}", "bulk" if f"{n}.csv" in files else "absent"] for n in MANIFEST_FILES]
    return rows


def write_zip(path: Path, files: dict[str, Table], manifest: list[list[str]] | None = None,
              headers: dict[str, list[str]] | None = None) -> Path:
    def text(rows: list[list[str]]) -> str:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerows(rows)
        return buf.getvalue()

    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("manifest.csv", text(manifest or manifest_rows(files)))
        for name, rows in files.items():
            header = (headers or {}).get(name) or HEADERS[name]
            zf.writestr(name, text([header] + [[r.get(h, "") for h in header] for r in rows]))
    return path


# --- OneRoster 1.2: the same files, users without role and org, roles.csv and userProfiles.csv

VALID_12: dict[str, Table] = {
    **{k: v for k, v in VALID.items() if k != "users.csv"},
    "users.csv": [
        {"sourcedId": "u-s-1", "enabledUser": "true", "username": "ana", "givenName": "Ana", "familyName": "Lee",
         "primaryOrgSourcedId": "org-1", "preferredGivenName": "Annie"},
        {"sourcedId": "u-t-1", "enabledUser": "true", "username": "tom", "givenName": "Tom", "familyName": "Ng"},
        {"sourcedId": "u-g-1", "enabledUser": "true", "username": "may", "givenName": "May", "familyName": "Lee",
         "agentSourcedIds": "u-s-1"}],
    "roles.csv": [
        {"sourcedId": "r-1", "userSourcedId": "u-s-1", "roleType": "primary", "role": "student",
         "orgSourcedId": "org-1", "beginDate": "2026-01-27", "userProfileSourcedId": "up-1"},
        {"sourcedId": "r-2", "userSourcedId": "u-t-1", "roleType": "primary", "role": "teacher",
         "orgSourcedId": "org-1"},
        {"sourcedId": "r-3", "userSourcedId": "u-g-1", "roleType": "primary", "role": "guardian",
         "orgSourcedId": "org-1"}],
    "userProfiles.csv": [
        {"sourcedId": "up-1", "userSourcedId": "u-s-1", "profileType": "app", "vendorId": "v-1",
         "credentialType": "password", "username": "ana"}],
}


def manifest_12(files: dict[str, Table], version: str = "1.2") -> list[list[str]]:
    rows = [["propertyName", "value"], ["manifest.version", "1.0"], ["oneroster.version", version]]
    return rows + [[f"file.{n}", "bulk" if f"{n}.csv" in files else "absent"] for n in MANIFEST_FILES_12]


def write_zip_12(path: Path, files: dict[str, Table], manifest: list[list[str]] | None = None,
                 headers: dict[str, list[str]] | None = None) -> Path:
    return write_zip(path, files, manifest or manifest_12(files), {**HEADERS_12, **(headers or {})})


PACKAGES: dict[str, tuple[dict[str, Table], Callable[..., list[list[str]]], Callable[..., Path]]] = {
    "1.1": (VALID, manifest_rows, write_zip),
    "1.2": (VALID_12, manifest_12, write_zip_12),
}
"""Per version: the valid package, its manifest rows, and how to write it as a zip."""


@pytest.mark.parametrize("version", PACKAGES)
def test_the_valid_package_passes(tmp_path: Path, version: str) -> None:
    valid, _, write = PACKAGES[version]
    assert check_bulk_package(write(tmp_path / "ok.zip", valid)) == []
    assert check_bulk_package(write(tmp_path / "ok.zip", valid), version) == []


def cell(file: str, index: int, column: str, value: str) -> Callable[[dict[str, Table]], None]:
    def change(files: dict[str, Table]) -> None:
        files[file][index][column] = value
    return change


V11, V12, BOTH = ("1.1",), ("1.2",), ("1.1", "1.2")

# (versions, rule, file, row index, column, the value put there, words in the message[, where the problem is
# named when not at that cell]); line 2 is a file's first row.
CASES = [
    (V11, "required value", "users.csv", 0, "givenName", "", "required"),
    (BOTH, "required value", "classes.csv", 0, "termSourcedIds", "", "required"),
    (BOTH, "required value", "enrollments.csv", 1, "role", "", "required"),
    (BOTH, "unique sourcedId", "academicSessions.csv", 1, "sourcedId", "as-y", "already used on line 2"),
    (BOTH, "reference: class", "enrollments.csv", 0, "classSourcedId", "class-9", "'class-9'"),
    (BOTH, "reference: user", "enrollments.csv", 1, "userSourcedId", "u-t-9", "users.csv"),
    (V11, "reference: org", "users.csv", 1, "orgSourcedIds", "org-1,org-2", "'org-2'"),
    (BOTH, "reference: course", "classes.csv", 0, "courseSourcedId", "course-2", "courses.csv"),
    (BOTH, "reference: session", "classes.csv", 0, "termSourcedIds", "as-1,as-7", "'as-7'"),
    (BOTH, "reference: school year", "courses.csv", 0, "schoolYearSourcedId", "as-x", "academicSessions.csv"),
    (BOTH, "reference: agent", "users.csv", 2, "agentSourcedIds", "u-s-5", "'u-s-5'"),
    (BOTH, "reference: demographics", "demographics.csv", 0, "sourcedId", "u-s-8", "users.csv"),
    (BOTH, "date", "academicSessions.csv", 1, "startDate", "27/01/2026", "YYYY-MM-DD"),
    (BOTH, "date", "demographics.csv", 0, "birthDate", "2013-5-4", "YYYY-MM-DD"),
    (BOTH, "date", "enrollments.csv", 0, "beginDate", "2026-13-01", "YYYY-MM-DD"),
    (BOTH, "year", "academicSessions.csv", 0, "schoolYear", "26", "YYYY"),
    (V11, "vocabulary", "users.csv", 0, "role", "pupil", "'pupil'"),
    (BOTH, "vocabulary", "users.csv", 1, "enabledUser", "yes", "true, false"),
    (BOTH, "vocabulary", "orgs.csv", 0, "type", "campus", "school"),
    (BOTH, "vocabulary", "academicSessions.csv", 1, "type", "quarter", "term"),
    (BOTH, "vocabulary", "classes.csv", 0, "classType", "lesson", "homeroom"),
    (BOTH, "vocabulary", "enrollments.csv", 0, "role", "learner", "'learner'"),
    (BOTH, "vocabulary", "enrollments.csv", 0, "primary", "no", "'no'"),
    (BOTH, "vocabulary", "demographics.csv", 0, "sex", "F", "male, female"),
    (V11, "bulk status", "users.csv", 0, "status", "active", "blank"),
    (BOTH, "bulk date", "orgs.csv", 0, "dateLastModified", "2026-01-01T00:00:00Z", "blank"),
    (V12, "required value", "users.csv", 0, "username", "", "required"),
    (V12, "required value", "roles.csv", 0, "roleType", "", "required"),
    (V12, "required value", "roles.csv", 1, "orgSourcedId", "", "required"),
    (V12, "required value", "userProfiles.csv", 0, "vendorId", "", "required"),
    (V12, "unique sourcedId", "roles.csv", 2, "sourcedId", "r-1", "already used on line 2"),
    (V12, "reference: role user", "roles.csv", 1, "userSourcedId", "u-t-9", "users.csv"),
    (V12, "reference: role org", "roles.csv", 0, "orgSourcedId", "org-9", "'org-9'"),
    (V12, "reference: role profile", "roles.csv", 0, "userProfileSourcedId", "up-9", "userProfiles.csv"),
    (V12, "reference: profile user", "userProfiles.csv", 0, "userSourcedId", "u-s-9", "users.csv"),
    (V12, "reference: primary org", "users.csv", 0, "primaryOrgSourcedId", "org-2", "'org-2'"),
    (V12, "date", "roles.csv", 0, "beginDate", "2026/01/27", "YYYY-MM-DD"),
    (V12, "vocabulary", "roles.csv", 0, "roleType", "main", "primary, secondary"),
    (V12, "vocabulary", "roles.csv", 1, "role", "staff", "'staff'"),
    (V12, "vocabulary", "demographics.csv", 0, "sex", "X", "unspecified, other"),
    (V12, "bulk status", "roles.csv", 0, "status", "active", "blank"),
    (V12, "role for every user", "roles.csv", 1, "userSourcedId", "u-s-1", "no role in roles.csv",
     ("users.csv", 3, "sourcedId")),
    (V12, "one primary role per org", "roles.csv", 1, "userSourcedId", "u-s-1", "second primary role",
     ("roles.csv", 3, "roleType")),
]

RULES = [(version, rule, cell(file, index, column, value), *(at[0] if at else (file, index + 2, column)), words)
         for version in ("1.1", "1.2")
         for versions, rule, file, index, column, value, words, *at in CASES if version in versions]


@pytest.mark.parametrize(("version", "rule", "change", "file", "line", "column", "words"), RULES,
                         ids=[f"{c[0]}-{c[1]}-{c[3]}-{c[5]}" for c in RULES])
def test_each_rule_rejects_with_file_line_and_column(tmp_path: Path, version: str, rule: str, change, file: str,
                                                     line: int, column: str, words: str) -> None:
    valid, _, write = PACKAGES[version]
    files = json.loads(json.dumps(valid))
    change(files)
    problems = check_bulk_package(write(tmp_path / "bad.zip", files))
    assert problems, rule
    hit = [p for p in problems if (p.file, p.line, p.column) == (file, line, column)]
    assert hit, f"{rule}: {[str(p) for p in problems]}"
    assert words in hit[0].message, str(hit[0])
    assert str(hit[0]).startswith(f"{file} line {line} column {column}: ")


def test_a_vocabulary_word_in_another_case_is_taken(tmp_path: Path) -> None:
    """Real packages (the bulk-minimal fixture) write TRUE and Scheduled, and consumers read them."""
    files = json.loads(json.dumps(VALID))
    files["users.csv"][0]["enabledUser"] = "TRUE"
    files["classes.csv"][0]["classType"] = "Scheduled"
    assert check_bulk_package(write_zip(tmp_path / "case.zip", files)) == []


def test_header_out_of_order_names_the_column(tmp_path: Path) -> None:
    header = list(HEADERS["users.csv"])
    i, j = header.index("givenName"), header.index("familyName")
    header[i], header[j] = header[j], header[i]
    problems = check_bulk_package(write_zip(tmp_path / "h.zip", VALID, headers={"users.csv": header}))
    assert [(p.file, p.line, p.column) for p in problems] == [("users.csv", 1, "familyName")]


def with_a_short_row(path: Path) -> Path:
    """The valid 1.1 package at ``path`` with a row of four cells added to orgs.csv (its line 3)."""
    write_zip(path, VALID)
    with zipfile.ZipFile(path) as zf:
        contents = {n: zf.read(n).decode() for n in zf.namelist()}
    contents["orgs.csv"] += "org-2,,,Other\r\n"
    with zipfile.ZipFile(path, "w") as zf:
        for n, t in contents.items():
            zf.writestr(n, t)
    return path


def test_a_row_with_too_few_cells_names_its_line(tmp_path: Path) -> None:
    problems = check_bulk_package(with_a_short_row(tmp_path / "short.zip"))
    assert [(p.file, p.line) for p in problems] == [("orgs.csv", 3)]
    assert "4 cells" in problems[0].message


@pytest.mark.parametrize(("version", "row", "value", "words"), [
    ("1.1", "file.users", "absent", "marks users.csv absent"),
    ("1.1", "file.lineItems", "bulk", "no such file"),
    ("1.1", "file.classes", "delta", "bulk package"),
    ("1.1", "file.orgs", "full", "use bulk, delta or absent"),
    ("1.1", "oneroster.version", "1.0", "oneroster.version,1.1"),
    ("1.2", "file.roles", "absent", "marks roles.csv absent"),
    ("1.2", "file.scoreScales", "bulk", "no such file"),
    ("1.2", "file.users", "delta", "bulk package"),
    ("1.2", "oneroster.version", "2.0", "oneroster.version,1.2"),
])
def test_the_manifest_must_match_the_files(tmp_path: Path, version: str, row: str, value: str, words: str) -> None:
    valid, manifest_of, write = PACKAGES[version]
    manifest = manifest_of(valid)
    line = next(n for n, r in enumerate(manifest, start=1) if r[0] == row)
    manifest[line - 1][1] = value
    problems = check_bulk_package(write(tmp_path / "m.zip", valid, manifest=manifest))
    where = [(p.file, p.line, p.column) for p in problems]
    # with a version no rules are for, the files are read by other rules, which find more
    assert (where[:1] if value == "2.0" else where) == [("manifest.csv", line, "value")], problems
    assert words in problems[0].message


@pytest.mark.parametrize(("version", "row"), [("1.1", "file.results"), ("1.2", "file.userResources")])
def test_a_manifest_without_a_file_row_is_rejected(tmp_path: Path, version: str, row: str) -> None:
    valid, manifest_of, write = PACKAGES[version]
    manifest = [r for r in manifest_of(valid) if r[0] != row]
    problems = check_bulk_package(write(tmp_path / "m.zip", valid, manifest=manifest))
    assert [str(p) for p in problems] == [f"manifest.csv: does not list {row}"]


def test_a_11_package_checked_as_12_names_the_version(tmp_path: Path) -> None:
    problems = check_bulk_package(write_zip(tmp_path / "v.zip", VALID), "1.2")
    assert [(p.file, p.line, p.column) for p in problems] == [("manifest.csv", 3, "value")]
    assert "should be 1.2" in problems[0].message


@pytest.mark.parametrize(("version", "file", "column", "value", "message"), [
    ("1.1", "users.csv", "givenName", "", "is required but blank"),
    ("1.2", "roles.csv", "role", "pupil", "'pupil' is not one of"),
])
def test_validate_command(tmp_path: Path, capsys, version: str, file: str, column: str, value: str,
                          message: str) -> None:
    valid, _, write = PACKAGES[version]
    good = write(tmp_path / "good.zip", valid)
    assert main(["validate", "oneroster", str(good)]) == 0
    assert f"is a valid OneRoster {version} bulk package" in capsys.readouterr().out
    files = json.loads(json.dumps(valid))
    files[file][0][column] = value
    bad = write(tmp_path / "bad.zip", files)
    assert main(["validate", "oneroster", str(bad)]) == 1
    assert f"{file} line 2 column {column}: {message}" in capsys.readouterr().out
    assert main(["validate", "oneroster", str(bad), "--json"]) == 1
    said = json.loads(capsys.readouterr().out)
    assert [(p["file"], p["line"], p["column"]) for p in said] == [(file, 2, column)]
    assert said[0]["message"].startswith(message)


def write_sink(sink: OneRosterSink, tmp_path: Path, tables: dict[str, Table]) -> None:
    """One run of ``sink`` with ``tables`` (by entity), its sync state in ``tmp_path``."""

    async def write() -> None:
        async with httpx.AsyncClient() as http:
            state = State(tmp_path / "state.sqlite")
            try:
                await sink.write(Output({}, {}, tables), state, RunReport("test", sink.key), http)
            finally:
                state.close()

    asyncio.run(write())


def test_the_sink_keeps_the_last_good_package_when_the_new_one_is_invalid(tmp_path: Path) -> None:
    """Two schools with one id would give orgs.csv one sourcedId twice: the validator refuses it
    before the rename, and the last good zip stays byte for byte."""
    path = tmp_path / "roster.zip"
    sink = OneRosterSink(path)
    student = {"student.id": "1", "student.first_name": "Ana", "student.last_name": "Lee", "student.school_id": "7"}

    def write(schools: list[dict[str, str]]) -> None:
        write_sink(sink, tmp_path, {"schools": schools, "students": [student]})

    write([{"school.id": "7", "school.name": "Riverbend"}])
    good = path.read_bytes()
    assert check_bulk_package(path) == []
    with pytest.raises(SinkError) as caught:
        write([{"school.id": "7", "school.name": "Riverbend"}, {"school.id": "7", "school.name": "Twin"}])
    assert "orgs.csv line 3 column sourcedId" in str(caught.value)
    assert path.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "home") == ["roster.zip", "state.sqlite"]


def test_12_takes_what_11_does_not(tmp_path: Path) -> None:
    """1.2's sex vocabulary has other and unspecified, and every vocabulary takes an ext: token."""
    files = json.loads(json.dumps(VALID_12))
    files["demographics.csv"][0]["sex"] = "other"
    files["roles.csv"][1]["role"] = "ext:headOfYear"
    assert check_bulk_package(write_zip_12(tmp_path / "12.zip", files)) == []
    old = json.loads(json.dumps(VALID))
    old["demographics.csv"][0]["sex"] = "other"
    old["users.csv"][1]["role"] = "ext:headOfYear"
    problems = check_bulk_package(write_zip(tmp_path / "11.zip", old))
    assert {(p.file, p.column) for p in problems} == {("demographics.csv", "sex"), ("users.csv", "role")}


def test_a_11_users_header_in_a_12_package_is_rejected(tmp_path: Path) -> None:
    files = json.loads(json.dumps(VALID_12))
    problems = check_bulk_package(write_zip_12(tmp_path / "h.zip", files, headers={"users.csv": HEADERS["users.csv"]}))
    assert [(p.file, p.line, p.column) for p in problems if p.file == "users.csv"] == [
        ("users.csv", 1, "orgSourcedIds")]
    assert "header must be exactly" in problems[0].message


def test_a_121_package_is_read_with_the_121_users_header(tmp_path: Path) -> None:
    header = [c for c in HEADERS_12["users.csv"] if c != "resourceSourcedIds"]
    path = write_zip_12(tmp_path / "121.zip", VALID_12, manifest=manifest_12(VALID_12, "1.2.1"),
                        headers={"users.csv": header})
    assert check_bulk_package(path) == []
    path = write_zip_12(tmp_path / "121b.zip", VALID_12, manifest=manifest_12(VALID_12, "1.2.1"))
    assert [p.column for p in check_bulk_package(path)] == ["resourceSourcedIds"]


def _read(path: Path, name: str) -> list[dict[str, str]]:
    with zipfile.ZipFile(path) as zf:
        return list(csv.DictReader(io.StringIO(zf.read(name).decode("utf-8-sig"))))


@pytest.mark.parametrize("profile", ["demo", "oneroster"])
@pytest.mark.parametrize("system", registry.SYSTEM_IDS)
def test_every_system_syncs_every_student_into_valid_12_and_11_packages(system: str, profile: str, small_school,
                                                                        sandbox, write_credentials, tmp_path: Path,
                                                                        capsys) -> None:
    """One emulator per system over loopback, synced twice: ``oneroster:`` (1.2) and ``oneroster11:`` (1.1)."""
    sandbox.add(registry.get(system).emulator(small_school))
    creds = write_credentials(sandbox, system)
    on_roll = sum(s.status == "current" for s in small_school.students)
    leavers = len(small_school.students) - on_roll
    for scheme, version in (("oneroster", "1.2"), ("oneroster11", "1.1")):
        path = tmp_path / f"roster-{version}.zip"
        code = main(["sync", system, "--credentials", str(creds), "--profile", profile, "--to", f"{scheme}:{path}",
                     "--json"])
        out = capsys.readouterr()
        assert code == 0, out.err
        assert check_bulk_package(path) == [], version
        with zipfile.ZipFile(path) as zf:
            manifest = dict(r.split(",", 1) for r in zf.read("manifest.csv").decode().split("\r\n")[1:] if r)
        assert manifest["oneroster.version"] == version
        report = json.loads(out.out)
        excluded = report["tables"].get("students", {}).get("excluded", {})
        users = {u["sourcedId"]: u for u in _read(path, "users.csv")}
        if version == "1.2":
            assert list(_read(path, "users.csv")[0]) == HEADERS_12["users.csv"]
            roles = _read(path, "roles.csv")
            students = [users[r["userSourcedId"]] for r in roles if r["role"] == "student"]
            assert all(r["roleType"] == "primary" for r in roles)
            assert {r["userSourcedId"] for r in roles} == set(users)
            assert {d["sourcedId"] for d in _read(path, "demographics.csv")} == {u["sourcedId"] for u in students}
            assert {f"file.{n[:-4]}" for n in FIXED_12} <= {k for k, v in manifest.items() if v == "bulk"}
        else:
            assert "roles.csv" not in zipfile.ZipFile(path).namelist()
            students = [u for u in users.values() if u["role"] == "student"]
        assert all(u["givenName"] and u["familyName"] for u in students)
        # Qmlativ sends staff without names: they are left out of users.csv, and counted
        nameless = report["tables"].get("oneroster:users.csv", {}).get("excluded", {}).get(
            "staff member without a first or last name from the school's system", 0)
        if system == "qmlativ":
            assert nameless > 0
        else:
            assert nameless == 0
        # the demo profile takes only students in a class (the synthetic school has one in none);
        # the oneroster profile takes every student on roll, and leaves out only the system's leavers
        if profile == "oneroster":
            assert len(students) == on_roll, (version, len(students), on_roll)
            assert sum(excluded.values()) <= leavers
            assert all(reason.startswith("status ") and reason != "status '' not taken" for reason in excluded)
        else:
            assert on_roll - 1 <= len(students) <= on_roll, (version, len(students), on_roll)
            assert set(excluded) <= {"in no class"}


def _key(concept: str) -> str:
    return f'concept = "{concept}"\nrequired = true'


def _fixed(value: str) -> str:
    return f'rule = {{ kind = "transform", steps = [{{ name = "fixed", params = {{ value = "{value}" }} }}] }}'


MAPPED_TARGETS: dict[str, tuple[str, dict[str, str]]] = {
    "users": ("students", {
        "sourcedId": _key("student.id"),
        "givenName": 'concept = "student.first_name"\nrule = { kind = "transform", source = "student.first_name", '
                     'steps = [{ name = "case", params = { to = "upper" } }] }',
        "preferredGivenName": 'concept = "student.first_name"',
        "orgSourcedIds": _fixed("org-nowhere")}),
    "demographics": ("students", {"sourcedId": _key("student.id"), "sex": _fixed("nonbinary")}),
    "teachers": ("staff", {"sourcedId": _key("staff.id")}),
    "classes": ("classes", {"sourcedId": _key("class.id"), "classType": _fixed("homeroom")}),
    "enrollments": ("class_memberships", {"classSourcedId": _key("class_membership.class_id"),
                                          "role": _fixed("proctor")}),
    "userProfiles": ("students", {
        "sourcedId": _key("student.id"), "profileType": _fixed("reading-app"), "vendorId": _fixed("vendor-1"),
        "credentialType": _fixed("password"), "username": 'concept = "student.id"'}),
}
"""Per OneRoster target: its entity, and per field what the profile says of it (TOML lines)."""


def mapped_profile() -> str:
    """The profile of MAPPED_TARGETS, every field needed by the test package."""
    lines = ["[integrator]", 'name = "Mapped OneRoster Test"', 'support_email = "support@mapped.example"']
    for target, (entity, fields) in MAPPED_TARGETS.items():
        lines += ["", f"[targets.{target}]", f'entity = "{entity}"']
        for name, body in fields.items():
            lines += ["", f"[[targets.{target}.fields]]", f'name = "{name}"',
                      'purpose = "Needed by the test package"', body]
    return "\n".join(lines) + "\n"


def test_the_package_takes_the_profiles_mapped_values(small_school, sandbox, write_credentials, tmp_path: Path,
                                                     capsys) -> None:
    """The zip is built from the profile's targets, as the other sinks are: a mapped column reaches
    the file, a sourcedId reference the profile maps is the sink's own, and a value the vocabulary
    does not take is reported and not written."""
    sandbox.add(registry.get("tass").emulator(small_school))
    profile = tmp_path / "mapped.toml"
    profile.write_text(mapped_profile(), encoding="utf-8")
    path = tmp_path / "mapped.zip"
    code = main(["sync", "tass", "--credentials", str(write_credentials(sandbox, "tass")), "--profile", str(profile),
                 "--to", f"oneroster:{path}", "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert check_bulk_package(path) == []
    users = _read(path, "users.csv")
    roles = {r["userSourcedId"]: r for r in _read(path, "roles.csv")}
    students = [u for u in users if roles[u["sourcedId"]]["role"] == "student"]
    assert students and all(u["preferredGivenName"] and u["givenName"] == u["preferredGivenName"].upper()
                            for u in students)
    assert any(u["givenName"] != u["preferredGivenName"] for u in students)
    assert {u["primaryOrgSourcedId"] for u in users} <= {o["sourcedId"] for o in _read(path, "orgs.csv")}
    assert {c["classType"] for c in _read(path, "classes.csv")} == {"homeroom"}
    kinds = {u["sourcedId"]: roles[u["sourcedId"]]["role"] for u in users}
    enrolments = {(kinds[e["userSourcedId"]], e["role"]) for e in _read(path, "enrollments.csv")}
    assert enrolments == {("student", "proctor"), ("teacher", "teacher")}, enrolments
    assert {d["sex"] for d in _read(path, "demographics.csv")} <= {"male", "female", ""}
    errors = json.loads(out.out)["tables"]["oneroster:demographics.csv"]["errors"]
    assert errors and errors[0]["field"] == "sex" and "'nonbinary'" in errors[0]["error"]
    profiles = _read(path, "userProfiles.csv")
    assert len(profiles) == len(students)
    assert {(p["profileType"], p["vendorId"], p["credentialType"]) for p in profiles} == {
        ("reading-app", "vendor-1", "password")}
    with zipfile.ZipFile(path) as zf:
        assert "file.userProfiles,bulk" in zf.read("manifest.csv").decode()


def test_a_12_run_that_would_leave_a_fixed_file_empty_writes_nothing(tmp_path: Path) -> None:
    """The setup reads classes but none came: School Data Sync would mark every class inactive."""
    path = tmp_path / "roster.zip"
    path.write_bytes(b"last good")
    sink = OneRosterSink(path)
    student = {"student.id": "1", "student.first_name": "Ana", "student.last_name": "Lee"}

    with pytest.raises(SinkError) as caught:
        write_sink(sink, tmp_path, {"students": [student], "classes": []})
    assert "courses.csv, classes.csv, enrollments.csv" in str(caught.value)
    assert path.read_bytes() == b"last good"


def test_a_11_package_with_12_files_is_rejected(tmp_path: Path) -> None:
    """roles.csv and userProfiles.csv are 1.2 files: a package that says 1.1 may not carry them."""
    files = {**json.loads(json.dumps(VALID)), "roles.csv": VALID_12["roles.csv"]}
    problems = check_bulk_package(write_zip(tmp_path / "r.zip", files, manifest=manifest_rows(VALID),
                                            headers={"roles.csv": HEADERS_12["roles.csv"]}))
    assert [str(p) for p in problems] == ["roles.csv: is not a OneRoster 1.1 file"]
