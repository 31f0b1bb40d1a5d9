"""The integrator's filters: which records it takes, each reporting what it dropped and why.

Filters run in the profile's order over a dataset ``{entity id: [canonical records]}``, each
seeing what the ones before it kept, as SchoolCloud's rules chain (a teacher needs a class
that itself passed the class rules). A filter whose input entity is absent reports that and
drops nothing, so a system without, say, contact links still gets a report.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mis_wizard.vendors.concepts import CONCEPTS, PREFIX, PRIVACY
from mis_wizard.vendors.privacy import PrivacyClass

from .canonical import Record, entity_of, record_id, text
from .transforms import split_people

Dataset = dict[str, list[Record]]
EXAMPLES = 5
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


@dataclass
class FilterReport:
    key: str
    """``<entity>.<filter name>``: stable, and what Session.filters is keyed by."""
    name: str
    entity: str
    label: str
    before: int = 0
    dropped: int = 0
    flagged: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    examples: list[tuple[str, str]] = field(default_factory=list)
    """(record id, reason) for the first few records dropped or flagged."""
    suggestion: str = ""
    unavailable: str = ""
    """Why the filter could not run (an entity it needs was not read)."""
    privacy: PrivacyClass | None = PrivacyClass.STRUCTURAL
    """The class of the values its reasons and suggestion quote (``'Year 7'``): a screen shows them
    through wizard/privacy.shown_quoted. Structural for the built-in filters (contact, class and
    group types, year names); a keep-only filter quotes its field's values, of that field's class."""

    def note(self, record: Record, reason: str) -> None:
        self.reasons[reason] += 1
        if len(self.examples) < EXAMPLES:
            self.examples.append((record_id(self.entity, record), reason))

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, "entity": self.entity, "label": self.label,
                "before": self.before, "dropped": self.dropped, "flagged": self.flagged,
                "reasons": dict(self.reasons), "examples": [list(e) for e in self.examples],
                "suggestion": self.suggestion, "unavailable": self.unavailable}


class Needs(Exception):
    """Raised by a filter when an entity it reads is not in the dataset."""


Verdict = str | None
"""A reason to drop the record, or None to keep it."""
Run = Callable[[Dataset, str, Mapping[str, Any], FilterReport], list[Record]]


@dataclass
class Step:
    """A filter as one pass over its entity's records, so a sync can stream a large entity through it.

    ``observe`` (when set) first sees every record the filter will get, then ``settle`` says what
    that pass found; ``each`` keeps a record (perhaps changed) or drops it (None), noting why on the
    report it is given; ``finish`` runs once every record has been through ``each``. A step reads
    any other entity it needs when it is made, so later filters cannot change what it sees."""

    each: Callable[[Record, FilterReport], Record | None]
    observe: Callable[[Record], None] | None = None
    settle: Callable[[FilterReport], None] | None = None
    finish: Callable[[FilterReport], None] | None = None


MakeStep = Callable[[Dataset, str, Mapping[str, Any], FilterReport], Step]


def _verdict_step(verdict: Callable[[Record], Verdict]) -> Step:
    def each(r: Record, report: FilterReport) -> Record | None:
        reason = verdict(r)
        if reason is None:
            return r
        report.dropped += 1
        report.note(r, reason)
        return None
    return Step(each)


def _stepped(make: MakeStep) -> Run:
    """The filter over a whole list: the step's passes, one after the other."""
    def run(dataset: Dataset, entity: str, params: Mapping[str, Any], report: FilterReport) -> list[Record]:
        step = make(dataset, entity, params, report)
        records = dataset[entity]
        if step.observe is not None:
            for r in records:
                step.observe(r)
        if step.settle is not None:
            step.settle(report)
        out = [kept for r in records if (kept := step.each(r, report)) is not None]
        if step.finish is not None:
            step.finish(report)
        return out
    return run


@dataclass(frozen=True)
class FilterKind:
    name: str
    label: str
    entities: tuple[str, ...]
    run: Run
    params: Mapping[str, tuple[str, Any]] = field(default_factory=dict)
    """Parameter → (type: list, bool, text or concept; default)."""
    step: MakeStep | None = None
    """The filter as a streaming step (``run`` is then that step over a list); None: list only."""


def truthy(value: Any) -> bool:
    return text(value).strip().lower() in ("true", "yes", "y", "1", "t")


