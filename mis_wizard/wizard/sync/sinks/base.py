"""The sink contract and what the engine hands a sink."""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from mis_wizard.wizard.sync.report import RunReport
from mis_wizard.wizard.sync.state import State

Row = dict[str, Any]
ID = "_id"


class SinkError(Exception):
    """A sink that cannot be used or written; said to the admin as is."""


def row_hash(row: Row) -> str:
    return hashlib.blake2b(json.dumps(row, sort_keys=True, default=str).encode(), digest_size=12).hexdigest()


@dataclass
class Output:
    tables: dict[str, list[Row]]
    """Mapped (or canonical) rows per output table, each with ``_id``."""
    columns: dict[str, list[str]]
    dataset: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """The filtered canonical dataset, for sinks with a fixed format of their own (OneRoster, LISS)."""
    school_name: str = ""
    entities: dict[str, str] = field(default_factory=dict)
    """``{table: entity}``: which entity each mapped table's rows were mapped from (a profile
    target's ``entity``), so a sink with a fixed format can take the profile's mapped values."""
    row_hashes: dict[str, dict[str, str]] = field(default_factory=dict)
    """``{table: {id: hash}}`` as the engine's diff computed them, so the sink's state update does
    not hash every row a second time."""

    def hashes(self) -> dict[str, Iterable[tuple[str, str]]]:
        return {name: self.row_hashes[name].items() if name in self.row_hashes
                else [(str(r[ID]), row_hash(r)) for r in rows] for name, rows in self.tables.items()}


class Sink(ABC):
    scheme: str = ""
    reads_dataset: bool = False
    """The sink builds its own format from ``Output.dataset`` (OneRoster, LISS). Other sinks write
    only ``Output.tables``, so the engine lets each canonical record go once it is mapped."""

    @property
    @abstractmethod
    def key(self) -> str:
        """Identifies the output in the state store (the normalised URI)."""

    def state(self) -> State:
        """Where this sink's last good state lives (the SQLite sink keeps it in its own file); the
        engine scopes it to the run's setup."""
        return State()

    @abstractmethod
    async def write(self, output: Output, state: State, report: RunReport, http: httpx.AsyncClient) -> None:
        """Write everything, then the state, so that a failure leaves the last good output and state."""


class FileSink(Sink):
    """A sink that writes to a file or folder on this computer, known in the state store by its
    scheme and full path."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def key(self) -> str:
        return f"{self.scheme}:{self.path.resolve()}"
