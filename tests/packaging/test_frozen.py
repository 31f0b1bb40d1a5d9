"""The frozen app as an admin receives it: the PyInstaller one-folder build passes its own
self-test, and the MSIs built from it carry the shortcut, upgrade code, scope and version that
Windows Installer acts on (read back with msiinfo, as Windows would read the tables)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

from mis_wizard import __version__

pytestmark = [pytest.mark.packaging, pytest.mark.timeout(300)]
UPGRADE_CODE = "{3C7A9E52-6B1D-4F0E-9A84-2D5C1B7E9F30}"
MSI_TOOLS = ("wixl", "msiinfo")


@pytest.fixture(scope="module")
def bundle(build_script: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("PyInstaller", reason="pyinstaller is not installed (pip install pyinstaller)")
    work = tmp_path_factory.mktemp("frozen")
    return build_script.freeze(work / "dist", work / "build")


@pytest.fixture(scope="module")
def msis(bundle: Path, build_script: ModuleType) -> dict[str, Path]:
    missing = [tool for tool in MSI_TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (Debian/Ubuntu: apt-get install wixl msitools)")
    work = bundle.parent.parent / "wix"
    return {scope: build_script.build_msi(bundle, scope, work / build_script.msi_name(scope), work)
            for scope in build_script.SCOPES}


def test_frozen_bundle_passes_its_self_test(bundle: Path, tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "MIS_WIZARD_HOME": str(tmp_path)}
    done = subprocess.run([str(bundle / "mis-wizard"), "--self-test"], capture_output=True, text=True,
                          env=env, timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "frozen" in output
    for name in ("vendor tass", "vendor integris", "profile demo", "icons", "keyring", "TLS trust store",
                 "OneRoster deflate"):
        assert re.search(rf"^(ok|warning) +{name}: ", done.stdout, re.MULTILINE), f"{name} missing:\n{output}"
    assert re.search(r"^ok +main window: opened and closed", done.stdout, re.MULTILINE), output
    assert "FAILED" not in done.stdout
    assert done.stdout.rstrip().splitlines()[-1].startswith("self-test passed")


def test_frozen_bundle_holds_only_the_qt_it_uses(bundle: Path) -> None:
    names = {p.name for p in bundle.rglob("*")}
    for unused in ("QtWebEngineCore", "QtQuick", "QtQml", "Qt3DCore", "QtMultimedia", "QtNetwork"):
        assert not any(n.startswith(f"{unused}.") for n in names), f"{unused} was bundled"
    assert {"QtCore.abi3.so", "QtGui.abi3.so", "QtWidgets.abi3.so", "QtSvg.abi3.so"} <= names
    assert (bundle / "mis-wizard-gui").is_file()
    resources = next(bundle.rglob("resources/icons/app.ico"))
    assert (resources.parent.parent / "vendors" / "tass" / "steps.md").is_file()


def _table(msi: Path, name: str) -> list[dict[str, str]]:
    """Rows of one MSI table from `msiinfo export` (column names, types, table line, then rows)."""
    text = subprocess.run(["msiinfo", "export", str(msi), name], capture_output=True, text=True,
                          check=True).stdout
    lines = text.splitlines()
    columns = lines[0].split("\t")
    return [dict(zip(columns, line.split("\t"), strict=False)) for line in lines[3:] if line]


def _properties(msi: Path) -> dict[str, str]:
    return {row["Property"]: row["Value"] for row in _table(msi, "Property")}


def _word_count(msi: Path) -> int:
    """Summary information 'Word Count' (msiinfo calls it Source): bit 8 = no elevation needed."""
    info = subprocess.run(["msiinfo", "suminfo", str(msi)], capture_output=True, text=True, check=True).stdout
    match = re.search(r"^Source: (\d+)", info, re.MULTILINE)
    assert match, info
    return int(match.group(1))


@pytest.mark.parametrize("scope", ["perUser", "perMachine"])
def test_msi_has_start_menu_shortcut_to_the_windowed_program(msis: dict[str, Path], scope: str) -> None:
    (shortcut,) = _table(msis[scope], "Shortcut")
    assert shortcut["Directory_"] == "ProgramMenuFolder"
    assert shortcut["Name"] == "MIS Onboarding Wizard"
    assert shortcut["Target"] == "[#GuiExe]"
    assert shortcut["WkDir"] == "INSTALLDIR"
    files = {row["File"]: row["FileName"] for row in _table(msis[scope], "File")}
    assert files["GuiExe"].split("|")[-1].startswith("mis-wizard-gui")


@pytest.mark.parametrize("scope", ["perUser", "perMachine"])
def test_msi_upgrade_code_is_fixed_and_replaces_older_versions(msis: dict[str, Path], scope: str,
                                                               version_script: ModuleType) -> None:
    msi = msis[scope]
    props = _properties(msi)
    assert props["UpgradeCode"] == UPGRADE_CODE
    assert props["ProductVersion"] == version_script.msi_version(__version__)
    assert props["ProductName"] == "MIS Onboarding Wizard"
    older = [r for r in _table(msi, "Upgrade") if r["ActionProperty"] == "WIX_UPGRADE_DETECTED"]
    assert older and older[0]["UpgradeCode"] == UPGRADE_CODE
    assert older[0]["VersionMax"] == props["ProductVersion"]
    actions = {row["Action"] for row in _table(msi, "InstallExecuteSequence")}
    assert {"FindRelatedProducts", "RemoveExistingProducts"} <= actions


def test_msi_per_user_installs_without_admin_rights(msis: dict[str, Path]) -> None:
    props = _properties(msis["perUser"])
    assert props["ALLUSERS"] == "2"
    assert props["MSIINSTALLPERUSER"] == "1"
    assert _word_count(msis["perUser"]) & 8, "per-user MSI must not ask for elevation"


def test_msi_per_machine_installs_for_all_users(msis: dict[str, Path]) -> None:
    props = _properties(msis["perMachine"])
    assert props["ALLUSERS"] == "1"
    assert "MSIINSTALLPERUSER" not in props
    assert not _word_count(msis["perMachine"]) & 8


@pytest.mark.parametrize("scope", ["perUser", "perMachine"])
def test_msi_installs_every_file_and_leaves_user_data_alone(msis: dict[str, Path], bundle: Path,
                                                           scope: str) -> None:
    msi = msis[scope]
    files = _table(msi, "File")
    assert len(files) == sum(1 for p in bundle.rglob("*") if p.is_file())
    directories = {row["Directory"]: row for row in _table(msi, "Directory")}
    assert directories["INSTALLDIR"]["Directory_Parent"] == "ProgramFiles64Folder"
    assert directories["INSTALLDIR"]["DefaultDir"].split("|")[-1] == "MIS Onboarding Wizard"
    # Sessions, logs and keyring entries live in the user's AppData: the MSI never names it.
    assert not {"AppDataFolder", "LocalAppDataFolder"} & directories.keys()
    assert _table(msi, "RemoveFile") == []


def _frozen(bundle: Path, args: list[str], home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    return subprocess.run([str(bundle / "mis-wizard"), *args], capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL, env={**clean, "MIS_WIZARD_HOME": str(home), **env})


def test_the_scheduled_command_the_frozen_app_writes_runs_the_nightly_sync(bundle: Path, tmp_path: Path,
                                                                           small_school) -> None:
    """`schedule --xml-out` from the frozen program, then exactly the task's action (its Exec Command and
    Arguments) run as Task Scheduler would (no terminal), against the LISS emulator on loopback."""
    import shlex
    import xml.etree.ElementTree as ET

    from mis_wizard.vendors import registry
    from mis_wizard.vendors.sandbox.kit import Sandbox
    from mis_wizard.wizard.secret_store import SecretStore
    from mis_wizard.wizard.session import SessionStore

    home = Path(os.environ["MIS_WIZARD_HOME"])
    with Sandbox() as box:
        hosted = box.add(registry.get("liss").emulator(small_school))
        store = SessionStore()
        session = store.new(system="liss")
        # The frozen process cannot see this test's in-memory keyring (Linux CI has no credential store),
        # so the emulator's made-up password is kept in the session file of this temporary home.
        for field_id, value in hosted.emulator.credentials(hosted.base_url).items():
            session.set_value(None, field_id, value, secret=False, secrets=SecretStore())
        store.save(session)

        xml_path = tmp_path / "task.xml"
        made = _frozen(bundle, ["schedule", "--session", session.id, "--daily", "2:30", "--xml-out", str(xml_path)],
                       home)
        assert made.returncode == 0, made.stdout + made.stderr
        assert f'schtasks /Create /XML {xml_path} /TN "MIS Onboarding Wizard sync {session.id}"' in made.stdout

        ns = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
        task = ET.parse(xml_path).getroot()
        command = task.findtext("t:Actions/t:Exec/t:Command", namespaces=ns)
        arguments = task.findtext("t:Actions/t:Exec/t:Arguments", namespaces=ns) or ""
        assert command == str(bundle / "mis-wizard"), command  # the console program, no `-m`
        assert task.findtext("t:Triggers/t:CalendarTrigger/t:StartBoundary", namespaces=ns).endswith("T02:30:00")
        argv = shlex.split(arguments)
        assert argv[:3] == ["sync", "--session", session.id], argv

        ran = subprocess.run([command, *argv], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
                             env={**os.environ, "MIS_WIZARD_HOME": str(home)})
        assert ran.returncode == 0, ran.stdout + ran.stderr
        assert "Traceback" not in ran.stderr

    runs = _frozen(bundle, ["runs", "--session", session.id, "--json"], home)
    assert runs.returncode == 0, runs.stderr
    import json

    (last, *_) = json.loads(runs.stdout)["runs"]
    assert last["result"] == "ok" and last["how"] == "unattended" and last["system"] == "liss"
    assert last["counts"]["written"] > 0
    assert list((home / "data" / "stores").glob("*-liss-demo.sqlite"))


def test_the_frozen_app_reads_a_pac_file(bundle: Path, tmp_path: Path) -> None:
    """pypac and dukpy are in the bundle, and the PAC script runs in the frozen program's worker."""
    import http.server
    import json
    import threading

    script = (b'function FindProxyForURL(url, host) { '
              b'return host == "sis.school.test" ? "PROXY 10.0.0.8:3128" : "DIRECT"; }')

    class Pac(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(script)))
            self.end_headers()
            self.wfile.write(script)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Pac)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        pac = f"pac:http://127.0.0.1:{server.server_address[1]}/proxy.pac"
        shown = _frozen(bundle, ["proxy", "show", "--url", "https://sis.school.test/", "--json"], tmp_path,
                        MIS_WIZARD_PROXY=pac)
        other = _frozen(bundle, ["proxy", "show", "--url", "https://elsewhere.example/", "--json"], tmp_path,
                        MIS_WIZARD_PROXY=pac)
    finally:
        server.shutdown()
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert json.loads(shown.stdout)["route"]["route"] == "through http://10.0.0.8:3128"
    assert json.loads(other.stdout)["route"]["route"] == "direct"
