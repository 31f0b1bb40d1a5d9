"""The vendor contract: what every school-system package declares and implements.

A vendor package (``vendors/<id>/``) exports ``SPEC: VendorSpec``. The GUI form, the CLI,
the checks, the preview and the sync are all driven from this data, so a new system is one
folder, not changes across the app. Nothing here imports wizard/ or Qt: a connector can be
read, tested and reused alone.

Credentials are plain JSON-shaped dicts: connection fields at the top level and each key
set's fields nested under the key set id, e.g.::

    {"base_url": "https://tass.example.edu.au", "company_code": "01",
     "lms": {"app_code": "LMS01", "token_key": "…", "version": "3"}}

Requirements are the integrator profile's table for this system (``[systems.<id>]``); each
vendor documents the keys it reads and supplies defaults.

The package shape. Every ``vendors/<id>/`` has the same files with the same roles; a package
leaves a file out only when its system lacks the role (DESIGN.md, "The vendor contract"):

- ``__init__.py``, the spec: ``SPEC = vendor_spec("<id>", connector="…Connector",
  emulator="…Emulator", …)`` (fields, key sets, entities and their raw fields, step values,
  default requirements) and ``FACTS``. vendor_spec names the connector and emulator with
  ``lazy("mis_wizard.vendors.<id>.client:…Connector")`` and ``lazy("….sandbox:…Emulator")``, so
  importing the spec imports neither (the contract suite checks it in a fresh interpreter).
- ``client.py``: the Connector, check (reach → authenticate → authorise → sample) and stream.
- ``wire.py``: the system's wire format, no network: requests built, answers parsed, names
  and shapes as the fact sheet gives them. Read by client and emulator alike.
- ``records.py``: how raw records of each entity come out of the system's answers (readers
  and fields derived at the connector).
- ``requirements.py``: what the profile's requirements table asks of this system, with defaults.
- ``render.py``: the synthetic school (sandbox/school.py) in the system's record shapes, for
  the emulator.
- ``sandbox.py``: the emulator (sandbox/kit.py) with the system's setup mistakes as scenarios.

A role beyond these (a second API, or a side of the system other than reading it) has its own
file named for it, beside the others: tass/endpoints.py (the Endpoint Maintenance API),
isams/rest.py (the REST registers), isams/replies.py (Batch replies in the admin's words),
liss/rpc.py (calling a server), liss/receiver_protocol.py, liss/publish.py and liss/timetabler.py
(LISS's receiving and publishing sides).

Shared by all: ``paging.py`` (the one pager: counted, told by page 1, open-ended or followed),
``errors.py`` (failure kinds and the one reach table), ``streams.py``, ``concepts.py``,
``privacy.py``; ``oneroster/`` is a library of the OneRoster 1.1 API that Aeries and Qmlativ
build on, not a system of its own.

All seven systems have all seven files (tests/vendors/test_contract.py checks it). Where a
system reads another's API: Aeries and Qmlativ read their OneRoster products (and Qmlativ its
classes) through ``oneroster/``, a library with client.py, records.py, render.py and sandbox.py
as above, ``checks.py`` (the consumer check its hosts run, worded by each) and ``csv_spec.py``
(the bulk CSV package the sync writes); it has no wire.py or requirements.py, as its hosts'
requirements name its endpoints.
"""

from __future__ import annotations

import enum
import importlib
import re
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from mis_wizard.vendors.privacy import PrivacyClass

if TYPE_CHECKING:
    import httpx

    from mis_wizard.vendors.sandbox.kit import Emulator
    from mis_wizard.vendors.sandbox.school import School

Credentials = dict[str, Any]
Requirements = Mapping[str, Any]
Record = dict[str, Any]
CONNECTION = "connection"
"""The ``key`` of check results about the connection fields rather than one key set."""


