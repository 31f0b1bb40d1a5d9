"""The OneRoster sink checks its package while it writes it (csv_spec.StreamCheck): every package
the full validator refuses, the streaming check must refuse too (the sink then reads the zip
back for each problem's line and column), and the valid ones pass. Then the sink's fast CSV text
must read back as csv.writer's would, for cells that need quoting or neutralising."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import zipfile
from pathlib import Path

import pytest

from mis_wizard.vendors.oneroster.csv_spec import MANIFEST, SPECS, StreamCheck, check_bulk_package
from mis_wizard.wizard.sync.report import RunReport
from mis_wizard.wizard.sync.sinks.base import Output, SinkError
from mis_wizard.wizard.sync.sinks.oneroster_sink import Builder, write_package

# The rule-by-rule packages of the validator's own tests (tests are not a package: load by path).
_spec = importlib.util.spec_from_file_location("_oneroster_cases",
                                               Path(__file__).with_name("test_oneroster_package.py"))
assert _spec is not None and _spec.loader is not None
_cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_cases)
PACKAGES, RULES, VALID, VALID_12 = _cases.PACKAGES, _cases.RULES, _cases.VALID, _cases.VALID_12
manifest_12, manifest_rows, write_zip, write_zip_12 = (_cases.manifest_12, _cases.manifest_rows, _cases.write_zip,
                                                       _cases.write_zip_12)


def streamed(path: Path, version: str, by_columns: bool) -> bool:
    """Feed a written package to a StreamCheck, file by file, as rows or as columns."""
    check = StreamCheck(SPECS[version])
    with zipfile.ZipFile(path) as zf:
        texts = {n: zf.read(n).decode("utf-8") for n in zf.namelist()}
    for name, text in texts.items():
        if name == MANIFEST:
            continue
        rows = [tuple(r) for r in csv.reader(io.StringIO(text, newline="")) if r]
        check.start(name, list(rows[0]) if rows else [])
        body = rows[1:]
        if body and by_columns and len(set(map(len, body))) == 1:
            check.columns(list(zip(*body, strict=True)), text)
        elif body:
            check.rows(body, text)
        check.end()
    return check.finish(texts.get(MANIFEST, ""), version)


@pytest.mark.parametrize("by_columns", [False, True])
def test_the_valid_packages_pass_as_they_stream(tmp_path: Path, by_columns: bool) -> None:
    assert streamed(write_zip(tmp_path / "11.zip", VALID), "1.1", by_columns)
    assert streamed(write_zip_12(tmp_path / "12.zip", VALID_12), "1.2", by_columns)


@pytest.mark.parametrize("by_columns", [False, True])
@pytest.mark.parametrize(("version", "rule", "change"), [r[:3] for r in RULES],
                         ids=[f"{r[0]}-{r[1]}-{r[3]}-{r[5]}" for r in RULES])
def test_every_package_the_validator_refuses_is_refused_as_it_streams(tmp_path: Path, version: str, rule: str,
                                                                      change, by_columns: bool) -> None:
    valid, _, write = PACKAGES[version]
    files = json.loads(json.dumps(valid))
    change(files)
    path = write(tmp_path / "bad.zip", files)
    assert check_bulk_package(path), rule
    assert not streamed(path, version, by_columns), rule


def test_a_wrong_header_a_short_row_and_a_bad_manifest_are_refused_as_they_stream(tmp_path: Path) -> None:
    from mis_wizard.vendors.oneroster.csv_spec import HEADERS

    header = list(HEADERS["users.csv"])
    header[8], header[9] = header[9], header[8]
    assert not streamed(write_zip(tmp_path / "h.zip", VALID, headers={"users.csv": header}), "1.1", False)
    assert not streamed(_cases.with_a_short_row(tmp_path / "short.zip"), "1.1", False)
    manifest = [r for r in manifest_rows(VALID) if r[0] != "file.results"]
    assert not streamed(write_zip(tmp_path / "m.zip", VALID, manifest=manifest), "1.1", False)
    manifest = [r if r[0] != "file.roles" else ["file.roles", "absent"] for r in manifest_12(VALID_12)]
    assert not streamed(write_zip_12(tmp_path / "m12.zip", VALID_12, manifest=manifest), "1.2", True)


@pytest.mark.parametrize("version", ["1.2", "1.1"])
def test_cells_that_need_quoting_or_neutralising_read_back_as_written(tmp_path: Path, version: str) -> None:
    """Commas, quotes and line breaks make the sink fall back to csv.writer for that batch; text a
    spreadsheet would run still gets its apostrophe, in the column path and the row path."""
    names = ["Ann, Marie", 'The "Rock"', "Two\nLines", "=1+1", "@SUM(A1)", "+61 4", "Plain"]
    students = [{"student.id": str(i), "student.first_name": n, "student.last_name": "-Lee", "student.code": f"C{i}",
                 "student.year_level": "7", "student.birth_date": "2014-02-03", "student.gender": "F"}
                for i, n in enumerate(names)]
    for with_nameless in (False, True):  # a student without names sends every student down the row path
        data = {"students": students + ([{"student.id": "99", "student.first_name": ""}] if with_nameless else [])}
        path = tmp_path / f"q{with_nameless}.zip"
        counts = write_package(path, Builder(data, "=School", RunReport("t", "o"), version, Output({}, {}, data)))
        assert counts["users.csv"] == len(names)
        assert check_bulk_package(path) == []
        with zipfile.ZipFile(path) as zf:
            users = list(csv.DictReader(io.StringIO(zf.read("users.csv").decode("utf-8"), newline="")))
            orgs = list(csv.DictReader(io.StringIO(zf.read("orgs.csv").decode("utf-8"), newline="")))
        assert [u["givenName"] for u in users] == [
            "Ann, Marie", 'The "Rock"', "Two\nLines", "'=1+1", "'@SUM(A1)", "'+61 4", "Plain"]
        assert {u["familyName"] for u in users} == {"'-Lee"}
        assert orgs[0]["name"] == "'=School"


def test_a_student_listed_twice_in_a_class_is_enrolled_once(tmp_path: Path) -> None:
    """Class lists read a column at a time (the district path) drop a repeated student, keep the
    order of first places and number the enrolments without gaps; an entry naming no student is
    left out."""
    school = {"school.id": "1", "school.name": "North", "school.code": "N"}
    term = {"term.id": "1", "term.name": "Term 1", "term.start_date": "2026-02-01", "term.end_date": "2026-04-10"}
    students = [{"student.id": f"S{i}", "student.first_name": "Ann", "student.last_name": "Lee",
                 "student.school_id": "1", "student.year_level": "7"} for i in range(3)]
    classes = [{"class.id": c, "class.name": f"Class {c}", "class.school_id": "1", "class.term_id": "1",
                "class.year_level": "7"} for c in ("A", "B")]
    lists = [("A", "S0"), ("A", "S1"), ("B", "S0"), ("A", "S0"), ("B", "S2"), ("B", "S0")]
    data = {"schools": [school], "terms": [term], "students": students, "classes": classes,
            "class_memberships": [{"class_membership.class_id": c, "class_membership.student_id": s}
                                  for c, s in lists] + [{"class_membership.class_id": "B"}]}
    path = tmp_path / "package.zip"
    counts = write_package(path, Builder(data, "North", RunReport("t", "o"), "1.2", Output({}, {}, data)))
    assert check_bulk_package(path) == []
    with zipfile.ZipFile(path) as zf:
        rows = list(csv.DictReader(io.StringIO(zf.read("enrollments.csv").decode("utf-8"), newline="")))
    assert counts["enrollments.csv"] == 4
    assert [(r["sourcedId"], r["classSourcedId"], r["userSourcedId"]) for r in rows] == [
        ("enr-1", "class-A", "u-s-S0"), ("enr-2", "class-A", "u-s-S1"), ("enr-3", "class-B", "u-s-S0"),
        ("enr-4", "class-B", "u-s-S2")]


@pytest.mark.parametrize("nameless", [False, True], ids=["columns", "rows"])
def test_a_carriage_return_in_a_name_is_refused_while_streaming(tmp_path: Path, nameless: bool) -> None:
    """The sink's own text skips the check's scan for line breaks only when it counted them; a name
    with a bare carriage return goes through csv.writer, is scanned, and the package is refused
    (the validator, run only when the streaming check fails, then names the file)."""
    students = [{"student.id": str(i), "student.first_name": n, "student.last_name": "Lee"}
                for i, n in enumerate(["Two\rLines", "Ann"])]
    data = {"students": students + ([{"student.id": "99", "student.first_name": ""}] if nameless else [])}
    with pytest.raises(SinkError, match="users.csv: has a carriage return inside a field"):
        write_package(tmp_path / "cr.zip", Builder(data, "School", RunReport("t", "o"), "1.2", Output({}, {}, data)))