def items(value: Any) -> list[str]:
    """A list-valued field, whether the system sends a list or "a, b" text."""
    if isinstance(value, list | tuple | set | frozenset):
        return [text(v).strip() for v in value if text(v).strip()]
    return [p.strip() for p in text(value).split(",") if p.strip()]


def kind_key(value: Any) -> str:
    """Class and group types as systems spell them alike: "TeachingSet", "teaching_set", "Teaching set";
    "HouseGroup" and "house"."""
    key = re.sub(r"[\s_\-]", "", text(value).casefold())
    return key[:-5] if key.endswith("group") and len(key) > 5 else key


def _need(dataset: Dataset, entity: str) -> list[Record]:
    if entity not in dataset:
        raise Needs(entity)
    return dataset[entity]


def _ids(dataset: Dataset, entity: str) -> set[str] | None:
    """Ids of the records still in an entity, or None when it was not read (no constraint)."""
    if entity not in dataset:
        return None
    concept = f"{PREFIX[entity]}.id"
    return {text(r.get(concept)) for r in dataset[entity]}


def _keep(records: list[Record], report: FilterReport, verdict: Callable[[Record], Verdict]) -> list[Record]:
    kept = []
    for r in records:
        reason = verdict(r)
        if reason is None:
            kept.append(r)
        else:
            report.dropped += 1
            report.note(r, reason)
    return kept


def _links_by(dataset: Dataset, entity: str, key: str) -> dict[str, list[Record]]:
    out: dict[str, list[Record]] = {}
    for r in _need(dataset, entity):
        out.setdefault(text(r.get(key)), []).append(r)
    return out


def _students_in_class(dataset: Dataset, entity: str, params: Mapping[str, Any], report: FilterReport) -> Step:
    classes = _ids(dataset, "classes")
    placed = {text(m.get("class_membership.student_id")) for m in _need(dataset, "class_memberships")
              if classes is None or text(m.get("class_membership.class_id")) in classes}
    return _verdict_step(lambda r: None if text(r.get("student.id")) in placed else "in no class")


def _link_filter(dataset: Dataset, entity: str, report: FilterReport,
                 verdict: Callable[[Record], Verdict]) -> list[Record]:
    """Link-level rules (relationship, responsibility, mail merge) on contact links, or on contacts
    through their links: a contact goes when none of its links pass."""
    if entity == "contact_links":
        return _keep(dataset[entity], report, verdict)
    links = _links_by(dataset, "contact_links", "contact_link.contact_id")

    def contact_verdict(c: Record) -> Verdict:
        own = links.get(text(c.get("contact.id")), [])
        reasons = [verdict(link) for link in own]
        if own and any(r is None for r in reasons):
            return None
        return reasons[0] if reasons else verdict(_as_link(c))
    return _keep(dataset[entity], report, contact_verdict)


def _as_link(contact: Record) -> Record:
    """A contact's own link-like fields, for systems that put them on the contact."""
    return {f"contact_link.{k.split('.', 1)[1]}": v for k, v in contact.items() if k.startswith("contact.")}


def _responsible(dataset: Dataset, entity: str, params: Mapping[str, Any], report: FilterReport) -> list[Record]:
    return _link_filter(dataset, entity, report, lambda link: None if truthy(
        link.get("contact_link.parental_responsibility")) else "no parental responsibility")


def _carried(dataset: Dataset, entity: str, name: str) -> bool:
    """Does any contact link (or contact) carry a non-blank ``<prefix>.name``?"""
    return any(text(r.get(concept)).strip()
               for source, concept in (("contact_links", f"contact_link.{name}"), (entity, f"contact.{name}"))
               for r in dataset.get(source, []))


def _contact_types(dataset: Dataset, entity: str, params: Mapping[str, Any], report: FilterReport) -> list[Record]:
    """Runs only where the system sends a relationship: iSAMS sends none a source confirms (it
    applies the profile's contact types itself, as the Contacts filter), and a rule all contacts
    fail says nothing about the school."""
    wanted = {t.casefold() for t in params["types"]}
    if not _carried(dataset, entity, "relationship"):
        report.unavailable = "this system sends no contact types"
        return dataset[entity]

    def verdict(link: Record) -> Verdict:
        relationship = text(link.get("contact_link.relationship")).strip()
        if any(p.casefold() in wanted for p in split_people(relationship)):
            return None
        return f"contact type {relationship!r} not taken" if relationship else "no contact type"
    return _link_filter(dataset, entity, report, verdict)


