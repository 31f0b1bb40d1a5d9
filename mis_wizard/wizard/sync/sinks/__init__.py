"""Where a sync writes: ``sqlite:PATH``, ``csv:DIR``, ``xlsx:FILE``, ``oneroster:ZIP`` (OneRoster 1.2),
``oneroster11:ZIP`` (OneRoster 1.1) or ``liss:URL``.

Every sink writes atomically: the SQLite store commits the run and its state in one
transaction; file sinks write temporary files and rename them only when all are complete;
the LISS sink publishes only after everything was read and mapped.
"""

from __future__ import annotations

from pathlib import Path

from mis_wizard.wizard.sync.sinks.base import Output, Sink, SinkError
from mis_wizard.wizard.sync.state import default_path, shared_path

SCHEMES = ("sqlite", "csv", "xlsx", "oneroster", "oneroster11", "liss")


def parse_uri(uri: str | None, setup: str = "") -> Sink:
    """``setup``: whose default store an empty URI (or the old shared store's) means."""
    from mis_wizard.wizard.sync.sinks.files import CsvSink, XlsxSink
    from mis_wizard.wizard.sync.sinks.liss_sink import LissSink
    from mis_wizard.wizard.sync.sinks.oneroster_sink import OneRosterSink
    from mis_wizard.wizard.sync.sinks.sqlite_sink import SqliteSink

    if not uri:
        return SqliteSink(default_path(setup or "unnamed"))
    scheme, sep, rest = uri.partition(":")
    if not sep or scheme not in SCHEMES or not rest:
        raise SinkError(f"{uri!r} is not a sync target; use one of: sqlite:PATH, csv:DIR, xlsx:FILE, "
                        "oneroster:ZIP (OneRoster 1.2), oneroster11:ZIP (OneRoster 1.1), liss:URL")
    if scheme == "liss":
        return LissSink(rest)
    path = Path(rest).expanduser()
    if scheme == "sqlite":
        if path.resolve() == shared_path().resolve():  # a target saved before each setup had its own store
            return SqliteSink(default_path(setup or "unnamed"))
        return SqliteSink(path)
    if scheme == "csv":
        return CsvSink(path)
    if scheme == "xlsx":
        if path.suffix.lower() != ".xlsx":
            raise SinkError(f"xlsx:{rest} should name a .xlsx file")
        return XlsxSink(path)
    if path.suffix.lower() != ".zip":
        raise SinkError(f"{scheme}:{rest} should name a .zip file")
    return OneRosterSink(path, "1.1" if scheme == "oneroster11" else "1.2")


__all__ = ["SCHEMES", "Output", "Sink", "SinkError", "parse_uri"]
