"""Sessions: one school × one system × one profile, saved as JSON after every change.

A session is resumable after a crash or restart. Secret values are never in the file, only
references into the credential store. A corrupt file, or one written by a newer version, is
reported and moved aside — never silently overwritten.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mis_wizard.vendors import registry
from mis_wizard.wizard import paths
from mis_wizard.wizard.secret_store import SecretStore, is_ref

FORMAT = 1

ID_PATTERN = re.compile(r"[0-9a-f]{12}")
"""What ``SessionStore.new`` makes (six random bytes as hex); anything else is not a session id."""


def valid_id(session_id: object) -> bool:
    return isinstance(session_id, str) and ID_PATTERN.fullmatch(session_id) is not None


def now_iso() -> str:
    import datetime as dt  # json and datetime are imported where used: the GUI's start needs neither

    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


@dataclass
class Session:
    id: str
    created: str
    updated: str
    profile: str = "demo"
    """The profile's ref: a built-in name or a TOML file's absolute path."""
    system: str = ""
    school: dict[str, str] = field(default_factory=dict)
    """name, code, campus, contact name and e-mail of whoever runs it."""
    credentials: dict[str, Any] = field(default_factory=dict)
    """Credential shape of the vendor contract; secret values replaced by {"$secret": ref}."""
    steps_done: dict[str, bool] = field(default_factory=dict)
    page: str = ""
    checks: dict[str, Any] = field(default_factory=dict)
    """{"checked_at": iso, "results": [CheckResult.to_json()…]} of the last check run."""
    mapping: dict[str, Any] = field(default_factory=dict)
    filters: dict[str, Any] = field(default_factory=dict)
    sample_ids: list[str] = field(default_factory=list)
    sync: dict[str, Any] = field(default_factory=dict)
    handoff: dict[str, Any] = field(default_factory=dict)
    """What this setup handed over: {"bundle": {"path": str, "at": iso}}; never another session's."""
    progress: dict[str, Any] = field(default_factory=dict)
    """Steps done for this setup that a restart must not forget (the mapping seen with this
    profile's targets, the preview, the whole-school check): {step: {"for": digest, "at": iso,
    "status": "done" | "attention"}}. ``for`` is a hash of what the step was done for (the keys'
    references and last check, the mapping): when that changes the step is to be done again."""
    format: int = FORMAT

    @property
    def title(self) -> str:
        school = self.school.get("name") or "Unnamed school"
        system = registry.get(self.system).name if self.system in registry.SYSTEM_IDS else "no system yet"
        return f"{school} — {system}"

    def mark_done(self, step: str, done_for: str, status: str) -> None:
        """Record that ``step`` was done for ``done_for`` (a description of what it depended on; only
        its hash is kept) with the status it ended in."""
        self.progress[step] = {"for": progress_digest(done_for), "at": now_iso(), "status": status}

    def done_for(self, step: str, done_for: str) -> dict[str, Any] | None:
        """What was recorded for ``step`` when it was done for exactly ``done_for``, else None."""
        fact = self.progress.get(step)
        if isinstance(fact, dict) and fact.get("for") == progress_digest(done_for):
            return fact
        return None

    def forget_done(self, step: str) -> None:
        self.progress.pop(step, None)

    def set_value(self, key_set: str | None, field_id: str, value: str, *, secret: bool,
                  secrets: SecretStore) -> None:
        """Record a credential value; secrets go to the store and only a reference stays here."""
        target = self.credentials if key_set is None else self.credentials.setdefault(key_set, {})
        old = target.get(field_id)
        if secret:
            if isinstance(old, dict) and is_ref(old):
                secrets.delete(old)
            target[field_id] = secrets.put(self.id, f"{key_set or 'connection'}.{field_id}", value) if value else ""
        else:
            target[field_id] = value

    def get_value(self, key_set: str | None, field_id: str, secrets: SecretStore) -> str:
        source = self.credentials if key_set is None else self.credentials.get(key_set, {})
        value = source.get(field_id, "") if isinstance(source, dict) else ""
        return secrets.get(value) if isinstance(value, dict) and is_ref(value) else str(value or "")

    def resolved_credentials(self, secrets: SecretStore) -> dict[str, Any]:
        """The credentials with secrets filled in, for a check or a bundle; never saved."""
        return resolve_refs(self.credentials, secrets)

    def import_credentials(self, credentials: dict[str, Any], requirements: dict[str, Any],
                           secrets: SecretStore) -> None:
        """Take a credentials dict (CLI file, template import, demo fill), storing secrets safely."""
        spec = registry.get(self.system)
        for key_set, f in spec.all_fields(requirements):
            source = credentials if key_set is None else credentials.get(key_set, {})
            if isinstance(source, dict) and f.id in source:
                self.set_value(key_set, f.id, str(source[f.id] or ""), secret=f.secret, secrets=secrets)


def progress_digest(done_for: str) -> str:
    """A short hash of what a step was done for; it holds secret references, never secret values."""
    import hashlib

    return hashlib.sha256(done_for.encode("utf-8")).hexdigest()[:32]


class SessionProblem(Exception):
    pass