def _mail_merge(dataset: Dataset, entity: str, params: Mapping[str, Any], report: FilterReport) -> list[Record]:
    """Runs only where the system keeps mail-merge flags (iSAMS does; most systems do not, and a
    rule all their contacts fail says nothing about the school)."""
    wanted = {t.casefold() for t in params["flags"]}
    if not _carried(dataset, entity, "mail_merge"):
        report.unavailable = "this system keeps no mail-merge flags"
        return dataset[entity]

    def verdict(link: Record) -> Verdict:
        return None if any(f.casefold() in wanted for f in items(link.get("contact_link.mail_merge"))) \
            else "no " + " or ".join(params["flags"]) + " mail-merge flag"
    return _link_filter(dataset, entity, report, verdict)


def _contacts_complete(dataset: Dataset, entity: str, params: Mapping[str, Any],
                       report: FilterReport) -> list[Record]:
    """A title is asked for only where the system sends one: US systems (Aeries, Qmlativ) keep no
    contact titles, iSAMS sends none a source confirms, and a rule every one of their contacts fails
    says nothing about the school."""
    students = _ids(dataset, "students")
    titled = any(text(c.get("contact.title")).strip() for c in dataset[entity])
    needed = (("contact.title", "title"),) if titled else ()
    linked: dict[str, int] = Counter()
    if "contact_links" in dataset:
        for link in dataset["contact_links"]:
            if students is None or text(link.get("contact_link.student_id")) in students:
                linked[text(link.get("contact_link.contact_id"))] += 1

    def verdict(c: Record) -> Verdict:
        blank = [label for concept, label in (*needed, ("contact.first_name", "forename"),
                                              ("contact.last_name", "surname")) if not text(c.get(concept)).strip()]
        if blank:
            return "blank " + " and ".join(blank)
        if "contact_links" in dataset and not linked.get(text(c.get("contact.id"))):
            return "no linked student"
        return None
    return _keep(dataset[entity], report, verdict)


def _class_teachers(cls: Record) -> list[str]:
    ids = [text(cls.get("class.main_teacher_id")), text(cls.get("class.second_teacher_id"))]
    ids += items(cls.get("class.teacher_ids"))
    return [i for i in ids if i.strip()]


def _teachers_with_class(dataset: Dataset, entity: str, params: Mapping[str, Any], report: FilterReport) -> Step:
    teaching = {t for cls in _need(dataset, "classes") for t in _class_teachers(cls)}
    return _verdict_step(lambda r: None if text(r.get("staff.id")) in teaching else "teaches no class")


def _kind_and_students(dataset: Dataset, params: Mapping[str, Any], what: str) -> Callable[[Record], Verdict]:
    """What the class and group type filters (``what``: "class" or "group") both ask of a record:
    a kind among ``params["types"]`` (any, when none are listed) and, with ``require_students``,
    a member among the students kept."""
    types = {kind_key(t) for t in params["types"]}
    students = _ids(dataset, "students")
    with_students = {text(m.get(f"{what}_membership.{what}_id")) for m in _need(dataset, f"{what}_memberships")
                     if students is None or text(m.get(f"{what}_membership.student_id")) in students}

    def verdict(record: Record) -> Verdict:
        kind = text(record.get(f"{what}.kind")).strip()
        if types and kind_key(kind) not in types:
            return f"{what} type {kind!r} not taken" if kind else f"no {what} type"
        if params["require_students"] and text(record.get(f"{what}.id")) not in with_students:
            return "no students"
        return None
    return verdict


def _class_types(dataset: Dataset, entity: str, params: Mapping[str, Any], report: FilterReport) -> list[Record]:
    kind_and_students = _kind_and_students(dataset, params, "class")
    staff = _ids(dataset, "staff")

    def verdict(cls: Record) -> Verdict:
        said = kind_and_students(cls)
        if said is not None:
            return said
        teachers = [t for t in _class_teachers(cls) if staff is None or t in staff]
        if params["require_teachers"] and not teachers:
            return "no teachers"
        return None
    return _keep(dataset[entity], report, verdict)


def _group_types(dataset: Dataset, entity: str, params: Mapping[str, Any], report: FilterReport) -> list[Record]:
    return _keep(dataset[entity], report, _kind_and_students(dataset, params, "group"))


