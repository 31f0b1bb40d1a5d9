"""What a handoff or sync is about: a saved session, or a system with a credentials file.

Both CLI forms (`--session ID` and `SYSTEM --credentials FILE [--profile P]`) resolve to one
Subject so bundle, template, sync and report code has one input shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mis_wizard.vendors import registry
from mis_wizard.vendors.base import VendorSpec
from mis_wizard.wizard.profile import Profile
from mis_wizard.wizard.profile import load as load_profile
from mis_wizard.wizard.secret_store import SecretStore
from mis_wizard.wizard.session import Session


@dataclass
class Subject:
    spec: VendorSpec
    profile: Profile
    credentials: dict[str, Any]
    """Resolved: secrets included. Never saved in plaintext."""
    school: dict[str, str] = field(default_factory=dict)
    checks: dict[str, Any] = field(default_factory=dict)
    mapping: dict[str, Any] = field(default_factory=dict)
    filters: dict[str, Any] = field(default_factory=dict)
    session: Session | None = None

    @property
    def requirements(self) -> dict[str, Any]:
        return self.profile.requirements(self.spec.id)

    @property
    def ran_by(self) -> str:
        name = self.school.get("contact_name", "").strip()
        import getpass

        try:
            user = getpass.getuser()
        except Exception:  # no user name on this platform
            user = ""
        return name or user or "unknown"

    def secret_values(self) -> list[str]:
        """Every secret value in the credentials, to search written files for in tests and checks."""
        values = []
        for key_set, f in self.spec.all_fields(self.requirements):
            source = self.credentials if key_set is None else self.credentials.get(key_set, {})
            if f.secret and isinstance(source, dict) and source.get(f.id):
                values.append(str(source[f.id]))
        return values


def from_session(session: Session, secrets: SecretStore | None = None, profile: Profile | None = None) -> Subject:
    """``profile``: the one already loaded (the GUI's), else the session's profile is loaded again."""
    secrets = secrets or SecretStore()
    return Subject(spec=registry.get(session.system), profile=profile or load_profile(session.profile),
                   credentials=session.resolved_credentials(secrets), school=dict(session.school),
                   checks=dict(session.checks), mapping=dict(session.mapping), filters=dict(session.filters),
                   session=session)


def from_credentials(system: str, credentials: dict[str, Any], profile: Profile) -> Subject:
    return Subject(spec=registry.get(system), profile=profile, credentials=credentials)
