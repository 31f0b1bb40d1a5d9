"""A sync that streams: records go page by page from the school's system to a spool on disk, then
once through the filters, the mapping and the store, so a district of any size is never held in
memory — neither its records, nor its rows, nor the last run's state (the SQLite store counts the
diff itself; see sinks/sqlite_sink.SqliteStream).

An entity streams when every filter on it can run as steps (filters.Step) and no other filter
reads it; the rest (a few thousand classes, or contacts whose split rewrites their links) are
read into memory and filtered as a list, exactly as before. The run's results and report are the
ones the gathered run gives: the filters run in the profile's order and each streamed entity's
filters see the other entities as they were at that point.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, Protocol

from mis_wizard.vendors.base import Context
from mis_wizard.wizard.mapping import filters as filter_engine
from mis_wizard.wizard.mapping.canonical import RAW, Record, record_id
from mis_wizard.wizard.mapping.filters import FilterReport, FilterSpec, Step
from mis_wizard.wizard.mapping.mapper import Mapper
from mis_wizard.wizard.subject import Subject
from mis_wizard.wizard.sync import engine
from mis_wizard.wizard.sync.report import RunReport
from mis_wizard.wizard.sync.sinks.base import ID, Output, Row
from mis_wizard.wizard.sync.state import State

BATCH = 500
"""Rows handed to the store at a time (and records to a spool page)."""


class Stream(Protocol):
    def table(self, name: str, columns: list[str]) -> None: ...
    def add(self, name: str, rows: list[Row]) -> int: ...
    def diff(self, name: str) -> tuple[int, int, int, int, int]: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


class Spool:
    """An entity's canonical records in a private temporary file beside the store, a page at a
    time (the file is gone when the run ends; on Linux no other process can open it)."""

    def __init__(self, folder: Path) -> None:
        self.file: IO[bytes] = tempfile.TemporaryFile(prefix="mis-wizard-", suffix=".spool", dir=folder)
        self.count = 0
        self._page: list[Record] = []

    def append(self, record: Record) -> None:
        self._page.append(record)
        self.count += 1
        if len(self._page) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._page:
            pickle.dump(self._page, self.file, protocol=pickle.HIGHEST_PROTOCOL)
            self._page = []

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[Record]:
        """Every record in order (one pass at a time)."""
        self._flush()
        self.file.seek(0)
        while True:
            try:
                page = pickle.load(self.file)  # noqa: S301 - the run's own file, written just now
            except EOFError:
                return
            yield from page

    def close(self) -> None:
        self.file.close()


def streamed_entities(subject: Subject, entities: list[str]) -> set[str]:
    """The targeted entities whose filters all run as steps and that no other filter reads."""
    specs = [f for f in filter_engine.specs(subject.profile.filters)
             if not filter_engine.disabled(f, subject.filters) and f.entity in entities]
    targeted = {t.entity for t in subject.profile.target_schema.values()}
    out = set()
    for entity in entities:
        if entity not in targeted:
            continue  # its columns are every key its records have: it is gathered first
        if any(f.entity == entity and f.kind.step is None for f in specs):
            continue
        if any(f.entity != entity and entity in filter_engine.SIDE_READS.get(f.name, ()) for f in specs):
            continue
        out.add(entity)
    return out


Chain = list[tuple[Step | None, FilterReport]]


def apply_filters(dataset: dict[str, Any], subject: Subject, streamed: set[str]
                  ) -> tuple[dict[str, Any], list[FilterReport], dict[str, Chain]]:
    """filters.apply, with each filter on a streamed entity made into a step (run later, in the
    pass that maps and writes) instead of run over a list; the gathered entities are filtered here."""
    data = {k: v if k in streamed else list(v) for k, v in dataset.items()}
    chains: dict[str, Chain] = {e: [] for e in streamed}
    reports = []
    for f in filter_engine.specs(subject.profile.filters):
        report = FilterReport(f.key, f.name, f.entity, f.label or f.kind.label)
        reports.append(report)
        if filter_engine.disabled(f, subject.filters):
            report.unavailable = "turned off for this school"
            continue
        if f.entity not in data:
            report.unavailable = f"{f.entity.replace('_', ' ')} were not read"
            continue
        if f.entity in streamed:
            chains[f.entity].append((_step(data, f, report), report))
            continue
        report.before = len(data[f.entity])
        try:
            data[f.entity] = f.kind.run(data, f.entity, f.params, report)
        except filter_engine.Needs as missing:
            report.unavailable = f"needs {str(missing.args[0]).replace('_', ' ')}, which were not read"
    return data, reports, chains


def _step(data: dict[str, Any], f: FilterSpec, report: FilterReport) -> Step | None:
    assert f.kind.step is not None
    try:
        return f.kind.step(data, f.entity, f.params, report)
    except filter_engine.Needs as missing:  # counts what reaches it and drops nothing, as a list would
        report.unavailable = f"needs {str(missing.args[0]).replace('_', ' ')}, which were not read"
        return None


def _through(records: Iterable[Record], chain: Chain, reports: list[FilterReport]) -> Iterator[Record]:
    for record in records:
        r: Record | None = record
        for (step, _), report in zip(chain, reports, strict=True):
            report.before += 1
            if step is not None:
                r = step.each(record, report)
                if r is None:
                    break
                record = r
        if r is not None:
            yield record


def filtered(spool: Spool, chain: Chain) -> Iterator[Record]:
    """A streamed entity's records through its filters: a pass over the spool for each step that
    must first see everything it will get (earlier steps counting on scratch reports), then the one
    that hands the records on."""
    for k, (step, report) in enumerate(chain):
        if step is None:
            continue
        if step.observe is not None:
            scratch = [FilterReport(r.key, r.name, r.entity, r.label) for _, r in chain[:k]]
            for record in _through(spool, chain[:k], scratch):
                step.observe(record)
        if step.settle is not None:
            step.settle(report)
    yield from _through(spool, chain, [r for _, r in chain])
    for step, report in chain:
        if step is not None and step.finish is not None:
            step.finish(report)


def _gathered(data: dict[str, Any], entity: str) -> Iterator[Record]:
    """A gathered entity's records, each let go as it is handed out."""
    records = data.pop(entity)
    records.reverse()
    while records:
        yield records.pop()