def _unique_email(dataset: Dataset, entity: str, params: Mapping[str, Any], report: FilterReport) -> Step:
    concept = params["concept"] or f"{PREFIX[entity]}.email"
    counts: Counter[str] = Counter()
    sent = [False]

    def observe(r: Record) -> None:
        if concept in r:
            sent[0] = True
        counts[text(r.get(concept)).strip().casefold()] += 1

    def settle(report: FilterReport) -> None:
        if not sent[0]:  # the system does not send e-mail addresses here
            what = "e-mail addresses" if concept.endswith(".email") else concept.split(".", 1)[1].replace("_", " ")
            report.unavailable = f"this system sends no {what} for {entity}"

    def verdict(r: Record) -> Verdict:
        if not sent[0]:
            return None
        email = text(r.get(concept)).strip()
        if not email:
            return "no e-mail address"
        if not _EMAIL.match(email):
            return "e-mail address not valid"
        if counts[email.casefold()] > 1:
            return "e-mail address shared with another record"
        return None
    return dataclasses.replace(_verdict_step(verdict), observe=observe, settle=settle)


def _year_collisions(dataset: Dataset, entity: str, params: Mapping[str, Any], report: FilterReport) -> Step:
    """Flags (does not drop) year names used on more than one campus, as integrators that sync
    year names would merge them; optionally adds the campus to the name."""
    campuses: dict[str, set[str]] = {}
    colliding: dict[str, set[str]] = {}

    def observe(r: Record) -> None:
        campuses.setdefault(text(r.get("student.year_name")), set()).add(text(r.get("student.campus")))

    def settle(report: FilterReport) -> None:
        colliding.update({y: c for y, c in campuses.items() if y and len(c) > 1})
        if colliding:
            year, where = sorted(colliding.items())[0]
            report.suggestion = (f"Add a campus suffix to year names that collide, e.g. "
                                 f"{' and '.join(repr(f'{year} {c}') for c in sorted(where))}.")

    def each(r: Record, report: FilterReport) -> Record | None:
        year = text(r.get("student.year_name"))
        if year in colliding:
            report.flagged += 1
            report.note(r, f"year name {year!r} is used on {len(colliding[year])} campuses")
            if params["apply_suffix"]:
                r = {**r, "student.year_name": f"{year} {text(r.get('student.campus'))}".strip()}
        return r
    return Step(each, observe, settle)


def _split_combined(dataset: Dataset, entity: str, params: Mapping[str, Any], report: FilterReport) -> list[Record]:
    """Combined contacts ("Mr and Mrs", "David and Sarah") become two people, as SchoolCloud does;
    the second gets the id suffix "-2" and the links are doubled to match."""
    out: list[Record] = []
    split_ids: set[str] = set()
    for c in dataset[entity]:
        titles = split_people(text(c.get("contact.title")))
        firsts = split_people(text(c.get("contact.first_name")))
        if len(titles) < 2 and len(firsts) < 2 and not truthy(c.get("contact.combined")):
            out.append(c)
            continue
        report.flagged += 1
        report.note(c, "combined record split in two")
        cid = text(c.get("contact.id"))
        split_ids.add(cid)
        for n in range(2):
            person = dict(c)
            if "contact.title" in c:  # a system without titles does not gain a blank one
                person["contact.title"] = titles[min(n, len(titles) - 1)] if titles else ""
            person["contact.first_name"] = firsts[min(n, len(firsts) - 1)] if firsts else ""
            person["contact.combined"] = False
            if n:
                person["contact.id"] = f"{cid}-2"
                if "contact.email" in c:  # the e-mail stays with the first person
                    person["contact.email"] = ""
            out.append(person)
    if split_ids and "contact_links" in dataset:
        links = []
        for link in dataset["contact_links"]:
            links.append(link)
            cid = text(link.get("contact_link.contact_id"))
            if cid in split_ids:
                links.append({**link, "contact_link.contact_id": f"{cid}-2"})
        dataset["contact_links"] = links
    return out


