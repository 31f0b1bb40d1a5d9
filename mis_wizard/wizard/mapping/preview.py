"""What the integrator will receive, before anything leaves the school.

``preview`` maps a few records (the admin's sample ids, up to five, or the first N) of one
target, field by field, source value beside mapped value, with each field's error.
``validation_report`` reads everything the targets and filters need, runs the filters and
maps every kept record, counting what is dropped and what would arrive broken, with examples.
Records come from the vendor's connector, so this is what a sync would send.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mis_wizard.vendors.base import Context, Credentials, Entity, Requirements, VendorSpec
from mis_wizard.vendors.errors import VendorError
from mis_wizard.vendors.privacy import PrivacyClass
from mis_wizard.wizard import words

from ..privacy import concept_class, id_class, rule_class, shown, shown_quoted, target_classes
from . import filters as filtering
from . import needed
from .canonical import RAW, Record, converter, entity_of, record_id, text
from .mapper import MappedRecord, Mapper
from .schema import Target, TargetField
from .transforms import MapContext

MAX_SAMPLES = 5
EXAMPLES = 5


class PreviewError(ValueError):
    """The preview cannot run as asked (unknown target, entity the system lacks)."""


@dataclass
class PreviewResult:
    target: str
    entity: str
    fields: list[str]
    records: list[MappedRecord]
    unmatched: dict[str, dict[str, int]] = field(default_factory=dict)
    missing_samples: list[str] = field(default_factory=list)
    """Sample ids the admin asked for that the system did not return."""
    raw: bool = False
    """True when the profile has no target for the entity: raw fields shown with their concepts."""
    privacy: list[PrivacyClass | None] = field(default_factory=list)
    """Each field's privacy class, in the order of ``fields`` (a field without one is masked)."""

    @property
    def error_count(self) -> int:
        return sum(len(r.errors) for r in self.records)

    def to_json(self) -> dict[str, Any]:
        return {"target": self.target, "entity": self.entity, "raw": self.raw, "fields": self.fields,
                "records": [r.to_json() for r in self.records], "unmatched": self.unmatched,
                "missing_samples": self.missing_samples, "errors": self.error_count}

    def to_text(self, safe: bool = False) -> str:
        """The records as text; with ``safe`` each value as the window's screen-share safe mode shows
        it (wizard/privacy.shown by its field's class: personal values by their shape)."""
        kind = "raw records" if self.raw else "mapped records"
        lines = [f"{self.target} ({self.entity}): {len(self.records)} {kind}, {self.error_count} field errors"]
        width = max((len(f) for f in self.fields), default=0)
        ids = id_class(self.entity)
        classes = list(self.privacy) + [None] * (len(self.fields) - len(self.privacy))
        for r in self.records:
            lines.append(f"\n— {shown(r.id, ids, safe)}" + (f"  ({len(r.errors)} errors)" if r.errors else ""))
            for c, cls in zip(r.cells, classes, strict=False):
                value = "(not sent)" if c.value is None else repr(shown(c.value, cls, safe))
                source_cls = concept_class(c.source) if entity_of(c.source) else None
                source = (f"   ← {c.source} = {shown(c.source_value, source_cls, safe)!r}"
                          if c.source and c.source_value != c.value else "")
                error = f"   ✗ {c.error}" if c.error else ""
                lines.append(f"  {c.field.ljust(width)}  {value}{source}{error}")
        for name, values in self.unmatched.items():
            cls = classes[self.fields.index(name)] if name in self.fields else None
            lines.append(f"\nNo match code in {name} for: {', '.join(shown(v, cls, safe) for v in sorted(values))}")
        if self.missing_samples:
            lines.append(f"\nNot found: {', '.join(shown(m, ids, safe) for m in self.missing_samples)}")
        return "\n".join(lines)


def resolve_target(spec: VendorSpec, targets: Mapping[str, Target], name: str) -> tuple[Target, bool]:
    """A profile target by name, else the first target of that canonical entity, else the system's
    entity shown raw (every raw field with the concept it carries)."""
    if name in targets:
        return targets[name], False
    for t in targets.values():
        if t.entity == name:
            return t, False
    try:
        entity = spec.entity(name)
    except KeyError as exc:
        known = ", ".join(list(targets) + [e.id for e in spec.entities])
        raise PreviewError(f"No target or entity named {name!r}; choose one of: {known}.") from exc
    fields = tuple(TargetField(name=f"{f.name} ({f.concept})" if f.concept else f.name, concept=f"{RAW}{f.name}")
                   for f in entity.fields)
    return Target(name=entity.id, entity=entity.id, fields=fields, label=entity.label), True