class _Table:
    """One output table's rows on their way to the store, a batch at a time."""

    def __init__(self, name: str, stream: Stream, report: RunReport) -> None:
        self.name, self.stream = name, stream
        self.report = report.table(name)
        self.batch: list[Row] = []
        self.duplicates = 0

    def add(self, rid: str, values: Row) -> None:
        values[ID] = rid
        self.batch.append(values)
        if len(self.batch) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.batch:
            self.duplicates += self.stream.add(self.name, self.batch)
            self.batch = []


def write(subject: Subject, data: dict[str, Any], chains: dict[str, Chain], stream: Stream,
          report: RunReport) -> list[_Table]:
    """Map each entity's records, in one pass, into every table made from it; entities with no
    target keep their canonical fields, as engine.shape gives them."""
    targets = [t for t in subject.profile.target_schema.values() if t.entity in data]
    tables = {t.name: _Table(t.name, stream, report) for t in targets}
    for t in targets:
        stream.table(t.name, [f.name for f in t.fields])
    for entity in dict.fromkeys(t.entity for t in targets):
        mine = [(Mapper.for_session(t, subject.mapping), tables[t.name]) for t in targets if t.entity == entity]
        source = filtered(data[entity], chains[entity]) if entity in chains else _gathered(data, entity)
        for record in source:
            for mapper, table in mine:
                rid, values, errors = mapper.row(record)
                for name, error in errors.items():
                    table.report.error(rid, name, error)
                table.add(rid, values)
    targeted = {t.entity for t in targets}
    for entity in [e for e in data if e not in targeted]:
        names = sorted({k for r in data[entity] for k in r if not k.startswith(RAW)})
        table = tables[entity] = _Table(entity, stream, report)
        stream.table(entity, names)
        for i, record in enumerate(_gathered(data, entity)):
            table.add(record_id(entity, record) or str(i), {k: record.get(k) for k in names})
    for table in tables.values():
        table.flush()
    return list(tables.values())


def settle_report(report: RunReport, filter_reports: list[FilterReport], entities: Iterable[str],
                  tables: list[_Table]) -> None:
    """What engine.shape puts in the report: the filters, what they left out of each entity, then
    each table's rows left out for an id another row had."""
    report.filters = [r.to_json() for r in filter_reports]
    entities = set(entities)
    for r in filter_reports:
        for reason, n in r.reasons.items():
            if r.dropped and r.entity in entities:
                excluded = report.table(r.entity).excluded
                excluded[reason] = excluded.get(reason, 0) + n
    for table in tables:
        if table.duplicates:
            excluded = table.report.excluded
            excluded["same id as another record"] = excluded.get("same id as another record", 0) + table.duplicates


def diff(stream: Stream, tables: list[_Table]) -> dict[str, tuple[int, int]]:
    """engine.diff, counted by the store."""
    big: dict[str, tuple[int, int]] = {}
    for table in tables:
        t = table.report
        t.written, t.previous, t.added, t.changed, t.removed = stream.diff(table.name)
        if t.removed:
            big[table.name] = (t.removed, t.previous)
    return big


async def run(plan: engine.Plan, ctx: Context, state: State, report: RunReport,
              progress: engine.Progress | None = None) -> None:
    """engine.run's work for a sink that writes as it streams: read, filter, map and write in one
    transaction; a run that leaves out too many records or would remove too many is rolled back."""
    subject = plan.subject
    entities = engine.entities_for(subject, plan.entities)
    streamed = streamed_entities(subject, entities)
    spools: list[Spool] = []
    folder = Path(state.path).resolve().parent

    def collect(entity: str) -> Any:
        if entity not in streamed:
            return []
        spools.append(Spool(folder))
        return spools[-1]
    try:
        data, filter_reports, chains = apply_filters(
            await engine.pull(subject, ctx, entities, report, progress, collect=collect), subject, streamed)
        stream: Stream = plan.sink.stream(state)  # type: ignore[attr-defined]  # engine.streams said it has one
        try:
            pulled = list(data)
            tables = write(subject, data, chains, stream, report)
            settle_report(report, filter_reports, pulled, tables)
            _checks(plan, report, stream, tables)
        except BaseException:
            stream.rollback()
            raise
    finally:
        for spool in spools:
            spool.close()


def _checks(plan: engine.Plan, report: RunReport, stream: Stream, tables: list[_Table]) -> None:
    """engine.run's checks before the output is kept: too many left out, then removals held."""
    subject = plan.subject
    excessive = engine.over_excluded(subject, report, Output({t.name: [] for t in tables}, {}))
    if excessive:
        raise engine.TooManyExcluded(report, excessive)
    removals = diff(stream, tables)
    threshold = subject.profile.removal_threshold
    held = {n: rp for n, rp in removals.items() if rp[1] and rp[0] / rp[1] > threshold}
    if held and not plan.confirm_removals:
        report.status = "held"
        for t in report.tables.values():
            t.written = 0  # a held run writes nothing
        raise engine.RemovalsHeld(report, held, engine.school_label(subject), subject.spec.name)
    stream.commit()