class BadSessionId(SessionProblem):
    """The id given is not one the wizard makes: no file is looked at."""


_TYPES: dict[str, type | tuple[type, ...]] = {
    "id": str, "created": str, "updated": str, "profile": str, "system": str, "school": dict,
    "credentials": dict, "steps_done": dict, "page": str, "checks": dict, "mapping": dict, "filters": dict,
    "sample_ids": list, "sync": dict, "progress": dict, "format": int}


def _schema_problem(data: dict[str, Any]) -> str | None:
    """Why a parsed session file does not fit a session, or None when it does."""
    for key in ("id", "created", "updated"):
        if key not in data:
            return "is missing required parts"
    for key, kind in _TYPES.items():
        if key in data and (not isinstance(data[key], kind) or isinstance(data[key], bool) and kind is int):
            return f"has a wrong kind of value for {key!r}"
    if not valid_id(data["id"]):
        return "has an id the wizard does not make"
    if not all(isinstance(v, str) for v in data.get("school", {}).values()):
        return "has a wrong kind of value in 'school'"
    if not all(isinstance(v, str) for v in data.get("sample_ids", [])):
        return "has a wrong kind of value in 'sample_ids'"
    if not all(isinstance(v, bool) for v in data.get("steps_done", {}).values()):
        return "has a wrong kind of value in 'steps_done'"
    return None


class SessionStore:
    def __init__(self, root: Path | None = None) -> None:
        self.root = root or paths.sessions_dir()
        self.root.mkdir(parents=True, exist_ok=True)
        self.problems: list[str] = []
        """Files that could not be read and were moved aside, said to the admin once."""

    def path(self, session_id: str) -> Path:
        if not valid_id(session_id):
            shown = repr(session_id) if isinstance(session_id, str) and len(session_id) <= 40 else "The id given"
            raise BadSessionId(f"{shown} is not a session id (they are 12 characters, digits and the letters a to f, "
                               "such as 3f9a0c21b7de). Run `mis-wizard sessions list` to see them.")
        return self.root / f"{session_id}.json"

    def new(self, profile: str = "demo", system: str = "") -> Session:
        stamp = now_iso()
        from secrets import token_hex  # hashlib and hmac come with it: not at start-up

        session = Session(id=token_hex(6), created=stamp, updated=stamp, profile=profile, system=system)
        self.save(session)
        return session

    def save(self, session: Session) -> None:
        """Atomic: a crash mid-save leaves the previous file."""
        target = self.path(session.id)  # checks the id before anything is written
        import json

        session.updated = now_iso()
        data = json.dumps(asdict(session), indent=2, sort_keys=True, ensure_ascii=False)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=f".{session.id}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def load(self, session_id: str) -> Session:
        path = self.path(session_id)
        if not path.exists():
            raise SessionProblem(f"No session {session_id!r}. Run `mis-wizard sessions list` to see them.")
        return self._read(path)

    def _read(self, path: Path) -> Session:
        import json

        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError("not an object")
            version = data.get("format", 0)
            if not isinstance(version, int) or isinstance(version, bool):
                raise ValueError("format is not a number")
        except (ValueError, OSError, UnicodeDecodeError, RecursionError) as exc:
            why = "is damaged (it is not a saved setup the wizard can read)"
            if isinstance(exc, OSError):
                why = f"could not be read ({exc.strerror or 'the system refused'})"
            raise self._set_aside(path, why) from exc
        if version > FORMAT:
            raise self._set_aside(path, f"was written by a newer version of the wizard (format {version})")
        problem = _schema_problem(data)
        if problem is None and data["id"] != path.stem:
            problem = "names a different session inside"
        if problem is not None:
            raise self._set_aside(path, problem)
        known = set(Session.__dataclass_fields__)
        return Session(**{k: v for k, v in data.items() if k in known})

    def _set_aside(self, path: Path, why: str) -> SessionProblem:
        aside = path.with_name(f"{path.stem}.{time.strftime('%Y%m%d-%H%M%S')}.set-aside")
        path.replace(aside)
        message = f"Session file {path.name} {why}; it was moved aside to {aside.name} and left untouched."
        self.problems.append(message)
        logging.getLogger("mis_wizard").warning("%s", message)
        return SessionProblem(message)

    def list(self) -> list[Session]:
        sessions = []
        for path in sorted(self.root.glob("*.json")):
            try:
                sessions.append(self._read(path))
            except SessionProblem:
                continue
        return sorted(sessions, key=lambda s: s.updated, reverse=True)

    def delete(self, session_id: str, secrets: SecretStore) -> None:
        session = self.load(session_id)

        def drop(value: Any) -> None:
            if is_ref(value):
                secrets.delete(value)
            elif isinstance(value, dict):
                for v in value.values():
                    drop(v)

        drop(session.credentials)
        self.path(session_id).unlink()


def resolve_refs(credentials: dict[str, Any], secrets: SecretStore) -> dict[str, Any]:
    """Credentials with each secret reference replaced by the held value (None when it is gone)."""
    def resolve(value: Any) -> Any:
        if is_ref(value):
            return secrets.get(value)
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        return value

    return {k: resolve(v) for k, v in credentials.items()}