class FieldKind(enum.StrEnum):
    TEXT = "text"
    URL = "url"
    CODE = "code"
    SECRET = "secret"
    MULTILINE_SECRET = "multiline_secret"
    CHOICE = "choice"

    @property
    def is_secret(self) -> bool:
        return self in (FieldKind.SECRET, FieldKind.MULTILINE_SECRET)

    @property
    def max_length(self) -> int:
        """Far above any real value of the kind (a PEM certificate is a few KB), so only junk is refused."""
        return _MAX_LENGTH[self]


_MAX_LENGTH = {FieldKind.TEXT: 500, FieldKind.URL: 2048, FieldKind.CODE: 200, FieldKind.SECRET: 4096,
               FieldKind.MULTILINE_SECRET: 65536, FieldKind.CHOICE: 200}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Field:
    """One value the admin copies from their system into the wizard."""

    id: str
    label: str
    kind: FieldKind = FieldKind.TEXT
    pattern: str | None = None
    """Regular expression the stripped value must match in full."""
    format_hint: str = ""
    """What a right value looks like, said when the pattern does not match."""
    example: str = ""
    help: str = ""
    required: bool = True
    choices: tuple[str, ...] = ()
    default: str = ""
    privacy: PrivacyClass | None = None
    """How much of the value a screen may show (see privacy.py); a secret kind is always SECRET,
    and a field left unclassified is masked as personal (a test requires every field to have one)."""

    @property
    def secret(self) -> bool:
        return self.kind.is_secret

    @property
    def privacy_class(self) -> PrivacyClass | None:
        return PrivacyClass.SECRET if self.secret else self.privacy

    def validate(self, value: str | None) -> str | None:
        """Return a message for the admin when ``value`` cannot be right, else None."""
        text = (value or "").strip()
        if not text:
            return f"{self.label} is required." if self.required else None
        if len(text) > self.kind.max_length:
            return (f"{self.label} is {len(text):,} characters long, more than any real one "
                    f"({self.kind.max_length:,} at most). Copy it again from your system and paste only that value.")
        if _CONTROL.search(text) or (self.kind is not FieldKind.MULTILINE_SECRET and ("\n" in text or "\r" in text)):
            return (f"{self.label} holds characters that are not part of any real value (such as line breaks or "
                    "invisible control characters). Type it again or copy it again from your system.")
        if self.kind is FieldKind.CHOICE and self.choices and text not in self.choices:
            return f"{self.label} must be one of: {', '.join(self.choices)}."
        if self.kind is FieldKind.URL and not re.match(r"^https?://[^\s/]+", text, re.IGNORECASE):
            hint = self.format_hint or f"a web address such as {self.example or 'https://server.example.org'}"
            return f"{self.label} should be {hint}."
        if self.pattern and not re.fullmatch(self.pattern, text):
            hint = self.format_hint or "a different format"
            example = f" (for example {self.example})" if self.example and not self.secret else ""
            return f"{self.label} should be {hint}{example}."
        return None


@dataclass(frozen=True)
class KeySet:
    """A group of fields that belong to one key/app/client the admin creates in their system."""

    id: str
    label: str
    fields: tuple[Field, ...]
    required: bool = True
    purpose: str = ""
    """One line on what the integrator uses this key for."""
    help: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)
    """Vendor facts shown with the key set, e.g. the batch methods to tick on an iSAMS key."""


class Status(enum.StrEnum):
    OK = "ok"
    WARNING = "warning"
    FAILED = "failed"
    SKIPPED = "skipped"


class Layer(enum.StrEnum):
    """Checks run outside-in; a failure in one layer skips the layers after it."""

    FORM = "form"
    REACH = "reach"
    AUTHENTICATE = "authenticate"
    AUTHORISE = "authorise"
    SAMPLE = "sample"


@dataclass(frozen=True)
class CheckResult:
    key: str
    """Key set id, or CONNECTION."""
    check: str
    """Short human name of what was checked, e.g. "Token Key accepted"."""
    layer: Layer
    status: Status
    code: str
    """Stable machine code, ``<system>.<what>``, e.g. ``tass.token_key_rejected``."""
    message: str
    remedy: str = ""
    """What the admin does, naming the place in their system's admin screens."""
    detail: str = ""
    """Technical detail for support; must never contain a secret."""
    elapsed_ms: int = 0

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["layer"] = self.layer.value
        data["status"] = self.status.value
        return data


