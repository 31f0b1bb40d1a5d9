"""`mis-wizard --self-test`: proves an installation is whole before an admin meets a gap.

A frozen build can lose what Python finds by itself: packages the registry imports by name,
data files read from the resources folder, Qt plugins that draw SVG icons, the keyring
backend found through entry points, the truststore module. Each check here touches one of
those the way the app does, prints one line, and the exit code is 1 when anything is
missing. A missing keyring backend is only a warning: the app is built to run without one.
"""

from __future__ import annotations

import os
import ssl
import sys
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mis_wizard.resources import ROOT

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

OK, WARNING, FAILED = "ok", "warning", "FAILED"
ICON_SIZE = 32
LINUX_CA_FILES = ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
                  "/etc/ssl/cert.pem", "/etc/ssl/ca-bundle.pem")


class Warn(Exception):
    """A check found something the app works around; reported, but the installation passes."""


@dataclass(frozen=True)
class Outcome:
    status: str
    name: str
    detail: str

    def line(self) -> str:
        return f"{self.status:<8}{self.name}: {self.detail}"


def run_self_test(out: Callable[[str], None] = print) -> int:
    """Run every check, print one line each and a summary; 0 when nothing is missing."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    outcomes = [_run(name, check, out) for name, check in _checks()]
    failed = [o for o in outcomes if o.status == FAILED]
    warned = [o for o in outcomes if o.status == WARNING]
    if failed:
        out(f"self-test FAILED: {len(failed)} of {len(outcomes)} checks; missing or broken: "
            + ", ".join(o.name for o in failed))
        return 1
    out(f"self-test passed: {len(outcomes)} checks, {len(warned)} warnings")
    return 0


def _run(name: str, check: Callable[[], str], out: Callable[[str], None]) -> Outcome:
    try:
        outcome = Outcome(OK, name, check())
    except Warn as exc:
        outcome = Outcome(WARNING, name, str(exc))
    except Exception as exc:  # the point is to name what broke, whatever it is
        where = traceback.extract_tb(exc.__traceback__)[-1]
        outcome = Outcome(FAILED, name, f"{type(exc).__name__}: {exc} ({Path(where.filename).name}:{where.lineno})")
    out(outcome.line())
    return outcome


def _checks() -> list[tuple[str, Callable[[], str]]]:
    from mis_wizard.vendors import registry
    from mis_wizard.wizard import profile

    checks: list[tuple[str, Callable[[], str]]] = [("app", _app)]
    checks += [(f"vendor {sid}", _vendor_check(sid)) for sid in registry.SYSTEM_IDS]
    checks += [(f"profile {name}", _profile_check(name)) for name in profile.builtin_names()]
    checks += [("style sheet", _style_sheet), ("Qt plugins", _qt_plugins), ("icons", _icons),
               ("keyring", _keyring), ("TLS trust store", _trust_store),
               ("OneRoster deflate", _oneroster_deflate), ("main window", _main_window)]
    return checks


def _app() -> str:
    from mis_wizard import APP_NAME, __version__

    frozen = "frozen" if getattr(sys, "frozen", False) else "from source"
    return f"{APP_NAME} {__version__}, Python {sys.version.split()[0]}, {frozen}"


def _vendor_check(system_id: str) -> Callable[[], str]:
    def check() -> str:
        from mis_wizard.vendors import registry
        from mis_wizard.wizard import steps

        spec = registry.get(system_id)
        loaded = steps.load(spec.id, spec.step_values(spec.requirements()))
        if not loaded:
            raise ValueError(f"resources/vendors/{system_id}/steps.md has no steps")
        if spec.connector is None:
            raise ValueError(f"{spec.name} has no connector to check keys with")
        spec.connector()
        return f"{spec.name}: {len(spec.fields)} connection fields, {len(spec.entities)} entities, {len(loaded)} steps"
    return check


def _profile_check(name: str) -> Callable[[], str]:
    def check() -> str:
        from mis_wizard.wizard import profile

        loaded = profile.load_builtin(name, check_mapping=True)
        return f"{loaded.integrator.product}, {len(loaded.targets)} targets"
    return check


def _style_sheet() -> str:
    from mis_wizard.ui import theme

    sheet = theme.stylesheet()
    icon_dir = ROOT / "icons"
    referenced = {Path(p).name for p in _urls(sheet)}
    missing = sorted(n for n in referenced if not (icon_dir / n).is_file())
    if missing:
        raise FileNotFoundError(f"app.qss names icons not shipped: {', '.join(missing)}")
    return f"{len(sheet)} characters, {len(referenced)} icons referenced"


def _urls(sheet: str) -> list[str]:
    """The paths inside url(...) in a Qt style sheet."""
    found = []
    for part in sheet.split("url(")[1:]:
        found.append(part.split(")", 1)[0].strip().strip("\"'"))
    return found


def _qt_plugins() -> str:
    from PySide6.QtGui import QImageReader

    _application()
    formats = {bytes(f.data()).decode() for f in QImageReader.supportedImageFormats()}
    missing = sorted({"svg", "png", "ico"} - formats)
    if missing:
        raise RuntimeError(f"Qt image format plugins missing: {', '.join(missing)}")
    return "image formats svg, png, ico"


def _icons() -> str:
    from PySide6.QtGui import QIcon

    _application()
    folder = ROOT / "icons"
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith((".svg", ".ico")))
    blank = [n for n in names if QIcon(str(folder / n)).pixmap(ICON_SIZE, ICON_SIZE).isNull()]
    if blank:
        raise RuntimeError(f"icons that do not draw: {', '.join(blank)}")
    if "app.ico" not in names:
        raise FileNotFoundError("resources/icons/app.ico is not shipped")
    return f"{len(names)} icons draw"


def _oneroster_deflate() -> str:
    """The OneRoster package's members go through ISA-L, a compiled module a bundle can miss."""
    import io
    import zipfile

    from mis_wizard.wizard.sync.sinks import fast_deflate

    text = b"sourcedId,status,dateLastModified\n" * 1000
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf, fast_deflate.open_member(zf, "users.csv") as member:
        member.write(text)
    with zipfile.ZipFile(buffer) as zf:
        if zf.read("users.csv") != text:
            raise RuntimeError("a zip member deflated by ISA-L did not read back the same")
    return f"ISA-L deflate, {len(text)} bytes in {len(buffer.getvalue())}"