def _field_values(dataset: Dataset, entity: str, params: Mapping[str, Any], report: FilterReport) -> Step:
    wanted = {v.casefold() for v in params["values"]}
    concept = params["concept"]
    report.privacy = PRIVACY.get(concept)
    sent: Counter[str] = Counter()
    """What the system sent, while nothing was kept (counted on the run's own report only)."""
    kept = [False]

    def each(r: Record, given: FilterReport) -> Record | None:
        value = text(r.get(concept))
        if value.strip().casefold() in wanted:
            if given is report:
                kept[0] = True
                sent.clear()
            return r
        if given is report and not kept[0]:
            sent[value.strip() or "(blank)"] += 1
        given.dropped += 1
        given.note(r, f"{concept.split('.', 1)[1]} {value!r} not taken")
        return None

    def finish(report: FilterReport) -> None:
        if sent and not kept[0]:
            taken = ", ".join(repr(v) for v in params["values"]) or "none"
            report.suggestion = (f"None of this filter's values ({taken}) matches what the school's system sends "
                                 f"for {concept.split('.', 1)[1]}: it sends "
                                 + ", ".join(f"{v!r} ({n})" for v, n in sent.most_common(8))
                                 + ". Add the values the integrator should receive to the profile's filter.")
    return Step(each, finish=finish)


_LINKED = ("contact_links", "contacts")
KINDS: dict[str, FilterKind] = {k.name: k for k in (
    FilterKind("students_in_class", "Students in at least one class", ("students",), _stepped(_students_in_class),
               step=_students_in_class),
    FilterKind("contacts_complete", "Contacts with title, forename, surname and a student", ("contacts",),
               _contacts_complete),
    FilterKind("parental_responsibility", "Parental responsibility only", _LINKED, _responsible),
    FilterKind("contact_types", "Contact types", _LINKED, _contact_types,
               {"types": ("list", ["Mother", "Father"])}),
    FilterKind("mail_merge", "Mail-merge flags", _LINKED, _mail_merge,
               {"flags": ("list", ["All Merges", "Correspondence"])}),
    FilterKind("teachers_with_class", "Teachers with at least one class", ("staff",), _stepped(_teachers_with_class),
               step=_teachers_with_class),
    FilterKind("class_types", "Classes of given types, with students and teachers", ("classes",), _class_types,
               {"types": ("list", []), "require_students": ("bool", True), "require_teachers": ("bool", True)}),
    FilterKind("group_types", "Groups of given types with at least one student", ("groups",), _group_types,
               {"types": ("list", []), "require_students": ("bool", True)}),
    FilterKind("unique_email", "A unique, valid e-mail address", ("students", "contacts", "staff"),
               _stepped(_unique_email), {"concept": ("concept", "")}, step=_unique_email),
    FilterKind("year_collisions", "Year names that collide across campuses", ("students",),
               _stepped(_year_collisions), {"apply_suffix": ("bool", False)}, step=_year_collisions),
    FilterKind("split_combined", "Split combined contacts in two", ("contacts",), _split_combined),
    FilterKind("field_values", "Only given values of a field", tuple(PREFIX), _stepped(_field_values),
               {"concept": ("concept", ""), "values": ("list", [])}, step=_field_values),
)}


@dataclass(frozen=True)
class FilterSpec:
    name: str
    entity: str
    params: Mapping[str, Any]
    label: str = ""

    @property
    def key(self) -> str:
        return f"{self.entity}.{self.name}"

    @property
    def kind(self) -> FilterKind:
        return KINDS[self.name]


def _entity(f: Mapping[str, Any], kind: FilterKind) -> str:
    """The entity a filter runs on: as given, else the one its concept belongs to, else its first."""
    concept = f.get("params", {}).get("concept") if isinstance(f.get("params"), Mapping) else None
    return f.get("entity") or (isinstance(concept, str) and entity_of(concept)) or kind.entities[0]


