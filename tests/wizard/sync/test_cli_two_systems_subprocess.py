"""Issue 15's "done when": `mis-wizard sync SYSTEM --credentials FILE` into the default store, run
as a program (a subprocess, as a scheduled task runs it) for two systems in one MIS_WIZARD_HOME,
never reports the first system's records as removed by the second."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mis_wizard.vendors import registry

SYSTEMS = ("tass", "isams")


def run_sync(system: str, creds: Path, home: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MIS_WIZARD_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "mis_wizard", "sync", system, "--credentials", str(creds), *extra],
                          env=env, capture_output=True, text=True, timeout=120)


def removed_in_text(out: str) -> list[int]:
    """The per-table removal counts of the plain-text report (`  students  48 written  +48 ~0 -0 …`)."""
    return [int(n) for n in re.findall(r" written\s+\+\d+ ~\d+ -(\d+)", out)]


@pytest.mark.parametrize("school", [None, "Riverbend College"], ids=["school-from-address", "one-school"])
def test_two_systems_synced_by_the_cli_into_their_default_stores_remove_nothing_of_each_other(
        school, sandbox, small_school, app_home: Path, write_credentials) -> None:
    for system in SYSTEMS:
        sandbox.add(registry.get(system).emulator(small_school))
    creds = {system: write_credentials(sandbox, system) for system in SYSTEMS}
    if school:  # the same school's two systems (the credentials file names the school)
        for path in creds.values():
            path.write_text(json.dumps({**json.loads(path.read_text(encoding="utf-8")), "school_name": school}),
                            encoding="utf-8")

    first, second = (run_sync(system, creds[system], app_home) for system in SYSTEMS)
    stores_dir = app_home / "data" / "stores"
    for system, done in zip(SYSTEMS, (first, second), strict=True):
        assert done.returncode == 0, f"{system}: exit {done.returncode}\n{done.stderr}"
        assert done.stdout.startswith(f"Sync {system} → sqlite:{stores_dir}"), done.stdout.splitlines()[0]
        removals = removed_in_text(done.stdout)
        assert removals and not any(removals), f"{system} reported removals:\n{done.stdout}"
        assert "held" not in done.stdout + done.stderr and "removed of" not in done.stderr

    for system in (*SYSTEMS, SYSTEMS[0]):  # each again, the first last: still nothing removed, nothing new
        again = run_sync(system, creds[system], app_home, "--json")
        assert again.returncode == 0, f"{system}: exit {again.returncode}\n{again.stderr}"
        report = json.loads(again.stdout)
        assert report["status"] == "ok"
        tables = report["tables"]
        assert tables and all(t["removed"] == 0 and t["added"] == 0 for t in tables.values()), (system, tables)
        assert sum(t["written"] for t in tables.values()) > 0

    stores = sorted(p.name for p in stores_dir.glob("*.sqlite"))
    assert len(stores) == 2, stores
    assert [s for s in stores if "-tass-" in s] and [s for s in stores if "-isams-" in s], stores
    if school:
        assert stores == ["riverbend-college-isams-demo.sqlite", "riverbend-college-tass-demo.sqlite"]
    assert not (app_home / "data" / "sync.sqlite").exists(), "no store shared by every setup"
