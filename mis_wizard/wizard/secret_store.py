"""Secrets live only in the OS credential store; session files hold references to them.

When no usable keyring backend exists (common on Linux servers, some locked-down Windows
images) the store says so once and keeps secrets in memory for this run only, so the admin
can still finish: the bundle is the way the secrets leave.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from mis_wizard.wizard import redact

if TYPE_CHECKING:
    import keyring.backend

SERVICE = "mis-wizard"
REF_KEY = "$secret"
log = logging.getLogger(__name__)


def is_ref(value: object) -> bool:
    return isinstance(value, dict) and REF_KEY in value


def _usable(backend: keyring.backend.KeyringBackend) -> bool:
    try:
        from keyring.backends import chainer, fail

        if isinstance(backend, fail.Keyring):
            return False
        if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
            return False
        return True
    except Exception:  # an unusual keyring build: trust it and let set_password tell
        return True


class SecretStore:
    """The OS credential store, found the first time it is needed: importing keyring and probing
    its backends (D-Bus, the macOS and Windows APIs) takes longer than opening the window."""

    def __init__(self) -> None:
        self._memory: dict[str, str] = {}
        self._persistent: bool | None = None
        self._backend_name = ""
        self._warning = ""

    def _probe(self) -> bool:
        if self._persistent is None:
            import keyring

            backend = keyring.get_keyring()
            self._persistent = _usable(backend)
            self._backend_name = type(backend).__name__
            self._warning = "" if self._persistent else (
                "This computer has no credential store the wizard can use, so secrets are kept in memory "
                "for this run only. Finish and export the bundle before closing the wizard.")
        return self._persistent

    @property
    def persistent(self) -> bool:
        return self._probe()

    @property
    def backend_name(self) -> str:
        self._probe()
        return self._backend_name

    @property
    def warning(self) -> str:
        """Why secrets will not outlive this run, or "" when they are stored."""
        self._probe()
        return self._warning

    def put(self, session_id: str, name: str, value: str) -> dict[str, str]:
        """Store a secret; returns the reference the session file keeps."""
        import keyring.errors  # binds keyring too; imported already by the probe

        redact.register(value)
        account = f"{session_id}/{name}"
        if self.persistent:
            try:
                keyring.set_password(SERVICE, account, value)
                return {REF_KEY: account}
            except keyring.errors.KeyringError as exc:
                log.warning("credential store refused a secret (%s); keeping it in memory", type(exc).__name__)
                self._persistent = False
                self._warning = ("The credential store refused to save a secret, so secrets are kept in memory "
                                "for this run only.")
        self._memory[account] = value
        return {REF_KEY: account}

    def get(self, ref: dict[str, str]) -> str:
        import keyring.errors  # binds keyring too; imported already by the probe

        account = ref[REF_KEY]
        value = self._memory.get(account)
        if value is None and self.persistent:
            try:
                value = keyring.get_password(SERVICE, account)
            except keyring.errors.KeyringError:
                value = None
        if value:
            redact.register(value)
        return value or ""

    def delete(self, ref: dict[str, str]) -> None:
        import keyring.errors  # binds keyring too; imported already by the probe

        account = ref[REF_KEY]
        self._memory.pop(account, None)
        if self.persistent:
            try:
                keyring.delete_password(SERVICE, account)
            except keyring.errors.KeyringError:
                pass
