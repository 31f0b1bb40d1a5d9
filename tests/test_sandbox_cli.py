"""`mis-wizard sandbox --json` describes every system; each scenario's mistake is reported by
`mis-wizard check` with exactly its code, and the working credentials pass."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from mis_wizard.vendors import registry
from mis_wizard.wizard.cli import main

CHECK_KEYS = {"key", "check", "status", "code", "message", "remedy", "elapsed_ms"}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    proc = subprocess.Popen([sys.executable, "-m", "mis_wizard", "sandbox", "--json", "--size", "small"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "MIS_WIZARD_HOME": str(home)})
    assert proc.stdout is not None
    line = proc.stdout.readline()
    yield json.loads(line), proc
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)


def test_json_line_has_the_documented_shape(served) -> None:
    described, _ = served
    assert set(described) >= {"systems"}
    assert set(described["systems"]) == set(registry.SYSTEM_IDS)
    for sid, info in described["systems"].items():
        assert info["base_url"].startswith("http://127.0.0.1:")
        assert isinstance(info["credentials"], dict) and info["credentials"]
        spec = registry.get(sid)
        for f in spec.fields:
            if f.required:
                assert f.id in info["credentials"], (sid, f.id)
        for key_set in spec.key_sets(spec.requirements()):
            if key_set.required:
                assert isinstance(info["credentials"].get(key_set.id), dict), (sid, key_set.id)
        assert info["scenarios"], f"{sid} has no mistake scenarios"
        for name, scenario in info["scenarios"].items():
            assert isinstance(scenario["credentials"], dict), (sid, name)
            assert scenario["expect"].startswith(f"{sid}.") or sid in ("aeries", "qmlativ"), (sid, name)


def _check(tmp_path: Path, system: str, credentials: dict, capsys) -> tuple[int, dict]:
    path = tmp_path / f"{system}.json"
    path.write_text(json.dumps(credentials), encoding="utf-8")
    code = main(["check", system, "--credentials", str(path), "--json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("system", registry.SYSTEM_IDS)
def test_every_scenario_gets_its_own_code_and_good_keys_pass(served, system: str, tmp_path: Path, capsys) -> None:
    described, _ = served
    info = described["systems"][system]
    code, report = _check(tmp_path, system, info["credentials"], capsys)
    assert code == 0 and report["ok"], [r for r in report["results"] if r["status"] == "failed"]
    assert report["system"] == system and all(set(r) == CHECK_KEYS for r in report["results"])
    for name, scenario in info["scenarios"].items():
        code, report = _check(tmp_path, system, scenario["credentials"], capsys)
        hits = [r for r in report["results"] if r["code"] == scenario["expect"]]
        assert hits, f"{system}/{name}: expected {scenario['expect']}, got {[r['code'] for r in report['results']]}"
        assert all(r["status"] in ("failed", "warning") and r["remedy"] for r in hits), (system, name)
        assert code == (1 if any(r["status"] == "failed" for r in report["results"]) else 0)


def test_unusable_input_exits_2(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert main(["check", "tass", "--credentials", str(bad)]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    assert main(["check", "moodle", "--credentials", str(bad)]) == 2
    assert main(["check", "tass", "--credentials", str(tmp_path / "missing.json")]) == 2


def test_sandbox_shuts_down_cleanly_on_interrupt(served) -> None:
    _, proc = served
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=10) == 0


def test_tls_sandbox_is_checked_with_its_certificate(tmp_path: Path, capsys) -> None:
    from mis_wizard.wizard.cli import start_sandbox

    with start_sandbox(tls=True) as box:
        described = box.describe()
        creds = tmp_path / "creds.json"
        creds.write_text(json.dumps(described["systems"]["powerschool"]["credentials"]), encoding="utf-8")
        assert described["systems"]["powerschool"]["base_url"].startswith("https://")
        assert main(["check", "powerschool", "--credentials", str(creds), "--ca-cert", described["ca_cert"]]) == 0
        capsys.readouterr()
        assert main(["check", "powerschool", "--credentials", str(creds), "--json"]) == 1
        untrusted = json.loads(capsys.readouterr().out)["results"]
        assert any("certificate" in r["message"].lower() for r in untrusted if r["status"] == "failed")
