"""A sync that leaves out every student (or more than the profile's share) is a failure, not a
success: exit 1 with the reason and the counts, nothing written over the last good output; and
the preview says which values the school's system does send when a filter's values match none."""

from __future__ import annotations

from pathlib import Path

import pytest

from mis_wizard.vendors import registry
from mis_wizard.wizard.cli import main
from mis_wizard.wizard.mapping import filters as filter_engine
from mis_wizard.wizard.mapping.mapper import Mapper
from mis_wizard.wizard.mapping.preview import build_report
from mis_wizard.wizard.mapping.schema import parse_targets
from mis_wizard.wizard.profile import ProfileError, load_builtin, parse
from mis_wizard.wizard.sync.state import State

STRICT = """
[integrator]
name = "Strict Roster"
support_email = "support@strict.example"
[handoff]
{handoff}
[targets.users]
entity = "students"
fields = [{{ name = "sourcedId", purpose = "To keep one record per student", concept = "student.id", required = true }}]
[[filters]]
name = "field_values"
params = {{ concept = "student.status", values = {values} }}
"""


def profile(tmp_path: Path, values: str, handoff: str = "") -> Path:
    path = tmp_path / "strict.toml"
    path.write_text(STRICT.format(values=values, handoff=handoff), encoding="utf-8")
    return path


def sync(creds: Path, prof: str | Path, to: str) -> int:
    return main(["sync", "powerschool", "--credentials", str(creds), "--profile", str(prof), "--to", to])


def test_excluding_every_student_fails_and_keeps_the_last_good_output(small_school, sandbox, write_credentials,
                                                                      tmp_path: Path, capsys) -> None:
    sandbox.add(registry.get("powerschool").emulator(small_school))
    creds = write_credentials(sandbox, "powerschool")
    zip_path = tmp_path / "roster.zip"
    assert sync(creds, "oneroster", f"oneroster:{zip_path}") == 0
    good = zip_path.read_bytes()
    capsys.readouterr()

    assert sync(creds, profile(tmp_path, '["current", "active"]'), f"oneroster:{zip_path}") == 1
    out = capsys.readouterr()
    pulled = len(small_school.students)
    assert f"students: {pulled} of {pulled} left out (mostly status 'A' not taken)" in out.err
    assert "nothing was written" in out.err
    assert "excluded 49: status 'A' not taken" in out.out  # the report, with its counts
    assert zip_path.read_bytes() == good
    runs = State().runs()
    assert runs[0].status == "failed" and "left out" in runs[0].message


def test_more_than_the_profiles_share_fails(small_school, sandbox, write_credentials, tmp_path: Path,
                                            capsys) -> None:
    sandbox.add(registry.get("powerschool").emulator(small_school))
    creds = write_credentials(sandbox, "powerschool")
    csv_dir = tmp_path / "csv"
    # PowerSchool sends one transferred-out student ("T"): 1 of 50 is within a 0.5 share ...
    assert sync(creds, profile(tmp_path, '["A"]', "max_excluded_share = 0.5"), f"csv:{csv_dir}") == 0
    assert (csv_dir / "users.csv").exists()
    # ... but not within 0.01, and the CSV folder is left as it was
    before = (csv_dir / "users.csv").read_bytes()
    capsys.readouterr()
    assert sync(creds, profile(tmp_path, '["A"]', "max_excluded_share = 0.01"), f"csv:{csv_dir}") == 1
    assert "students: 1 of 50 left out (mostly status 'T' not taken)" in capsys.readouterr().err
    assert (csv_dir / "users.csv").read_bytes() == before


@pytest.mark.parametrize("value", ["1.5", "-0.1", "true", '"half"'])
def test_the_share_must_be_a_fraction(tmp_path: Path, value: str) -> None:
    with pytest.raises(ProfileError, match="max_excluded_share"):
        parse(STRICT.format(values='["A"]', handoff=f"max_excluded_share = {value}"), "strict", "strict.toml")


def test_the_oneroster_profile_takes_every_systems_word_for_on_roll() -> None:
    prof = load_builtin("oneroster")
    assert prof.max_excluded_share == 0.5
    values = next(f for f in prof.filters if f["name"] == "field_values")["params"]["values"]
    for sent in ("current", "A", "", "true"):  # TASS, PowerSchool, Aeries/LISS/iSAMS/Integris, Qmlativ
        assert sent in values


def test_a_filter_whose_values_match_nothing_is_flagged_at_preview() -> None:
    students = [{"student.id": str(i), "student.status": status} for i, status in enumerate(["A"] * 3 + ["T"])]
    prof = parse(STRICT.format(values='["current", "active"]', handoff=""), "strict", "strict.toml")
    report = build_report(parse_targets(prof.targets), filter_engine.specs(prof.filters), {"students": students})
    f = report.filters[0]
    assert f.dropped == 4
    assert "None of this filter's values ('current', 'active')" in f.suggestion
    assert "'A' (3), 'T' (1)" in f.suggestion
    assert "→ None of this filter's values" in report.to_text()


def test_a_blank_match_code_maps_blank_values() -> None:
    """Aeries sends InactiveStatusCode "" for a student on roll: the profile's "" code makes it enabled."""
    prof = load_builtin("oneroster")
    students = [{"student.id": "1", "student.status": "", "student.first_name": "A", "student.last_name": "B"},
                {"student.id": "2", "student.status": "I", "student.first_name": "C", "student.last_name": "D"}]
    mapper = Mapper.for_session(parse_targets(prof.targets)["users"], None)
    enabled = [mapper.row(r)[1]["enabledUser"] for r in students]
    assert enabled == ["true", "false"]
