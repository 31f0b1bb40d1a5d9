"""Each process logs to a file of its own, nothing is renamed, old files go, secrets never appear."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mis_wizard.wizard import logs, paths, redact

WORKER = """
import logging, sys
from mis_wizard.wizard import logs, redact
logs.MAX_BYTES = 4_000
path = logs.setup()
redact.register("Sup3rSecretKey!")
log = logging.getLogger("mis_wizard.worker")
for i in range(600):
    log.info("%s line %d with key Sup3rSecretKey! and more words", sys.argv[1], i)
print(path)
"""


def test_two_processes_log_at_once_into_one_folder(app_home: Path) -> None:
    env = {**os.environ, "MIS_WIZARD_HOME": str(app_home), "PYTHONPATH": str(Path(__file__).parents[2])}
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, name], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for name in ("gui", "sync")]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in results]
    assert all("Traceback" not in err and "Logging error" not in err for _, err in results)
    first = {name: Path(out.strip()) for name, (out, _) in zip(("gui", "sync"), results, strict=True)}
    assert first["gui"] != first["sync"] and first["gui"].parent == first["sync"].parent == paths.log_dir()
    everything = {p.name: p.read_text(encoding="utf-8") for p in logs.log_files()}
    for name, path in first.items():
        own = sorted(n for n in everything if n.startswith(path.stem))
        assert len(own) > 1 and path.name in own  # it went on in new parts
        text = "".join(everything[n] for n in own)
        assert f"{name} line 0 " in text and f"{name} line 599 " in text
        assert all(len(everything[n].encode()) <= logs.MAX_BYTES + 200 for n in own)
    joined = "".join(everything.values())
    assert "Sup3rSecretKey!" not in joined and redact.MASK in joined
    assert joined.count(" line ") == 1200


def test_old_and_surplus_files_are_pruned(app_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = paths.log_dir()
    now = time.time()
    old = folder / "mis-wizard-2026-01-01-111.log"
    legacy = folder / "mis-wizard.log.3"
    recent = [folder / f"mis-wizard-2026-12-01-{n}.log" for n in range(40)]
    for i, p in enumerate([old, legacy, *recent]):
        p.write_text("x\n", encoding="utf-8")
        age = 30 * 86_400 if p in (old, legacy) else (50 - i) * 60
        os.utime(p, (now - age, now - age))
    keep = folder / logs.file_name()
    gone = logs.prune(folder, keep=keep, now=now)
    assert old in gone and legacy in gone
    left = {p.name for p in logs.log_files(folder)}
    assert len(left) == logs.KEEP_FILES - 1 and recent[-1].name in left and recent[0].name not in left
    monkeypatch.setattr(logs, "_configured", None)
    path = logs.setup()
    logging.getLogger("mis_wizard.test").info("hello")
    assert path.exists() and len(logs.log_files(folder)) <= logs.KEEP_FILES
    assert logs.tail(3)[-1].endswith("mis_wizard.test: hello")


def test_a_secret_is_masked_in_the_file(app_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logs, "_configured", None)
    path = logs.setup()
    redact.register("hunter2-the-key")
    logging.getLogger("mis_wizard.test").warning("sent %s to the server", "hunter2-the-key")
    text = path.read_text(encoding="utf-8")
    assert "hunter2-the-key" not in text and f"sent {redact.MASK} to the server" in text
    assert path.name == f"mis-wizard-{time.strftime('%Y-%m-%d')}-{os.getpid()}.log"
