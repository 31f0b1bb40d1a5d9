"""Sessions survive restarts, keep secrets out of their files, and never overwrite what they cannot read."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import keyring
import pytest

from mis_wizard.wizard import logs, redact
from mis_wizard.wizard.secret_store import SecretStore, is_ref
from mis_wizard.wizard.session import FORMAT, SessionProblem, SessionStore

SECRET = "Zq8+Secret/TokenKey=="


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_session_round_trips_and_keeps_secret_only_in_keyring(app_home: Path, memory_keyring) -> None:
    store, secrets = SessionStore(), SecretStore()
    session = store.new(system="liss")
    session.school = {"name": "Riverbend Grammar"}
    session.set_value(None, "password", SECRET, secret=True, secrets=secrets)
    session.set_value(None, "username", "sync-user", secret=False, secrets=secrets)
    store.save(session)

    again = SessionStore().load(session.id)
    assert again.school["name"] == "Riverbend Grammar"
    assert is_ref(again.credentials["password"])
    assert again.get_value(None, "password", SecretStore()) == SECRET
    assert SECRET in memory_keyring.store.values()
    for path in files_under(app_home):
        assert SECRET not in path.read_text(encoding="utf-8", errors="replace"), path


def test_without_a_keyring_backend_secrets_stay_in_memory_and_it_says_so(app_home: Path) -> None:
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    secrets = SecretStore()
    assert not secrets.persistent
    assert "memory" in secrets.warning
    ref = secrets.put("s1", "connection.password", SECRET)
    assert secrets.get(ref) == SECRET
    assert SecretStore().get(ref) == ""  # a new run has lost it, as the warning said


def test_corrupt_session_is_moved_aside_not_overwritten(app_home: Path) -> None:
    store = SessionStore()
    bad = store.path("0000000b0cce")
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(SessionProblem, match="moved aside"):
        store.load("0000000b0cce")
    assert not bad.exists()
    aside = list(store.root.glob("0000000b0cce.*.set-aside"))
    assert aside and aside[0].read_text() == "{not json"


def test_newer_format_session_is_reported_and_kept(app_home: Path) -> None:
    store = SessionStore()
    (store.root / "future.json").write_text(json.dumps({"id": "future", "format": FORMAT + 1}), encoding="utf-8")
    assert store.list() == []
    assert any("newer version" in p for p in store.problems)
    assert list(store.root.glob("future.*.set-aside"))


def test_deleting_a_session_removes_its_secrets(app_home: Path, memory_keyring) -> None:
    store, secrets = SessionStore(), SecretStore()
    session = store.new(system="liss")
    session.set_value(None, "password", SECRET, secret=True, secrets=secrets)
    store.save(session)
    store.delete(session.id, secrets)
    assert SECRET not in memory_keyring.store.values()
    assert not store.path(session.id).exists()


def test_log_lines_mask_every_known_secret_longest_first(app_home: Path) -> None:
    redact.forget_all()
    path = logs.setup()
    redact.register("abcd1234")
    redact.register("abcd1234-and-more")
    log = logging.getLogger("mis_wizard.test")
    log.info("key %s and %s", "abcd1234-and-more", "abcd1234")
    log.info("bearer token: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig")
    log.info("guid {0f8fad5b-d9cb-469f-a165-70867728950e}")
    log.info("unknown token 96yfUt3jgAIYx0o7i3tjprnBpotNO3Md/yv+eToJ8qo= from getTimetableCalendar")
    text = path.read_text(encoding="utf-8")
    assert "abcd1234" not in text and "-and-more" not in text
    assert "eyJhbGci" not in text
    assert "0f8fad5b" not in text
    assert "96yfUt3j" not in text
    assert "getTimetableCalendar" in text, "a long method name is not a token"
    assert text.count(redact.MASK) >= 5