async def read(spec: VendorSpec, ctx: Context, credentials: Credentials, requirements: Requirements,
               entity_id: str, limit: int | None = None, sample_ids: list[str] | tuple[str, ...] = ()
               ) -> tuple[list[Record], list[str]]:
    """Canonical records of one entity: all, the first ``limit``, or those with ``sample_ids``."""
    if spec.connector is None:
        raise PreviewError(f"Reading records from {spec.name} is not available in this version of the wizard.")
    entity = spec.entity(entity_id)
    wanted = {s.strip() for s in sample_ids if s.strip()}
    found: dict[str, Record] = {}
    records: list[Record] = []
    convert = converter(entity)
    stream = spec.connector().stream(ctx, credentials, requirements, entity_id)
    async with contextlib.aclosing(stream):  # type: ignore[type-var]
        async for raw in stream:
            record = convert(raw)
            if wanted:
                keys = {record_id(entity_id, record), text(raw.get(entity.id_field))}
                keys |= {text(v) for k, v in record.items() if k.endswith((".id", ".code"))}
                hit = next((w for w in wanted if w in keys and w not in found), None)
                if hit:
                    found[hit] = record
                    if len(found) == len(wanted):
                        break
            else:
                records.append(record)
                if limit is not None and len(records) >= limit:
                    break
    if wanted:
        order = [s.strip() for s in sample_ids if s.strip()]
        return [found[s] for s in order if s in found], [s for s in order if s not in found]
    return records, []


async def preview(spec: VendorSpec, ctx: Context, credentials: Credentials, requirements: Requirements,
                  profile: Any, session_mapping: Mapping[str, Any] | None, target: str, limit: int = 5,
                  sample_ids: list[str] | tuple[str, ...] = (), map_ctx: MapContext | None = None) -> PreviewResult:
    """Map the admin's sample records (up to five ids) or the first ``limit`` of one target."""
    if len(sample_ids) > MAX_SAMPLES:
        raise PreviewError(f"Give at most {MAX_SAMPLES} sample ids.")
    chosen, raw = resolve_target(spec, profile.target_schema, target)
    if not raw:  # as the integrator receives it: ask for what the sync would ask for
        ctx = dataclasses.replace(ctx, fields=needed.fields(spec, profile, session_mapping))
    records, missing = await read(spec, ctx, credentials, requirements, chosen.entity, limit, sample_ids)
    mapper = Mapper.for_session(chosen, None if raw else session_mapping, map_ctx)
    mapped = [mapper.map(r) for r in records]
    classes = target_classes(chosen, mapper.rules, _entity_or_none(spec, chosen.entity))
    return PreviewResult(chosen.name, chosen.entity, [f.name for f in chosen.fields], mapped,
                         {k: dict(v) for k, v in mapper.unmatched.items()}, missing, raw,
                         [classes[f.name] for f in chosen.fields])


def _entity_or_none(spec: VendorSpec, entity_id: str) -> Entity | None:
    try:
        return spec.entity(entity_id)
    except KeyError:
        return None


@dataclass
class TargetReport:
    name: str
    entity: str
    kept: int = 0
    with_errors: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    """"field: problem" → how many records."""
    examples: list[tuple[str, str]] = field(default_factory=list)
    unmatched: dict[str, dict[str, int]] = field(default_factory=dict)
    unmatched_privacy: dict[str, PrivacyClass | None] = field(default_factory=dict)
    """The privacy class of each field's unmatched source values (what its rule reads)."""

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "entity": self.entity, "kept": self.kept, "with_errors": self.with_errors,
                "errors": dict(self.errors), "examples": [list(e) for e in self.examples],
                "unmatched": self.unmatched}


