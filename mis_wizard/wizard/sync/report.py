"""The run report: what a sync added, changed, removed and excluded, and why."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

MAX_ERRORS = 200


@dataclass
class TableReport:
    pulled: int = 0
    written: int = 0
    added: int = 0
    changed: int = 0
    removed: int = 0
    previous: int = 0
    excluded: dict[str, int] = field(default_factory=dict)
    errors: list[dict[str, str]] = field(default_factory=list)
    """Per-record problems: {"id", "field", "error"} (capped)."""
    error_count: int = 0

    def error(self, record_id: str, field_name: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"id": record_id, "field": field_name, "error": message})


@dataclass
class RunReport:
    system: str
    sink: str
    started: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat())
    finished: str = ""
    elapsed_ms: int = 0
    status: str = "running"
    """ok, held (removals await confirmation), failed, cancelled."""
    message: str = ""
    tables: dict[str, TableReport] = field(default_factory=dict)
    filters: list[dict[str, Any]] = field(default_factory=list)
    pages: dict[str, int] = field(default_factory=dict)
    run_id: int | None = None

    def table(self, name: str) -> TableReport:
        return self.tables.setdefault(name, TableReport())

    def totals(self) -> dict[str, int]:
        keys = ("pulled", "written", "added", "changed", "removed", "error_count")
        return {k: sum(getattr(t, k) for t in self.tables.values()) for k in keys}

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunReport:
        tables = {k: TableReport(**v) for k, v in data.get("tables", {}).items()}
        return cls(**{**data, "tables": tables})

    def as_text(self) -> str:
        took = f"{self.elapsed_ms} ms" if self.elapsed_ms < 1000 else f"{self.elapsed_ms / 1000:.1f} s"
        lines = [f"Sync {self.system} → {self.sink}: {self.status} in {took}"
                 + (f" — {self.message}" if self.message else "")]
        if self.status == "held":
            lines.append("  Nothing was written: the run was held because it would remove many records. "
                         "The last output is unchanged.")
        for name, t in self.tables.items():
            excluded = sum(t.excluded.values())
            lines.append(f"  {name:<22} {t.written:>7} written  +{t.added} ~{t.changed} -{t.removed}"
                         f"  excluded {excluded}  errors {t.error_count}")
            for reason, n in sorted(t.excluded.items(), key=lambda kv: -kv[1])[:5]:
                lines.append(f"      excluded {n}: {reason}")
            for e in t.errors[:3]:
                lines.append(f"      error {e['id']} {e['field']}: {e['error']}")
        return "\n".join(lines)
