"""`mis-wizard runs --session ID`: every sync of a setup, what it did, and why one failed."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from mis_wizard.vendors import registry
from mis_wizard.wizard.cli import main
from mis_wizard.wizard.profile import load as load_profile
from mis_wizard.wizard.secret_store import SecretStore
from mis_wizard.wizard.session import SessionStore
from mis_wizard.wizard.sync import history

SYSTEM = "integris"


@pytest.fixture
def setup_session(sandbox, small_school, plain_profile: Path, tmp_path: Path):
    sandbox.add(registry.get(SYSTEM).emulator(copy.deepcopy(small_school)))
    creds = sandbox.describe()["systems"][SYSTEM]["credentials"]
    profile = load_profile(str(plain_profile))
    store = SessionStore()
    session = store.new(profile=profile.ref, system=SYSTEM)
    session.import_credentials(creds, profile.requirements(SYSTEM), SecretStore())
    session.sync = {"to": f"csv:{tmp_path / 'out'}"}
    store.save(session)
    return session, creds


def test_runs_lists_each_sync_with_counts_and_the_reason_for_a_failure(setup_session, capsys) -> None:
    session, creds = setup_session
    assert main(["runs", "--session", session.id]) == 0
    assert "No sync has run" in capsys.readouterr().out

    assert main(["sync", "--session", session.id, "--entities", "students", "--json"]) == 0
    written = json.loads(capsys.readouterr().out)["tables"]["students"]["written"]
    assert written > 0

    stored = SessionStore().load(session.id)  # the school changed the password; the saved one is stale
    wrong = {**creds, "datashare": {**creds["datashare"], "client_secret": "not-the-secret-anymore"}}
    stored.import_credentials(wrong, load_profile(stored.profile)
                              .requirements(SYSTEM), SecretStore())
    SessionStore().save(stored)
    assert main(["sync", "--session", session.id, "--entities", "students"]) == 1
    capsys.readouterr()

    assert main(["sync", "--session", session.id, "--to", "ftp:nowhere"]) == 2
    capsys.readouterr()

    assert main(["runs", "--session", session.id, "--json"]) == 0
    runs = json.loads(capsys.readouterr().out)["runs"]
    assert [r["result"] for r in runs] == ["failed", "failed", "ok"]
    newest, auth, first = runs
    assert first["counts"]["written"] == written and first["counts"]["added"] == written and first["reason"] == ""
    assert first["to"].startswith("csv:") and first["started"] <= first["finished"]
    assert auth["reason"] and "last good output was kept" in auth["reason"]
    assert "not-the-secret-anymore" not in json.dumps(runs)
    assert "sqlite:PATH" in newest["reason"] and newest["to"] == "ftp:nowhere"
    assert {r["how"] for r in runs} == {"unattended"}  # pytest gives the commands no terminal

    assert main(["runs", "--session", session.id, "--limit", "2"]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"Sync runs of setup {session.id}, newest first:")
    assert text.count(" failed ") == 2 and " ok " not in text and "why: " in text


def test_history_is_bounded_and_skips_a_damaged_line(app_home: Path) -> None:
    from mis_wizard.wizard.sync.report import RunReport

    for n in range(history.MAX_RUNS * 3):
        history.append("abc123", history.entry(RunReport(system="arbor", sink=f"csv:/out/{n}", status="ok")))
    with open(history.path("abc123"), "a", encoding="utf-8") as fh:
        fh.write('{"result": "ok", "to": "half')  # a crash mid-write
    history.append("abc123", history.entry(RunReport(system="arbor", sink="csv:/after", status="ok")))
    runs = history.runs("abc123")
    assert runs[0]["to"] == "csv:/after"
    runs = runs[1:]
    assert len(runs) == history.MAX_RUNS - 1 and runs[0]["to"] == f"csv:/out/{history.MAX_RUNS * 3 - 1}"
    assert history.path("abc123").stat().st_size <= history.TRIM_AT_BYTES + 1_000  # trimmed, not growing
    with pytest.raises(ValueError):
        history.path("../escape")


def test_runs_of_an_unknown_setup_is_a_usage_error(capsys) -> None:
    assert main(["runs", "--session", "nosuch"]) == 2
    assert "mis-wizard sessions list" in capsys.readouterr().err
