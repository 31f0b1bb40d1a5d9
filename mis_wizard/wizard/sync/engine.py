"""A sync run: streams → canonical → filters → mapping → diff → sink → report.

Everything is read and mapped before anything is written, so a failed or cancelled run (or a
killed process) leaves the last good output and state; the next run simply runs again. A run
that would remove more than the profile's threshold of a table is held until confirmed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from mis_wizard.vendors.base import Context
from mis_wizard.vendors.errors import VendorError, classify_exception, reply_code
from mis_wizard.wizard.mapping import filters as filter_engine
from mis_wizard.wizard.mapping import needed
from mis_wizard.wizard.mapping.canonical import RAW, Record, converter, record_id
from mis_wizard.wizard.mapping.mapper import Mapper, raw_fields
from mis_wizard.wizard.subject import Subject
from mis_wizard.wizard.sync import history
from mis_wizard.wizard.sync.report import RunReport, TableReport
from mis_wizard.wizard.sync.sinks import Output, Sink, SinkError
from mis_wizard.wizard.sync.sinks.base import ID, row_hash
from mis_wizard.wizard.sync.state import school_of_credentials, setup_name

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int, bool], None]
"""(entity, records so far, pages so far, entity finished)."""


class RemovalsHeld(Exception):
    """The run would remove more than the threshold; nothing was written."""

    def __init__(self, report: RunReport, tables: dict[str, tuple[int, int]], school: str = "",
                 system: str = "") -> None:
        detail = ", ".join(f"{name}: {removed} removed of {previous}" for name, (removed, previous) in tables.items())
        whose = f"{school or 'this school'}'s {system} records" if system else f"{school or 'this school'}'s records"
        super().__init__(f"This run would remove some of {whose} ({detail}). Confirm to go ahead.")
        self.report = report
        self.tables = tables
        self.school = school or "this school"
        self.system = system


class TooManyExcluded(SinkError):
    """The integrator's filters left out every record of an entity its targets need, or more than
    the profile's ``max_excluded_share`` of one; nothing was written."""

    def __init__(self, report: RunReport, entities: dict[str, tuple[int, int, str]]) -> None:
        parts = [f"{entity}: {excluded} of {pulled} left out (mostly {reason})"
                 for entity, (excluded, pulled, reason) in entities.items()]
        super().__init__("This sync would leave out too many records, so nothing was written: "
                         + "; ".join(parts) + ". Check the profile's filters and the values they take "
                         "against what the school's system sends (the preview's report shows both).")
        self.report = report
        self.entities = entities


def over_excluded(subject: Subject, report: RunReport, output: Output) -> dict[str, tuple[int, int, str]]:
    """Entities whose filters dropped every record (of an entity the targets need, or one written as
    its own table) or more than the profile's share: entity → (excluded, pulled, the commonest reason)."""
    needed = {t.entity for t in subject.profile.target_schema.values()} | set(output.tables)
    share = subject.profile.max_excluded_share
    dropped: dict[str, int] = {}
    reasons: dict[str, dict[str, int]] = {}
    for f in report.filters:
        entity = f["entity"]
        dropped[entity] = dropped.get(entity, 0) + int(f["dropped"])
        for reason, n in f["reasons"].items():
            reasons.setdefault(entity, {})[reason] = reasons.get(entity, {}).get(reason, 0) + n
    out: dict[str, tuple[int, int, str]] = {}
    for entity, excluded in dropped.items():
        pulled = report.tables[entity].pulled if entity in report.tables else 0
        if not pulled or not excluded:
            continue
        if (excluded >= pulled and entity in needed) or excluded / pulled > share:
            common = max(reasons.get(entity, {"filters": 0}).items(), key=lambda kv: kv[1])[0]
            out[entity] = (min(excluded, pulled), pulled, common)
    return out


@dataclass
class Plan:
    subject: Subject
    sink: Sink
    entities: list[str] = field(default_factory=list)
    """Empty: what the profile's targets and filters need (or every entity the system has)."""
    confirm_removals: bool = False
    school_name: str = ""
    setup: str = ""
    """The setup (school × system × profile) whose state this run compares against; from the subject if empty."""
    how: str = ""
    """"by hand" or "unattended" in the run history; empty: guessed from whether a terminal is attached
    (the GUI has none, so it says "by hand" itself)."""


def setup_of(subject: Subject) -> str:
    """A setup's name: a session's school, else the credentials file's school name or server, then system and
    profile."""
    school = (subject.school.get("name") or "").strip() or school_of_credentials(subject.credentials)
    return setup_name(school, subject.spec.id, subject.profile.ref or subject.profile.id)


def school_label(subject: Subject) -> str:
    return (subject.school.get("name") or "").strip() or school_of_credentials(subject.credentials)