def _keyring() -> str:
    from mis_wizard.wizard.secret_store import SecretStore

    store = SecretStore()
    if not store.persistent:
        raise Warn(f"none usable ({store.backend_name}); secrets will be kept in memory for one run")
    return store.backend_name


def _trust_store() -> str:
    import truststore

    from mis_wizard.wizard.http import ssl_context

    ctx = ssl_context()
    if not isinstance(ctx, truststore.SSLContext):
        raise RuntimeError("truststore is not in use, so a school's own root certificate would be refused")
    if sys.platform in ("win32", "darwin"):
        return f"operating system store through truststore {truststore.__version__}"
    return f"{_linux_ca_source()} through truststore {truststore.__version__}"


def _linux_ca_source() -> str:
    """Where OpenSSL, as bundled, finds CA certificates: its compiled-in paths, else the common
    distribution files truststore also tries. None means every HTTPS check would fail."""
    defaults = ssl.get_default_verify_paths()
    if defaults.cafile:
        return defaults.cafile
    if defaults.capath and any(Path(defaults.capath).glob("*.0")):
        return defaults.capath
    for candidate in LINUX_CA_FILES:
        if Path(candidate).is_file():
            return candidate
    raise RuntimeError("no CA certificates found (install the ca-certificates package)")


def _main_window() -> str:
    """Open and close the real window on a throwaway session folder, with Qt warnings caught."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    from mis_wizard.ui.async_runner import default_loop
    from mis_wizard.ui.context import WizardContext
    from mis_wizard.ui.main_window import MainWindow
    from mis_wizard.wizard.profile import load_builtin
    from mis_wizard.wizard.secret_store import SecretStore
    from mis_wizard.wizard.session import SessionStore

    app = _application()
    messages: list[str] = []

    def collect(kind: QtMsgType, _context: object, message: str) -> None:
        if kind != QtMsgType.QtDebugMsg and kind != QtMsgType.QtInfoMsg:
            messages.append(message)

    previous = qInstallMessageHandler(collect)
    try:
        with tempfile.TemporaryDirectory(prefix="mis-wizard-self-test-") as folder:
            ctx = WizardContext(load_builtin(), store=SessionStore(Path(folder)), secrets=SecretStore())
            window = MainWindow(ctx)
            window.show()
            app.processEvents()
            title, pages = window.windowTitle(), len(window.pages)
            window.close()
            window.deleteLater()
            app.processEvents()
    finally:
        qInstallMessageHandler(previous)
        default_loop().stop()
    detail = f"opened and closed on {app.platformName()}: {title!r}, {pages} pages"
    if messages:
        raise Warn(f"{detail}; Qt said: {' | '.join(messages)}")
    return detail


def _application() -> QApplication:
    """The running QApplication, or a new one (Qt is imported here so the checks before it run
    even when Qt itself is what is missing)."""
    from PySide6.QtWidgets import QApplication

    running = QApplication.instance()
    return running if isinstance(running, QApplication) else QApplication([sys.argv[0]])
