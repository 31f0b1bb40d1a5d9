"""A session file that is valid JSON of the wrong shape: the wizard still starts and says what it did."""

from __future__ import annotations

import json
import logging

from mis_wizard.wizard import paths
from mis_wizard.wizard.session import SessionStore


def test_window_starts_and_sets_aside_a_session_of_wrong_types(make_window, caplog):
    store = SessionStore()
    good = store.new(system="tass")
    good.school = {"name": "Riverside Secondary College"}
    store.save(good)
    bad = store.new(system="liss")
    data = json.loads(store.path(bad.id).read_text(encoding="utf-8"))
    data.update({"updated": None, "profile": []})
    store.path(bad.id).write_text(json.dumps(data), encoding="utf-8")

    with caplog.at_level(logging.WARNING, logger="mis_wizard"):
        window = make_window()
    welcome = window.pages[0]
    assert welcome.sessions.count() == 1
    assert "Riverside Secondary College" in welcome.sessions.item(0).text()
    banner = welcome.problem_banner
    assert banner is not None and f"{bad.id}.json" in banner.label.text() and "moved aside" in banner.label.text()
    assert any(f"{bad.id}.json" in r.getMessage() and "moved aside" in r.getMessage() for r in caplog.records)
    assert not store.path(bad.id).exists() and list(paths.sessions_dir().glob(f"{bad.id}.*.set-aside"))

    again = make_window()
    assert again.pages[0].sessions.count() == 1 and again.pages[0].problem_banner is None
