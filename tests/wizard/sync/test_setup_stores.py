"""One school, one setup: each setup's default store is its own, so a sync never compares with
another school's or another system's records."""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import sqlite3
from pathlib import Path

from mis_wizard.vendors import registry
from mis_wizard.wizard.cli import main
from mis_wizard.wizard.sync.state import setup_name, slug


def sync_default(system: str, creds: Path, profile: Path, *extra: str) -> int:
    """`mis-wizard sync SYSTEM --credentials FILE` with no --to: the default store."""
    return main(["sync", system, "--credentials", str(creds), "--profile", str(profile), "--json", *extra])


def removed(report: dict) -> int:
    return sum(t["removed"] for t in report["tables"].values())


def added(report: dict) -> int:
    return sum(t["added"] for t in report["tables"].values())


def stores(home: Path) -> list[str]:
    return sorted(p.name for p in (home / "data" / "stores").glob("*.sqlite"))


def test_two_systems_in_one_home_never_remove_each_others_records(sandbox, small_school, plain_profile, app_home,
                                                                  write_credentials, capsys) -> None:
    sandbox.add(registry.get("tass").emulator(small_school))
    sandbox.add(registry.get("isams").emulator(small_school))
    tass, isams = write_credentials(sandbox, "tass"), write_credentials(sandbox, "isams")

    assert sync_default("tass", tass, plain_profile) == 0
    first = json.loads(capsys.readouterr().out)
    assert added(first) > 0 and removed(first) == 0
    assert sync_default("isams", isams, plain_profile) == 0
    second = json.loads(capsys.readouterr().out)
    assert removed(second) == 0, second["tables"]
    assert added(second) > 0  # its own first run: nothing of TASS's was taken as its previous records
    assert sync_default("tass", tass, plain_profile) == 0
    again = json.loads(capsys.readouterr().out)
    assert (added(again), removed(again)) == (0, 0)

    names = stores(app_home)
    assert len(names) == 2
    assert any(n.endswith("-tass-plain.sqlite") for n in names)
    assert any(n.endswith("-isams-plain.sqlite") for n in names)
    assert not (app_home / "data" / "sync.sqlite").exists()


def test_the_same_system_for_two_schools_keeps_two_stores(sandbox, small_school, plain_profile, app_home,
                                                          write_credentials, tmp_path, capsys) -> None:
    sandbox.add(registry.get("tass").emulator(small_school))
    base = json.loads(write_credentials(sandbox, "tass").read_text(encoding="utf-8"))
    files = {}
    for school in ("Riverbend College", "Hillside Grammar"):
        path = tmp_path / f"{slug(school)}.json"
        path.write_text(json.dumps({**base, "school_name": school}), encoding="utf-8")
        files[school] = path

    assert sync_default("tass", files["Riverbend College"], plain_profile) == 0
    first = json.loads(capsys.readouterr().out)
    assert sync_default("tass", files["Hillside Grammar"], plain_profile) == 0
    second = json.loads(capsys.readouterr().out)
    assert added(second) == added(first) and removed(second) == 0
    assert stores(app_home) == sorted([f"{setup_name('Hillside Grammar', 'tass', 'plain')}.sqlite",
                                       f"{setup_name('Riverbend College', 'tass', 'plain')}.sqlite"])
    assert stores(app_home) == ["hillside-grammar-tass-plain.sqlite", "riverbend-college-tass-plain.sqlite"]