class Timer:
    """Measures one check: ``with Timer() as t: …; t.ms``."""

    def __enter__(self) -> Timer:
        self._start = time.perf_counter()
        self.ms = 0
        return self

    def __exit__(self, *exc: object) -> None:
        self.ms = int((time.perf_counter() - self._start) * 1000)


@dataclass(frozen=True)
class RawField:
    """A field as the system sends it, and the canonical concept it carries (see concepts.py)."""

    name: str
    concept: str | None = None
    description: str = ""


@dataclass(frozen=True)
class Entity:
    """A kind of record the system has (entity ids are canonical: see concepts.ENTITIES)."""

    id: str
    label: str
    fields: tuple[RawField, ...]
    id_field: str
    key_set: str | None = None
    """The key set needed to read it, when the system has several."""



@dataclass
class Context:
    """What the wizard hands a connector: its one HTTP client and run settings.

    Vendors never build their own client, so TLS trust, proxy, timeouts, User-Agent and
    retries are decided in one place (wizard/http.py).
    """

    http: httpx.AsyncClient
    concurrency: int = 4
    page_size: int | None = None
    on_page: Callable[[str, int], None] | None = None
    """Called with (entity, records so far) after each page; for progress."""
    fields: Mapping[str, frozenset[str]] | None = None
    """Per entity, the raw fields the integrator's receipt needs (wizard/mapping/needed.py); None
    reads every field (the key check's samples, the Map step, a capture). A connector whose system
    lets a request name its fields asks for these and what it derives them from, and no more; every
    connector reads only the entities it is asked for."""

    def wanted(self, entity: str) -> frozenset[str] | None:
        """The raw fields wanted of ``entity``, or None for all."""
        return None if self.fields is None else self.fields.get(entity)

    def page_done(self, entity: str, count: int) -> None:
        if self.on_page is not None:
            self.on_page(entity, count)


class lazy:  # noqa: N801 - reads as a function at the spec: ``connector=lazy("pkg.client:Cls")``
    """A factory that imports ``module:attribute`` only when called, then calls it with the arguments.

    The one way a spec names its connector and emulator, so importing a vendor's spec (its package
    ``__init__``) imports neither its client nor its emulator (the contract suite checks it).
    """

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        module, sep, attribute = path.partition(":")
        if not sep or not module or not attribute:
            raise ValueError(f"lazy() wants 'package.module:Name', not {path!r}")
        self.path = path

    def __call__(self, *args: Any) -> Any:
        module, _, attribute = self.path.partition(":")
        return getattr(importlib.import_module(module), attribute)(*args)

    def __repr__(self) -> str:
        return f"lazy({self.path!r})"


class Connector(Protocol):
    """Live access to one system. Implementations live in ``vendors/<id>/client.py``."""

    def check(
        self, ctx: Context, credentials: Credentials, requirements: Requirements
    ) -> AsyncIterator[CheckResult]:
        """Yield results as they finish, one per key set and layer (form results come from the wizard)."""
        ...

    def stream(
        self, ctx: Context, credentials: Credentials, requirements: Requirements, entity: str
    ) -> AsyncIterator[Record]:
        """Yield raw records of one entity, with the raw field names of that Entity.

        Raises errors.VendorError (with its failure kind) when the system refuses.
        """
        ...


