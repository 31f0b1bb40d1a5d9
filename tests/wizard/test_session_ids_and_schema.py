"""Session ids are ids, not paths; a session file that parses but does not fit is set aside."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from mis_wizard.wizard import paths
from mis_wizard.wizard.cli import main
from mis_wizard.wizard.session import SessionStore

VICTIM = {"id": "victim", "created": "2026-01-01T00:00:00+00:00", "updated": "2026-01-01T00:00:00+00:00",
          "profile": "demo", "system": "liss"}

ENTRIES = [
    ["sessions", "show", "{id}"],
    ["sessions", "delete", "{id}"],
    ["sync", "--session", "{id}", "--to", "csv:{out}"],
    ["bundle", "create", "--session", "{id}", "--out", "{out}/b.age"],
    ["template", "export", "--session", "{id}", "--out", "{out}/t.xlsx"],
    ["support-report", "--session", "{id}", "--out", "{out}/r.txt"],
    ["schedule", "--session", "{id}", "--daily", "06:30"],
]


def victim_file(tmp_path: Path) -> tuple[Path, str]:
    """A session-shaped JSON file outside the sessions folder, and the relative id that reaches it."""
    victim = tmp_path / "victim.json"
    victim.write_text(json.dumps(VICTIM), encoding="utf-8")
    rel = os.path.relpath(victim.with_suffix(""), paths.sessions_dir())
    return victim, rel


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: " ".join(e[:2]))
@pytest.mark.parametrize("kind", ["relative", "absolute"])
def test_a_path_as_session_id_touches_nothing(entry: list[str], kind: str, app_home: Path, tmp_path: Path,
                                              capsys) -> None:
    SessionStore()  # the sessions folder exists, as after a first run
    victim, rel = victim_file(tmp_path)
    before = victim.read_bytes()
    bad_id = rel if kind == "relative" else str(victim.with_suffix(""))
    out = tmp_path / "out"
    out.mkdir()
    argv = [a.format(id=bad_id, out=out) for a in entry]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "is not a session id" in err and "sessions list" in err
    assert "unexpected error" not in err
    assert victim.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name not in ("home", "out")) == ["victim.json"]
    assert list(out.iterdir()) == []
    assert not list(paths.sessions_dir().iterdir())


BROKEN = [{"updated": None, "profile": []}, {"profile": []}, {"school": "Riverbend"}, {"credentials": [1, 2]},
          {"id": "../../elsewhere"}, {"sample_ids": [1, {}]}, {"format": "1"}]


def broken_session(store: SessionStore, change: dict[str, object]) -> str:
    session = store.new(system="liss")
    data = json.loads(store.path(session.id).read_text(encoding="utf-8"))
    data.update(change)
    store.path(session.id).write_text(json.dumps(data), encoding="utf-8")
    return session.id


@pytest.mark.parametrize("change", BROKEN, ids=lambda c: ",".join(c))
@pytest.mark.parametrize("entry", ENTRIES[2:4], ids=lambda e: e[0])
def test_wrong_types_are_set_aside_with_a_clear_message(change, entry, app_home: Path, tmp_path: Path,
                                                        capsys) -> None:
    store = SessionStore()
    sid = broken_session(store, change)
    out = tmp_path / "out"
    out.mkdir()
    assert main([a.format(id=sid, out=out) for a in entry]) == 2
    err = capsys.readouterr().err
    assert "unexpected error" not in err
    assert f"Session file {sid}.json" in err and "moved aside" in err
    assert not store.path(sid).exists()
    assert len(list(store.root.glob(f"{sid}.*.set-aside"))) == 1


def test_sessions_list_skips_and_reports_a_file_of_wrong_types(app_home: Path, capsys) -> None:
    store = SessionStore()
    good = store.new(system="liss")
    bad = broken_session(store, {"updated": None, "profile": []})
    assert main(["sessions", "list"]) == 0
    out = capsys.readouterr().out
    assert good.id in out and bad not in out
    assert list(store.root.glob(f"{bad}.*.set-aside"))


def test_support_report_and_session_file_are_private(app_home: Path, tmp_path: Path) -> None:
    store = SessionStore()
    session = store.new(system="liss")
    out = tmp_path / "report.txt"
    assert main(["support-report", "--session", session.id, "--out", str(out)]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path(session.id).stat().st_mode) == 0o600
