"""`mis-wizard capture` and `mis-wizard sandbox --replay` as an admin and a support engineer run them:
separate processes over loopback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from mis_wizard.vendors import registry
from mis_wizard.vendors.sandbox import school as school_model
from mis_wizard.vendors.sandbox.kit import Sandbox


def _run(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mis_wizard", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "MIS_WIZARD_HOME": str(home)})


def _codes(report: dict) -> list[tuple[str, str, str]]:
    return sorted((r["key"], r["code"], r["status"]) for r in report["results"])


@pytest.mark.parametrize("system", ["tass", "liss"])
def test_capture_in_one_process_replay_in_another(system: str, tmp_path: Path) -> None:
    spec = registry.get(system)
    assert spec.emulator is not None
    home = tmp_path / "home"
    creds, trace = tmp_path / "creds.json", tmp_path / "support-trace.json"
    with Sandbox() as box:
        hosted = box.add(spec.emulator(school_model.generate(seed=1, size="small")))
        credentials = hosted.emulator.credentials(hosted.base_url)
        creds.write_text(json.dumps(credentials), encoding="utf-8")
        direct = _run(["check", system, "--credentials", str(creds), "--json"], home)
        direct_preview = _run(["preview", system, "--credentials", str(creds), "--entity", "students", "--limit",
                               "2", "--json"], home)
        captured = _run(["capture", system, "--credentials", str(creds), "--out", str(trace), "--preview", "2"], home)
    assert captured.returncode == 0, captured.stderr
    assert f"to {trace}" in captured.stdout and "read it before you send it" in captured.stdout
    text = trace.read_text(encoding="utf-8")
    for key_set, f in spec.all_fields(spec.requirements()):
        holder = credentials.get(key_set) if key_set else credentials
        if f.secret and isinstance(holder, dict) and holder.get(f.id):
            assert holder[f.id] not in text

    server = subprocess.Popen([sys.executable, "-m", "mis_wizard", "sandbox", "--json", "--replay", str(trace)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "MIS_WIZARD_HOME": str(home)})
    try:
        assert server.stdout is not None
        described = json.loads(server.stdout.readline())
        assert list(described["systems"]) == [system]
        info = described["systems"][system]
        assert info["base_url"].startswith("http://127.0.0.1:") and info["scenarios"] == {}
        replay_creds = tmp_path / "replay-creds.json"
        replay_creds.write_text(json.dumps(info["credentials"]), encoding="utf-8")
        again = _run(["check", system, "--credentials", str(replay_creds), "--json"], home)
        again_preview = _run(["preview", system, "--credentials", str(replay_creds), "--entity", "students",
                              "--limit", "2", "--json"], home)
    finally:
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=10) == 0
    assert again.returncode == direct.returncode == 0, again.stdout
    assert _codes(json.loads(again.stdout)) == _codes(json.loads(direct.stdout))
    first, second = json.loads(direct_preview.stdout), json.loads(again_preview.stdout)
    assert len(second["records"]) == len(first["records"]) == 2
    assert [c["field"] for c in second["records"][0]["cells"]] == [c["field"] for c in first["records"][0]["cells"]]


def test_unusable_capture_and_replay_input_exits_2(tmp_path: Path) -> None:
    home = tmp_path / "home"
    creds = tmp_path / "creds.json"
    creds.write_text("{}", encoding="utf-8")
    too_many = _run(["capture", "tass", "--credentials", str(creds), "--out", str(tmp_path / "t.json"),
                     "--preview", "5000"], home)
    assert too_many.returncode == 2 and "--preview" in too_many.stderr
    not_a_trace = tmp_path / "notes.json"
    not_a_trace.write_text('{"hello": 1}', encoding="utf-8")
    refused = _run(["sandbox", "--replay", str(not_a_trace)], home)
    assert refused.returncode == 2 and "is not a trace" in refused.stderr
    missing = _run(["sandbox", "--replay", str(tmp_path / "nowhere.json")], home)
    assert missing.returncode == 2 and "cannot read the trace" in missing.stderr