@dataclass(frozen=True)
class VendorSpec:
    id: str
    name: str
    region: str
    summary: str
    """One line shown when the admin picks their system."""
    fields: tuple[Field, ...]
    """Connection fields (address, company code…), at the top level of the credentials."""
    key_sets: Callable[[Requirements], tuple[KeySet, ...]]
    """The key sets this profile's requirements ask for."""
    entities: tuple[Entity, ...] = ()
    connector: Callable[[], Connector] | None = None
    """None while the live check is not available for this system; else ``lazy("…client:…Connector")``."""
    emulator: Callable[[School], Emulator] | None = None
    """``lazy("…sandbox:…Emulator")``, so the spec does not load the emulator."""
    step_values: Callable[[Requirements], Mapping[str, str]] = lambda _req: {}
    """Values filled into ``{{name}}`` placeholders of resources/vendors/<id>/steps.md."""
    default_requirements: Mapping[str, Any] = field(default_factory=dict)

    def requirements(self, overrides: Requirements | None = None) -> dict[str, Any]:
        merged = dict(self.default_requirements)
        merged.update(overrides or {})
        return merged

    def entity(self, entity_id: str) -> Entity:
        for e in self.entities:
            if e.id == entity_id:
                return e
        known = ", ".join(e.id for e in self.entities) or "none yet"
        raise KeyError(f"{self.name} has no entity {entity_id!r} (it has: {known})")

    def all_fields(self, requirements: Requirements) -> list[tuple[str | None, Field]]:
        """Every field with its key set id (None for connection fields)."""
        out: list[tuple[str | None, Field]] = [(None, f) for f in self.fields]
        for ks in self.key_sets(requirements):
            out.extend((ks.id, f) for f in ks.fields)
        return out


def vendor_spec(id: str, *, name: str, region: str, connector: str, emulator: str, summary: str,
                fields: tuple[Field, ...], key_sets: Callable[[Requirements], tuple[KeySet, ...]],
                entities: tuple[Entity, ...], step_values: Callable[[Requirements], Mapping[str, str]],
                default_requirements: Mapping[str, Any]) -> VendorSpec:
    """The ``SPEC`` of the package ``vendors/<id>/``: its connector is the class named ``connector`` in
    the package's client.py and its emulator the class named ``emulator`` in its sandbox.py, both
    named with lazy(), so importing the spec imports neither."""
    package = f"mis_wizard.vendors.{id}"
    return VendorSpec(id=id, name=name, region=region, summary=summary, fields=fields, key_sets=key_sets,
                      entities=entities, connector=lazy(f"{package}.client:{connector}"),
                      emulator=lazy(f"{package}.sandbox:{emulator}"), step_values=step_values,
                      default_requirements=default_requirements)


def form_problems(spec: VendorSpec, credentials: Credentials,
                  requirements: Requirements) -> list[tuple[str | None, Field, str]]:
    """Every field whose value cannot be right, in form order (connection fields, then each key set
    the profile asks for), as (key set id or None, field, message). An optional key set left
    wholly empty is fine; one started must be complete."""
    problems: list[tuple[str | None, Field, str]] = []
    for f in spec.fields:
        problem = f.validate(str(credentials.get(f.id, "") or ""))
        if problem:
            problems.append((None, f, problem))
    for ks in spec.key_sets(requirements):
        values = credentials.get(ks.id) or {}
        if not isinstance(values, Mapping):
            values = {}
        if not ks.required and not any(str(v or "").strip() for v in values.values()):
            continue
        for f in ks.fields:
            problem = f.validate(str(values.get(f.id, "") or ""))
            if problem:
                problems.append((ks.id, f, problem))
    return problems


def form_results(spec: VendorSpec, credentials: Credentials, requirements: Requirements) -> list[CheckResult]:
    """The FORM layer: every field's format, before anything goes on the network."""
    return [_form_failure(spec, CONNECTION if key is None else key, f, problem)
            for key, f, problem in form_problems(spec, credentials, requirements)]


def _form_failure(spec: VendorSpec, key: str, f: Field, problem: str) -> CheckResult:
    return CheckResult(
        key=key,
        check=f"{f.label} format",
        layer=Layer.FORM,
        status=Status.FAILED,
        code=f"{spec.id}.field_invalid.{f.id}",
        message=problem,
        remedy=f.help or f"Copy {f.label} again from your system and paste it in.",
    )
