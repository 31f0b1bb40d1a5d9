"""Every sync of a saved setup, newest last: one JSON line per run in ``runs/<session id>.jsonl``.

Kept beside the sessions, so `mis-wizard runs --session ID` answers "did last night's run work,
and if not, why?" whatever output the run wrote to, and also for runs that failed before they
reached the school's system (the setup could not be read, an unexpected error). Append-only,
bounded to the last MAX_RUNS runs. No secret is written: the report's message has been through
the same redaction as the log.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Any

from mis_wizard.wizard import atomic, paths
from mis_wizard.wizard.redact import redact
from mis_wizard.wizard.sync.report import RunReport

MAX_RUNS = 100
TRIM_AT_BYTES = 2 * MAX_RUNS * 400
"""Past this size the file is cut back to its last MAX_RUNS lines (a line is a few hundred bytes)."""
_SAFE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def path(session_id: str) -> Path:
    if not _SAFE_ID.fullmatch(session_id):
        raise ValueError(f"{session_id!r} is not a session id")
    return paths.data_dir() / "runs" / f"{session_id}.jsonl"


def entry(report: RunReport, how: str = "") -> dict[str, Any]:
    totals = report.totals()
    status, message = report.status, report.message
    if status == "running":  # the run stopped on an error nobody foresaw
        status, message = "failed", message or "An unexpected error stopped the run; the details are in the log."
    return {"started": report.started, "finished": report.finished, "result": status,
            "to": report.sink, "system": report.system, "elapsed_ms": report.elapsed_ms,
            "counts": {"pulled": totals["pulled"], "written": totals["written"], "added": totals["added"],
                       "changed": totals["changed"], "removed": totals["removed"], "errors": totals["error_count"]},
            "reason": redact(message) if status != "ok" else "",
            "how": how or _how()}


def failure(system: str, to: str, reason: str) -> dict[str, Any]:
    """A run that ended before the sync itself began."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    report = RunReport(system=system, sink=to, started=now, finished=now, status="failed", message=reason)
    return entry(report)


def _how() -> str:
    """"unattended" when Task Scheduler (or cron) started the run: there is no terminal then."""
    try:
        return "by hand" if os.isatty(0) or os.isatty(2) else "unattended"
    except (OSError, ValueError):
        return "unattended"


def append(session_id: str, record: dict[str, Any]) -> None:
    target = path(session_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
    if _ends_mid_line(target):  # a run that crashed mid-write: start on a line of its own
        line = "\n" + line
    with open(target, "a", encoding="utf-8") as fh:  # one short write: whole lines even with two writers
        fh.write(line)
    if target.stat().st_size > TRIM_AT_BYTES:
        _trim(target)


def _ends_mid_line(target: Path) -> bool:
    try:
        with open(target, "rb") as fh:
            fh.seek(-1, os.SEEK_END)
            return fh.read(1) != b"\n"
    except OSError:  # absent or empty
        return False


def _trim(target: Path) -> None:
    lines = target.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
    if len(lines) > MAX_RUNS:
        try:
            atomic.write_bytes(target, "".join(lines[-MAX_RUNS:]).encode("utf-8"))
        except OSError:  # another process has it open on Windows; trimmed next time
            pass


def runs(session_id: str, limit: int = MAX_RUNS) -> list[dict[str, Any]]:
    """Newest first; a damaged line (a crash mid-write) is skipped."""
    target = path(session_id)
    if not target.exists():
        return []
    out = []
    for line in target.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            out.append(record)
    return out[-MAX_RUNS:][::-1][:limit]


def as_text(record: dict[str, Any]) -> str:
    c = record.get("counts", {})
    when = str(record.get("started", "")).replace("T", " ").replace("+00:00", " UTC")
    line = (f"{when}  {record.get('result', '?'):<9} {c.get('written', 0):>6} written  +{c.get('added', 0)} "
            f"~{c.get('changed', 0)} -{c.get('removed', 0)}  errors {c.get('errors', 0)}  ({record.get('how', '')})")
    reason = record.get("reason")
    return line + (f"\n    why: {reason}" if reason else "")


RESULT_WORDS = {"ok": "done", "held": "held back", "failed": "failed"}


def when_words(record: dict[str, Any]) -> str:
    """When the run started, in this computer's time: "3 Dec 02:30"."""
    try:
        stamp = dt.datetime.fromisoformat(str(record.get("started", ""))).astimezone()
    except ValueError:
        return "at an unknown time"
    return f"{stamp.day} {stamp:%b %H:%M}"


def counts_words(record: dict[str, Any]) -> str:
    c = record.get("counts") or {}
    written = int(c.get("written", 0) or 0)
    text = f"{written} record{'' if written == 1 else 's'} written"
    parts = [f"{int(c.get(k, 0) or 0)} {k}" for k in ("added", "changed", "removed") if c.get(k)]
    errors = int(c.get("errors", 0) or 0)
    if errors:
        parts.append(f"{errors} with problems")
    return text + (f" ({', '.join(parts)})" if parts else "")


def in_words(record: dict[str, Any]) -> str:
    """One run for a school admin: "3 Dec 02:30, failed — The server did not accept the credentials."."""
    result = str(record.get("result", ""))
    words = RESULT_WORDS.get(result, "ended")
    scheduled = ", scheduled" if record.get("how") == "unattended" else ""
    head = f"{when_words(record)}{scheduled}, {words}"
    if result == "ok":
        return f"{head}: {counts_words(record)}"
    reason = str(record.get("reason") or "").strip() or "no reason was recorded; see the log."
    return f"{head} — {reason}"


def failed_unattended(record: dict[str, Any] | None) -> bool:
    return bool(record) and record.get("result") == "failed" and record.get("how") == "unattended"  # type: ignore[union-attr]