def entities_for(subject: Subject, asked: list[str]) -> list[str]:
    available = [e.id for e in subject.spec.entities]
    if asked:
        unknown = [e for e in asked if e not in available]
        if unknown:
            raise SinkError(f"{subject.spec.name} has no {', '.join(unknown)}; it has: {', '.join(available)}")
        return asked
    targets = subject.profile.target_schema
    wanted = {t.entity for t in targets.values()}
    wanted |= filter_engine.needed_entities(filter_engine.specs(subject.profile.filters))
    chosen = [e for e in available if e in wanted]
    return chosen or [e for e in available if e != "attendance"]


async def pull(subject: Subject, ctx: Context, entities: list[str], report: RunReport,
               progress: Progress | None = None, collect: Callable[[str], Any] | None = None
               ) -> dict[str, list[Record]]:
    """Read every entity; concurrency within an entity is the connector's (ctx.concurrency).

    Records keep their concepts and only the raw fields the profile's targets and the session's
    rules read: the rest of a raw record is never used by a sync, and would double what it holds.
    ``collect(entity)`` gives what an entity's records are appended to (a list when not given; the
    streaming run's spool on disk)."""
    if subject.spec.connector is None:
        raise SinkError(f"{subject.spec.name} cannot be read by this version of the wizard yet.")
    connector = subject.spec.connector()
    targets = subject.profile.target_schema.values()
    dataset: dict[str, list[Record]] = {}
    outer_on_page, outer_fields = ctx.on_page, ctx.fields
    ctx.fields = needed.fields(subject.spec, subject.profile, subject.mapping)

    for entity_id in entities:
        entity = subject.spec.entity(entity_id)
        convert = converter(entity, raw_fields([t for t in targets if t.entity == entity_id], subject.mapping))
        rows: list[Record] = collect(entity_id) if collect else []
        pages = 0

        def on_page(name: str, count: int, _entity: str = entity_id) -> None:
            nonlocal pages
            pages += 1
            report.pages[_entity] = pages
            if progress:
                progress(_entity, count, pages, False)
            if outer_on_page:
                outer_on_page(name, count)

        ctx.on_page = on_page
        try:
            async for raw in connector.stream(ctx, subject.credentials, subject.requirements, entity_id):
                rows.append(convert(raw))
        except httpx.HTTPError as exc:  # a connector that lets a network failure through: worded by the one table
            failure = classify_exception(exc)
            code = f"{subject.spec.id}.{reply_code(exc) or 'unreachable'}"
            raise VendorError(code, failure.message, failure.remedy, failure.kind) from exc
        if progress:
            progress(entity_id, len(rows), pages, True)
        dataset[entity_id] = rows
        report.table(entity_id).pulled = len(rows)
    ctx.on_page, ctx.fields = outer_on_page, outer_fields
    return dataset


def shape(subject: Subject, dataset: dict[str, list[Record]], report: RunReport, *,
          keep_dataset: bool = True) -> Output:
    """Filters, then each target's mapping; entities with no target keep their canonical fields.

    Without ``keep_dataset`` (a sink that reads only the mapped tables) the dataset is consumed:
    each canonical record is let go as soon as the last table that needs it has its row, so a
    large school is never held as records and rows at once."""
    specs = filter_engine.specs(subject.profile.filters)
    filtered, filter_reports = filter_engine.apply(dataset, specs, subject.filters)
    if not keep_dataset:
        dataset.clear()  # the filtered copy holds every record still wanted
    report.filters = [r.to_json() for r in filter_reports]
    for r in filter_reports:
        for reason, n in r.reasons.items():
            if r.dropped and r.entity in filtered:
                excluded = report.table(r.entity).excluded
                excluded[reason] = excluded.get(reason, 0) + n
    tables: dict[str, list[dict[str, Any]]] = {}
    columns: dict[str, list[str]] = {}
    targets = [t for t in subject.profile.target_schema.values() if t.entity in filtered]
    targeted = {t.entity for t in targets}
    for i, target in enumerate(targets):
        last = not keep_dataset and all(t.entity != target.entity for t in targets[i + 1:])
        mapper = Mapper.for_session(target, subject.mapping)
        table = report.table(target.name)
        rows = _Rows(table)
        for record in _each(filtered, target.entity, consume=last):
            rid, values, errors = mapper.row(record)
            for name, error in errors.items():
                table.error(rid, name, error)
            rows.add(rid, values)
        tables[target.name] = rows.rows
        columns[target.name] = [f.name for f in target.fields]
    for entity_id in [e for e in filtered if e not in targeted]:
        names = sorted({k for r in filtered[entity_id] for k in r if not k.startswith(RAW)})
        rows = _Rows(report.table(entity_id))
        for i, record in enumerate(_each(filtered, entity_id, consume=not keep_dataset)):
            rows.add(record_id(entity_id, record) or str(i), {k: record.get(k) for k in names})
        tables[entity_id] = rows.rows
        columns[entity_id] = names
    entities = {**{e: e for e in tables}, **{t.name: t.entity for t in targets}}
    return Output(tables, columns, filtered if keep_dataset else {}, entities=entities)