def filter_problems(filters: list[dict[str, Any]]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    for i, f in enumerate(filters):
        path = f"filters[{i}]"
        name = f.get("name")
        if not isinstance(name, str) or not name:
            problems.append((f"{path}.name", f"is required; use one of: {', '.join(KINDS)}"))
            continue
        kind = KINDS.get(name)
        if kind is None:
            problems.append((f"{path}.name", f"{name!r} is not a filter; use one of: {', '.join(KINDS)}"))
            continue
        entity = _entity(f, kind)
        if entity not in kind.entities:
            problems.append((f"{path}.entity", f"{name} works on {' or '.join(kind.entities)}, not {entity!r}"))
        elif f"{entity}.{name}" in seen:
            problems.append((path, f"{name} on {entity} appears twice"))
        seen.add(f"{entity}.{name}")
        for key in sorted(set(f) - {"name", "entity", "params", "label"}):
            problems.append((f"{path}.{key}", "is not a filter setting; put parameters under params"))
        params = f.get("params", {})
        if not isinstance(params, dict):
            problems.append((f"{path}.params", "must be a table"))
            continue
        for key, value in params.items():
            where = f"{path}.params.{key}"
            if key not in kind.params:
                known = ", ".join(kind.params) or "none"
                problems.append((where, f"is not a parameter of {name} (it takes: {known})"))
                continue
            typ = kind.params[key][0]
            if typ == "list" and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                problems.append((where, 'must be a list of text, e.g. ["Mother", "Father"]'))
            elif typ == "bool" and not isinstance(value, bool):
                problems.append((where, "must be true or false"))
            elif typ == "concept" and value not in CONCEPTS:
                problems.append((where, f"{value!r} is not a known concept"))
            elif typ == "concept" and entity_of(value) != entity:
                problems.append((where, f"{value!r} is not a field of {entity}"))
        if name == "field_values" and "concept" not in params:
            problems.append((f"{path}.params.concept", "is required by field_values"))
    return problems


def specs(filters: list[dict[str, Any]]) -> list[FilterSpec]:
    """The profile's filters (already validated), with defaults filled in."""
    out = []
    for f in filters:
        kind = KINDS[f["name"]]
        params = {k: default for k, (_t, default) in kind.params.items()}
        params.update(f.get("params", {}))
        out.append(FilterSpec(kind.name, _entity(f, kind), params, f.get("label", kind.label)))
    return out


def needed_entities(filters: list[FilterSpec]) -> set[str]:
    """What a full validation run must read for these filters to run."""
    extra = {"students_in_class": {"class_memberships", "classes"}, "contacts_complete": {"contact_links"},
             "teachers_with_class": {"classes"}, "class_types": {"class_memberships"},
             "group_types": {"group_memberships"}}
    out: set[str] = set()
    for f in filters:
        out.add(f.entity)
        out |= extra.get(f.name, set())
        if f.entity == "contacts" and f.name in ("parental_responsibility", "contact_types", "mail_merge"):
            out.add("contact_links")
    return out


SIDE_READS: dict[str, frozenset[str]] = {
    "students_in_class": frozenset({"class_memberships", "classes"}),
    "contacts_complete": frozenset({"contact_links", "students"}),
    "parental_responsibility": frozenset({"contact_links"}),
    "contact_types": frozenset({"contact_links"}),
    "mail_merge": frozenset({"contact_links"}),
    "teachers_with_class": frozenset({"classes"}),
    "class_types": frozenset({"class_memberships", "students", "staff"}),
    "group_types": frozenset({"group_memberships", "students"}),
    "split_combined": frozenset({"contact_links"}),
}
"""The other entities a filter reads (or, for split_combined, rewrites) besides its own."""


def disabled(f: FilterSpec, enabled: Mapping[str, Any] | None) -> bool:
    """Turned off for this school (Session.filters ``{key: {"enabled": false}}``)."""
    settings = (enabled or {}).get(f.key, {})
    return isinstance(settings, Mapping) and settings.get("enabled") is False


def apply(dataset: Dataset, filters: list[FilterSpec], enabled: Mapping[str, Any] | None = None
          ) -> tuple[Dataset, list[FilterReport]]:
    """Run the filters in order on a copy of the dataset. ``enabled`` is Session.filters:
    ``{key: {"enabled": false}}`` turns a filter off for this school."""
    data = {k: list(v) for k, v in dataset.items()}
    reports = []
    for f in filters:
        report = FilterReport(f.key, f.name, f.entity, f.label or f.kind.label)
        reports.append(report)
        settings = (enabled or {}).get(f.key, {})
        if isinstance(settings, Mapping) and settings.get("enabled") is False:
            report.unavailable = "turned off for this school"
            continue
        if f.entity not in data:
            report.unavailable = f"{f.entity.replace('_', ' ')} were not read"
            continue
        report.before = len(data[f.entity])
        try:
            data[f.entity] = f.kind.run(data, f.entity, f.params, report)
        except Needs as missing:
            report.unavailable = f"needs {str(missing.args[0]).replace('_', ' ')}, which were not read"
    return data, reports
