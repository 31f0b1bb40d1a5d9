"""Integrator profiles: who receives the data and what they need, as TOML data.

One program serves many integrators, so everything integrator-specific lives here: display
name and support contact, the age recipients bundles are encrypted to, per-system
requirements (merged over each vendor's defaults), the target record schema with default
mappings, and the filters. A broken profile is refused with the field path and what is
wrong, so an integrator can fix their file without reading code.
"""

from __future__ import annotations

import dataclasses
import re
import types
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mis_wizard.resources import ROOT
from mis_wizard.vendors import registry

if TYPE_CHECKING:  # the mapping package is imported when a target is first needed, not at start-up
    from mis_wizard.wizard.mapping.schema import Target

DEMO_PROFILE = "demo"
_AGE_RECIPIENT = re.compile(r"^age1[02-9ac-hj-np-z]{58}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ProfileError(ValueError):
    """A profile that cannot be used; the message names the field and what is wrong."""

    def __init__(self, source: str, path: str, problem: str) -> None:
        super().__init__(f"{source}: {path}: {problem}")
        self.source = source
        self.path = path
        self.problem = problem


@dataclass(frozen=True)
class Integrator:
    name: str
    product: str
    support_email: str
    support_phone: str = ""
    support_url: str = ""

    @property
    def contact_line(self) -> str:
        parts = [self.support_email, self.support_phone, self.support_url]
        return " · ".join(p for p in parts if p)


@dataclass(frozen=True)
class Profile:
    id: str
    source: str
    """Where it came from (resource name or file path), for messages."""
    integrator: Integrator
    recipients: tuple[str, ...] = ()
    allow_plain_http: bool = False
    removal_threshold: float = 0.10
    max_excluded_share: float = 1.0
    """A sync that excludes more than this share of an entity's records (or every record of one
    the profile's targets need) fails instead of writing: 1.0 only stops the all-excluded case."""
    systems: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Requirements per system id, as the profile gives them (vendor defaults fill the rest)."""
    targets: dict[str, Any] = field(default_factory=dict)
    """Target record schema per target entity (see wizard/mapping)."""
    filters: list[dict[str, Any]] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)
    ref: str = ""
    """What load() takes to find it again: a built-in name or the file's absolute path; sessions keep it."""

    def requirements(self, system_id: str) -> dict[str, Any]:
        """The vendor's defaults, then the names this integrator goes by (see ``named``), then
        what the profile says for the system."""
        spec = registry.get(system_id)
        named = {k: v for k, v in self.named().items() if k in spec.default_requirements}
        return spec.requirements({**named, **(self.systems.get(system_id) or {})})

    def named(self) -> dict[str, str]:
        """Requirement values that name the integrator (the Security Role the TASS steps suggest,
        the iSAMS key's Integrator, the PowerSchool plugin…), from its [integrator] table, so no
        other integrator's name is ever suggested. A system's own table in the profile wins."""
        who = self.integrator
        return {
            "integrator": who.name,
            "integrator_contact": who.support_email,
            "product": who.product,
            "product_name": who.product,
            "plugin_name": who.product,
            "integration_name": who.product,
            "security_role": role_name(who.name),
        }

    @cached_property
    def target_schema(self) -> Mapping[str, Target]:
        """``targets`` as typed, frozen Target objects (read-only), parsed once per profile: every
        preview, report and sync step reads these rather than the TOML tables again."""
        from mis_wizard.wizard.mapping.schema import parse_targets

        return types.MappingProxyType(parse_targets(self.targets))

    def narrowed(self, target_names: Collection[str], filters: list[dict[str, Any]]) -> Profile:
        """This profile with only the targets named and ``filters``; its parsed targets are carried
        over, not parsed again."""
        kept = {name: t for name, t in self.targets.items() if name in target_names}
        schema = {name: t for name, t in self.target_schema.items() if name in target_names}
        out = dataclasses.replace(self, targets=kept, filters=filters)
        out.__dict__["target_schema"] = types.MappingProxyType(schema)  # where cached_property keeps it
        return out

    def offers(self, system_id: str) -> bool:
        """A profile without a [systems] table takes every system."""
        return not self.systems or system_id in self.systems

    def data_areas(self, system_id: str) -> list[str]:
        """The data areas the integrator asks for, for the approval receipt."""
        spec = registry.get(system_id)
        targets = [t.get("entity", name) for name, t in self.targets.items() if isinstance(t, dict)]
        return sorted(set(targets) or {e.id for e in spec.entities})


def role_name(integrator: str) -> str:
    """A role or account name for ``integrator``: its name in lower case, words joined by ``_``,
    ending ``_api`` ("Demo Integrator" → ``demo_integrator_api``)."""
    words = re.findall(r"[a-z0-9]+", integrator.lower())
    return "_".join([*words[:4], "api"])


def builtin_names() -> list[str]:
    folder = ROOT / "profiles"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def load_builtin(name: str = DEMO_PROFILE, *, check_mapping: bool = False) -> Profile:
    """Built-in profiles ship with the app and the test suite (and ``--self-test``) checks their
    targets and filters, so the GUI's start does not import the mapping package to check them again."""
    if name == DEMO_PROFILE:
        from mis_wizard.wizard import demo_profile

        return from_data(demo_profile.data(), name, f"built-in profile {name}", ref=name, check_mapping=check_mapping)
    res = ROOT / "profiles" / f"{name}.toml"
    if not res.is_file():
        raise ProfileError(f"{name}.toml", "(file)", f"no built-in profile named {name!r}; "
                           f"built-in profiles: {', '.join(builtin_names())}")
    return parse(res.read_text(encoding="utf-8"), name, f"built-in profile {name}", ref=name,
                 check_mapping=check_mapping)


def load_file(path: Path) -> Profile:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProfileError(str(path), "(file)", f"cannot be read: {exc.strerror or exc}") from exc
    return parse(text, path.stem, str(path), ref=str(path.resolve()))


def load(name_or_path: str | None) -> Profile:
    """A built-in profile name, or a path to a TOML file."""
    if not name_or_path:
        return load_builtin()
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        return load_file(path)
    return load_builtin(name_or_path)


def parse(text: str, profile_id: str, source: str, ref: str = "", check_mapping: bool = True) -> Profile:
    import tomllib  # and datetime with it: the GUI's start reads the demo profile as Python

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(source, "(syntax)", f"not valid TOML: {exc}") from exc
    return from_data(data, profile_id, source, ref, check_mapping)


def from_data(data: dict[str, Any], profile_id: str, source: str, ref: str = "",
              check_mapping: bool = True) -> Profile:
    """A profile from its TOML tables, checked."""
    integrator = _table(data, "integrator", source, required=True)
    name = _string(integrator, "integrator.name", source, required=True)
    email = _string(integrator, "integrator.support_email", source, required=True)
    if not _EMAIL.match(email):
        raise ProfileError(source, "integrator.support_email", f"{email!r} is not an e-mail address")
    handoff = _table(data, "handoff", source)
    recipients = handoff.get("recipients", [])
    if not isinstance(recipients, list) or not all(isinstance(r, str) for r in recipients):
        raise ProfileError(source, "handoff.recipients", "must be a list of age public keys (age1…)")
    for i, r in enumerate(recipients):
        if not _AGE_RECIPIENT.match(r.strip()):
            raise ProfileError(source, f"handoff.recipients[{i}]",
                               "is not an age public key: it should start with age1 and be 62 characters")
    threshold = handoff.get("removal_threshold", 0.10)
    if not isinstance(threshold, int | float) or not 0 <= threshold <= 1:
        raise ProfileError(source, "handoff.removal_threshold", "must be a fraction between 0 and 1, e.g. 0.1")
    max_excluded = handoff.get("max_excluded_share", 1.0)
    if isinstance(max_excluded, bool) or not isinstance(max_excluded, int | float) or not 0 <= max_excluded <= 1:
        raise ProfileError(source, "handoff.max_excluded_share", "must be a fraction between 0 and 1, e.g. 0.5")
    allow_http = handoff.get("allow_plain_http", False)
    if not isinstance(allow_http, bool):
        raise ProfileError(source, "handoff.allow_plain_http", "must be true or false")
    systems = _table(data, "systems", source)
    for sid, reqs in systems.items():
        if sid not in registry.SYSTEM_IDS:
            raise ProfileError(source, f"systems.{sid}",
                               f"unknown system; use one of: {', '.join(registry.SYSTEM_IDS)}")
        if not isinstance(reqs, dict):
            raise ProfileError(source, f"systems.{sid}", "must be a table of requirements")
    targets = _table(data, "targets", source)
    filters = data.get("filters", [])
    if not isinstance(filters, list) or not all(isinstance(f, dict) for f in filters):
        raise ProfileError(source, "filters", "must be an array of tables ([[filters]])")
    if check_mapping:
        _validate_mapping(targets, filters, source)
    profile = Profile(
        id=profile_id, source=source,
        integrator=Integrator(name=name, product=_string(integrator, "integrator.product", source) or name,
                              support_email=email,
                              support_phone=_string(integrator, "integrator.support_phone", source),
                              support_url=_string(integrator, "integrator.support_url", source)),
        recipients=tuple(r.strip() for r in recipients), allow_plain_http=allow_http,
        removal_threshold=float(threshold), max_excluded_share=float(max_excluded),
        systems={k: dict(v) for k, v in systems.items()},
        targets=targets, filters=filters, raw=data, ref=ref or profile_id)
    if check_mapping:
        _parse_targets_now(profile)
    return profile


def _parse_targets_now(profile: Profile) -> None:
    """Parse the targets into their typed form at load, so a target that cannot be read is a
    clear error here rather than at the first preview or sync. (Built-in profiles, loaded without
    ``check_mapping`` so the GUI's start does not import the mapping package, are parsed on first
    use; the test suite parses each of them.)"""
    from mis_wizard.wizard.mapping.schema import parse_targets

    parsed: dict[str, Target] = {}
    for name, table in profile.targets.items():
        try:
            parsed.update(parse_targets({name: table}))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ProfileError(profile.source, f"targets.{name}", f"cannot be read: {exc}") from exc
    profile.__dict__["target_schema"] = types.MappingProxyType(parsed)  # where cached_property keeps it


def _validate_mapping(targets: dict[str, Any], filters: list[dict[str, Any]], source: str) -> None:
    """The mapping package knows the target and filter schema; it reports (path, problem)."""
    from mis_wizard.wizard.mapping.schema import profile_problems

    for path, problem in profile_problems(targets, filters):
        raise ProfileError(source, path, problem)


def _table(data: dict[str, Any], key: str, source: str, required: bool = False) -> dict[str, Any]:
    value = data.get(key)
    if value is None:
        if required:
            raise ProfileError(source, key, "is missing; add a [" + key + "] table")
        return {}
    if not isinstance(value, dict):
        raise ProfileError(source, key, "must be a table")
    return value


def _string(table: dict[str, Any], path: str, source: str, required: bool = False) -> str:
    value = table.get(path.rsplit(".", 1)[-1], "")
    if not isinstance(value, str):
        raise ProfileError(source, path, "must be text in quotes")
    if required and not value.strip():
        raise ProfileError(source, path, "is required")
    return value.strip()