def _each(dataset: dict[str, list[Record]], entity_id: str, *, consume: bool) -> Iterator[Record]:
    """An entity's records in order; consumed, each leaves the dataset as it is handed out."""
    if not consume:
        yield from dataset[entity_id]
        return
    records = dataset.pop(entity_id)
    records.reverse()
    while records:
        yield records.pop()


class _Rows:
    """A table's rows: each the mapped values with the record id under ``ID`` (in the values' own
    dict, not a copy); a record id seen twice keeps its first row, the second is counted as excluded."""

    def __init__(self, table: TableReport) -> None:
        self.table = table
        self.rows: list[dict[str, Any]] = []
        self._seen: set[str] = set()

    def add(self, rid: str, values: dict[str, Any]) -> None:
        if rid in self._seen:
            excluded = self.table.excluded
            excluded["same id as another record"] = excluded.get("same id as another record", 0) + 1
            return
        self._seen.add(rid)
        values[ID] = rid
        self.rows.append(values)


def diff(output: Output, previous: dict[str, dict[str, str]], report: RunReport) -> dict[str, tuple[int, int]]:
    """Fill added/changed/removed; return tables whose removals need confirming (removed, previous)."""
    big: dict[str, tuple[int, int]] = {}
    for name, rows in output.tables.items():
        before = previous.get(name, {})
        now = output.row_hashes[name] = {str(r[ID]): row_hash(r) for r in rows}
        t = report.table(name)
        t.written = len(rows)
        t.previous = len(before)
        t.added = sum(1 for k in now if k not in before)
        t.changed = sum(1 for k, h in now.items() if k in before and before[k] != h)
        t.removed = sum(1 for k in before if k not in now)
        if t.removed:
            big[name] = (t.removed, len(before))
    return big


def streams(sink: Sink) -> bool:
    """The sink writes rows as they come (the SQLite store): the run streams (see streaming.py)."""
    return callable(getattr(sink, "stream", None)) and not sink.reads_dataset


def _remember(session_id: str, report: RunReport, how: str = "") -> None:
    """The setup's own run history (`mis-wizard runs`); a failure to write it never fails the run."""
    try:
        history.append(session_id, history.entry(report, how))
    except (OSError, ValueError):
        log.warning("could not add this run to the setup's run history", exc_info=True)


async def run(plan: Plan, ctx: Context, progress: Progress | None = None) -> RunReport:
    subject = plan.subject
    report = RunReport(system=subject.spec.id, sink=plan.sink.key)
    started = time.perf_counter()
    state = plan.sink.state()
    state.setup = plan.setup or setup_of(subject)
    try:
        if streams(plan.sink):
            from mis_wizard.wizard.sync import streaming
            await streaming.run(plan, ctx, state, report, progress)
            report.status = "ok"
            return report
        previous = state.hashes(plan.sink.key)
        dataset = await pull(subject, ctx, entities_for(subject, plan.entities), report, progress)
        output = shape(subject, dataset, report, keep_dataset=plan.sink.reads_dataset)
        del dataset
        excessive = over_excluded(subject, report, output)
        if excessive:
            raise TooManyExcluded(report, excessive)
        output.school_name = plan.school_name or subject.school.get("name", "")
        removals = diff(output, previous, report)
        threshold = subject.profile.removal_threshold
        held = {n: rp for n, rp in removals.items() if rp[1] and rp[0] / rp[1] > threshold}
        if held and not plan.confirm_removals:
            report.status = "held"
            for t in report.tables.values():
                t.written = 0  # counted while mapping; a held run writes nothing
            raise RemovalsHeld(report, held, school_label(subject), subject.spec.name)
        await plan.sink.write(output, state, report, ctx.http)
        report.status = "ok"
    except RemovalsHeld as exc:
        report.message = str(exc)
        raise
    except asyncio.CancelledError:
        report.status, report.message = "cancelled", "Cancelled; the last good output was kept."
        raise
    except VendorError as exc:
        report.status, report.message = "failed", f"{exc.message} {exc.remedy} The last good output was kept."
        raise
    except SinkError as exc:
        report.status, report.message = "failed", str(exc)
        raise
    finally:
        report.elapsed_ms = int((time.perf_counter() - started) * 1000)
        report.finished = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        report.run_id = state.record_run(report)
        state.close()
        if subject.session is not None:
            _remember(subject.session.id, report, plan.how)
    return report