@dataclass
class ValidationReport:
    read: dict[str, int]
    filters: list[filtering.FilterReport]
    targets: list[TargetReport]
    not_read: dict[str, str] = field(default_factory=dict)
    """Entity → why it could not be read (the system lacks it, or refused)."""

    def to_json(self) -> dict[str, Any]:
        return {"read": self.read, "filters": [f.to_json() for f in self.filters],
                "targets": [t.to_json() for t in self.targets], "not_read": self.not_read}

    def to_text(self, safe: bool = False) -> str:
        """The report as text; with ``safe`` the record ids and the values reasons quote are shown
        as the window's screen-share safe mode shows them."""
        lines = ["Records read: " + ", ".join(f"{k} {v}" for k, v in self.read.items())]
        lines += [f"Not read: {k} ({why})" for k, why in self.not_read.items()]
        for f in self.filters:
            head = f"\n{f.label} [{f.entity}]: "
            if f.unavailable:
                lines.append(head + f"not run — {f.unavailable}")
                continue
            ids = id_class(f.entity)
            lines.append(head + f"{f.dropped} of {f.before} dropped" + (f", {f.flagged} flagged" if f.flagged else ""))
            lines += [f"    {n} × {shown_quoted(reason, f.privacy, safe)}" for reason, n in f.reasons.most_common()]
            lines += [f"    e.g. {shown(rid, ids, safe)}: {shown_quoted(reason, f.privacy, safe)}"
                      for rid, reason in f.examples]
            if f.suggestion:
                lines.append(f"    → {shown_quoted(f.suggestion, f.privacy, safe)}")
        for t in self.targets:
            ids = id_class(t.entity)
            lines.append(f"\n{t.name}: {t.kept} records, {t.with_errors} with field errors")
            lines += [f"    {n} × {problem}" for problem, n in t.errors.most_common()]
            lines += [f"    e.g. {shown(rid, ids, safe)}: {problem}" for rid, problem in t.examples]
        return "\n".join(lines)


def build_report(targets: Mapping[str, Target], filter_specs: list[filtering.FilterSpec], dataset: filtering.Dataset,
                 session_mapping: Mapping[str, Any] | None = None, session_filters: Mapping[str, Any] | None = None,
                 map_ctx: MapContext | None = None, not_read: Mapping[str, str] | None = None) -> ValidationReport:
    """Filters then mapping over a whole dataset, counted."""
    kept, reports = filtering.apply(dataset, filter_specs, session_filters)
    out = []
    for t in targets.values():
        report = TargetReport(t.name, t.entity)
        mapper = Mapper.for_session(t, session_mapping, map_ctx)
        labels = {f.name: words.field_label(f.name, f.label) for f in t.fields}
        for record in kept.get(t.entity, []):
            mapped = mapper.map(record)
            report.kept += 1
            if mapped.errors:
                report.with_errors += 1
            for name, problem in mapped.errors.items():
                said = f"{labels.get(name) or words.field_label(name)} {problem}"
                report.errors[said] += 1
                if len(report.examples) < EXAMPLES:
                    report.examples.append((mapped.id, said))
        report.unmatched = {k: dict(v) for k, v in mapper.unmatched.items()}
        report.unmatched_privacy = {k: rule_class(mapper.rules[k]) for k in report.unmatched if k in mapper.rules}
        out.append(report)
    return ValidationReport({k: len(v) for k, v in dataset.items()}, reports, out, dict(not_read or {}))


async def validation_report(spec: VendorSpec, ctx: Context, credentials: Credentials, requirements: Requirements,
                            profile: Any, session_mapping: Mapping[str, Any] | None = None,
                            session_filters: Mapping[str, Any] | None = None,
                            map_ctx: MapContext | None = None) -> ValidationReport:
    """Read every entity the profile's targets and filters need, then build the report."""
    targets = profile.target_schema
    specs = filtering.specs(profile.filters)
    wanted = {t.entity for t in targets.values()} | filtering.needed_entities(specs)
    have = {e.id for e in spec.entities}
    not_read = {e: f"{spec.name} does not provide it" for e in sorted(wanted - have)}
    ctx = dataclasses.replace(ctx, fields=needed.fields(spec, profile, session_mapping))

    async def one(entity_id: str) -> tuple[str, list[Record] | None]:
        try:
            records, _ = await read(spec, ctx, credentials, requirements, entity_id)
        except VendorError as exc:
            not_read[entity_id] = exc.message
            return entity_id, None
        return entity_id, records

    results = await asyncio.gather(*(one(e) for e in sorted(wanted & have)))
    dataset = {e: records for e, records in results if records is not None}
    return build_report(targets, specs, dataset, session_mapping, session_filters, map_ctx, not_read)
