"""Session.progress: steps done for a setup, kept in its file as hashes of what each was done for."""

from __future__ import annotations

import json

import pytest

from mis_wizard.wizard.session import SessionProblem, SessionStore


def test_a_step_done_is_saved_and_read_back_only_for_what_it_was_done_for(tmp_path) -> None:
    store = SessionStore(tmp_path)
    session = store.new(system="tass")
    depends = json.dumps([session.id, {"lms": {"token_key": {"$secret": "ref-1"}}}, {"students": {}}])
    session.mark_done("preview", depends, "attention")
    store.save(session)

    text = (tmp_path / f"{session.id}.json").read_text(encoding="utf-8")
    assert "ref-1" not in text, "only a hash of what it was done for is kept"
    loaded = store.load(session.id)
    fact = loaded.done_for("preview", depends)
    assert fact is not None and fact["status"] == "attention" and fact["at"]
    assert loaded.done_for("preview", depends + "changed") is None
    assert loaded.done_for("report", depends) is None
    loaded.forget_done("preview")
    assert loaded.done_for("preview", depends) is None


def test_a_session_file_with_progress_of_the_wrong_kind_is_set_aside(tmp_path) -> None:
    store = SessionStore(tmp_path)
    session = store.new()
    path = tmp_path / f"{session.id}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["progress"] = ["not", "a", "table"]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SessionProblem, match="wrong kind of value for 'progress'"):
        store.load(session.id)


def test_an_older_session_file_without_progress_still_opens(tmp_path) -> None:
    store = SessionStore(tmp_path)
    session = store.new()
    path = tmp_path / f"{session.id}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["progress"]
    path.write_text(json.dumps(data), encoding="utf-8")
    assert store.load(session.id).progress == {}
