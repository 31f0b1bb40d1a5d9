"""What every page shares: the profile, the open session, where it is saved, the secrets,
the optional demo sandbox and the screen-share switch.

Pages never save files themselves: they change the session and call ``save()``, so every
change reaches disk at once and the side list of steps can refresh.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from mis_wizard.vendors import registry
from mis_wizard.wizard.profile import Profile
from mis_wizard.wizard.secret_store import SecretStore
from mis_wizard.wizard.session import Session, SessionStore

if TYPE_CHECKING:
    from mis_wizard.vendors.base import VendorSpec

log = logging.getLogger(__name__)


class WizardContext(QObject):
    session_changed = Signal()
    """The open session was replaced, or one of its values changed and was saved."""
    screen_safe_changed = Signal(bool)
    session_opened = Signal()
    """Another session (setup) was opened: every page drops what it showed of the one before."""

    def __init__(self, profile: Profile, *, store: SessionStore | None = None,
                 secrets: SecretStore | None = None, sandbox: Any = None) -> None:
        super().__init__()
        self.profile = profile
        self.store = store or SessionStore()
        self.secrets = secrets or SecretStore()
        self.sandbox = sandbox
        """A running vendors.sandbox.kit.Sandbox in demo mode, else None."""
        self.session: Session | None = None
        self._screen_safe = True

    @property
    def screen_safe(self) -> bool:
        """Secrets and personal data are masked everywhere while this is on (the default)."""
        return self._screen_safe

    def set_screen_safe(self, on: bool) -> None:
        if on != self._screen_safe:
            self._screen_safe = on
            log.info("screen-share safe mode %s", "on" if on else "off")
            self.screen_safe_changed.emit(on)

    def open(self, session: Session) -> None:
        self.session = session
        log.info("opened session %s", session.id)
        self.session_opened.emit()
        self.session_changed.emit()

    def new_session(self) -> Session:
        session = self.store.new(profile=self.profile.ref)
        self.open(session)
        return session

    def save(self) -> None:
        if self.session is not None:
            self.store.save(self.session)
            self.session_changed.emit()

    @property
    def spec(self) -> VendorSpec | None:
        if self.session is None or self.session.system not in registry.SYSTEM_IDS:
            return None
        return registry.get(self.session.system)

    def requirements(self) -> dict[str, Any]:
        spec = self.spec
        return self.profile.requirements(spec.id) if spec is not None else {}

    def demo_credentials(self) -> dict[str, Any] | None:
        """Working credentials for the chosen system from the demo sandbox, when it serves it."""
        if self.sandbox is None or self.session is None:
            return None
        system = self.sandbox.describe()["systems"].get(self.session.system)
        return dict(system["credentials"]) if system else None