def test_a_held_removal_names_the_school_and_the_system(sandbox, small_school, plain_profile, write_credentials,
                                                        tmp_path, capsys) -> None:
    sandbox.add(registry.get("tass").emulator(small_school))
    creds = tmp_path / "riverbend.json"
    base = json.loads(write_credentials(sandbox, "tass").read_text(encoding="utf-8"))
    creds.write_text(json.dumps({**base, "school_name": "Riverbend College"}), encoding="utf-8")
    assert sync_default("tass", creds, plain_profile, "--entities", "students") == 0
    capsys.readouterr()
    fewer = copy.deepcopy(small_school)
    fewer.students = fewer.students[: len(fewer.students) // 2]
    sandbox.replace(registry.get("tass").emulator(fewer))
    assert sync_default("tass", creds, plain_profile, "--entities", "students") == 3
    said = capsys.readouterr().err
    assert "Riverbend College's TASS" in said and "students:" in said and "removed of" in said


def test_the_old_shared_store_is_kept_aside(sandbox, small_school, plain_profile, app_home, write_credentials,
                                            capsys) -> None:
    sandbox.add(registry.get("tass").emulator(small_school))
    creds = write_credentials(sandbox, "tass")
    old = app_home / "data" / "sync.sqlite"
    old.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(old)
    conn.execute("CREATE TABLE data_students (_id TEXT)")
    conn.execute("INSERT INTO data_students VALUES ('kept-1')")
    conn.commit()
    conn.close()
    before = old.read_bytes()

    assert sync_default("tass", creds, plain_profile) == 0
    said = capsys.readouterr().err
    aside = app_home / "data" / f"sync-shared-before-{dt.date.today().isoformat()}.sqlite"
    assert not old.exists() and aside.read_bytes() == before
    assert aside.name in said
    assert os.listdir(app_home / "data" / "stores")


def test_a_session_saved_with_the_old_shared_store_syncs_into_its_own(sandbox, small_school, plain_profile,
                                                                    app_home, write_credentials, capsys) -> None:
    from mis_wizard.vendors.sandbox.kit import Fault, FaultKind
    from mis_wizard.wizard.secret_store import SecretStore
    from mis_wizard.wizard.session import SessionStore

    sandbox.add(registry.get("tass").emulator(small_school))
    creds = json.loads(write_credentials(sandbox, "tass").read_text(encoding="utf-8"))
    store, secrets = SessionStore(), SecretStore()
    session = store.new(profile=str(plain_profile), system="tass")
    session.school = {"name": "Riverbend College"}
    from mis_wizard.wizard.profile import load

    session.import_credentials(creds, load(str(plain_profile)).requirements("tass"), secrets)
    session.sync = {"to": f"sqlite:{app_home / 'data' / 'sync.sqlite'}"}  # as the page saved it before
    store.save(session)

    assert main(["sync", "--session", session.id, "--entities", "students", "--json"]) == 0
    capsys.readouterr()
    assert stores(app_home) == ["riverbend-college-tass-plain.sqlite"]
    assert not (app_home / "data" / "sync.sqlite").exists()

    sandbox.inject("tass", Fault(FaultKind.MALFORMED))
    assert main(["sync", "--session", session.id, "--entities", "students"]) == 1
    last = SessionStore().load(session.id).sync["last_run"]
    assert last["status"] == "failed" and "last good output was kept" in last["message"]


def test_a_tass_token_key_that_cannot_be_used_says_so_and_the_fixed_key_syncs(sandbox, small_school, plain_profile,
                                                                              app_home, write_credentials,
                                                                              capsys) -> None:
    sandbox.add(registry.get("tass").emulator(small_school))
    path = write_credentials(sandbox, "tass")
    good = json.loads(path.read_text(encoding="utf-8"))
    broken = json.loads(json.dumps(good))
    for keys in broken.values():
        if isinstance(keys, dict) and "token_key" in keys:
            keys["token_key"] = "c2hvcnQ="  # base64 of five bytes: no AES key
    path.write_text(json.dumps(broken), encoding="utf-8")
    assert sync_default("tass", path, plain_profile) == 1
    err = capsys.readouterr().err
    assert "Token Key" in err and "cannot be used" in err and "unexpected error" not in err
    path.write_text(json.dumps(good), encoding="utf-8")
    assert sync_default("tass", path, plain_profile) == 0
    assert added(json.loads(capsys.readouterr().out)) > 0
