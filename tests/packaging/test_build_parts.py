"""The pieces the Windows build is made of, checked without building: the icon, the version
numbers Windows reads, and the WiX fragment harvested from a one-folder build."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest
from PySide6.QtGui import QImage

from mis_wizard import __version__

WIX = "{http://schemas.microsoft.com/wix/2006/wi}"
ICO = Path(__file__).resolve().parents[2] / "mis_wizard" / "resources" / "icons" / "app.ico"


def test_app_icon_holds_every_windows_size_and_opens(qapp, make_icon: ModuleType) -> None:
    assert make_icon.ico_sizes(ICO.read_bytes()) == list(make_icon.SIZES)
    assert QImage(str(ICO)).width() > 0


def test_icon_writer_round_trips_its_directory(make_icon: ModuleType) -> None:
    data = make_icon.ico_bytes({16: b"\x89PNG-a", 256: b"\x89PNG-bb"})
    assert make_icon.ico_sizes(data) == [16, 256]
    assert data.endswith(b"\x89PNG-a\x89PNG-bb")


@pytest.mark.parametrize(("version", "msi"), [("0.1.0", "0.1.0"), ("2.3", "2.3.0"), ("1.4.2rc1", "1.4.2"),
                                              ("10.0.7.post1+local", "10.0.7")])
def test_msi_version_is_three_numbers(version_script: ModuleType, version: str, msi: str) -> None:
    assert version_script.msi_version(version) == msi


@pytest.mark.parametrize("version", ["dev", "256.0.0"])
def test_versions_an_msi_cannot_hold_are_refused(version_script: ModuleType, version: str) -> None:
    with pytest.raises(ValueError, match=version):
        version_script.msi_version(version)


def test_exe_version_resource_names_the_app_and_version(version_script: ModuleType) -> None:
    text = version_script.exe_version_text(exe_name="mis-wizard-gui.exe")
    major, minor, patch = version_script.numbers(__version__)
    assert f"filevers=({major}, {minor}, {patch}, 0)" in text
    assert "StringStruct('ProductVersion', '" + __version__ + "')" in text
    assert "StringStruct('OriginalFilename', 'mis-wizard-gui.exe')" in text
    compile(text, "version.txt", "eval")  # PyInstaller evaluates the file as one expression


def _fake_bundle(root: Path) -> Path:
    bundle = root / "mis-wizard"
    for name in ("mis-wizard.exe", "mis-wizard-gui.exe", "_internal/python311.dll",
                 "_internal/mis_wizard/resources/vendors/tass/steps.md", "_internal/PySide6/Qt6Core.dll"):
        (bundle / name).parent.mkdir(parents=True, exist_ok=True)
        (bundle / name).write_text(name)
    return bundle


def test_harvest_gives_each_file_a_stable_component(build_script: ModuleType, tmp_path: Path) -> None:
    bundle = _fake_bundle(tmp_path)
    fragment = build_script.harvest(bundle)
    assert fragment == build_script.harvest(bundle)
    root = ET.fromstring(fragment)
    components = root.findall(f".//{WIX}Component")
    files = root.findall(f".//{WIX}File")
    assert len(components) == len(files) == 5
    assert len({c.get("Guid") for c in components}) == 5
    ids = {f.get("Id"): f.get("Source") for f in files}
    assert ids["GuiExe"] == "$(var.SourceDir)/mis-wizard-gui.exe"
    assert ids["CliExe"] == "$(var.SourceDir)/mis-wizard.exe"
    refs = {r.get("Id") for r in root.findall(f".//{WIX}ComponentGroup[@Id='AppFiles']/{WIX}ComponentRef")}
    assert refs == {c.get("Id") for c in components}
    steps = next(f for f in files if f.get("Name") == "steps.md")
    assert steps.get("Source") == "$(var.SourceDir)/_internal/mis_wizard/resources/vendors/tass/steps.md"


def test_wix_source_has_one_upgrade_code_for_both_scopes(packaging_dir: Path) -> None:
    text = (packaging_dir / "wix" / "mis-wizard.wxs").read_text(encoding="utf-8")
    assert text.count('UpgradeCode="3C7A9E52-6B1D-4F0E-9A84-2D5C1B7E9F30"') == 1
    assert 'InstallScope="perUser"' in text and 'InstallScope="perMachine"' in text


def _shortcut_roots(text: str) -> dict[str, str]:
    """The Start-menu component's registry root in each scope's branch of the WiX source."""
    block = text.split('<?if $(var.Scope) = "perMachine" ?>')[-1].split("<?endif?>")[0]
    machine, _, user = block.partition("<?else?>")
    pick = re.compile(r'<RegistryValue Root="(\w+)" Key="Software\\MIS Onboarding Wizard" Name="StartMenuShortcut"')
    return {"perMachine": pick.findall(machine)[0], "perUser": pick.findall(user)[0]}


def test_per_machine_shortcut_key_path_is_not_per_user(packaging_dir: Path) -> None:
    text = (packaging_dir / "wix" / "mis-wizard.wxs").read_text(encoding="utf-8")
    assert _shortcut_roots(text) == {"perMachine": "HKLM", "perUser": "HKCU"}


@pytest.mark.skipif(not (shutil.which("wixl") and shutil.which("msiinfo")), reason="needs wixl and msitools")
@pytest.mark.parametrize(("scope", "root"), [("perMachine", "2"), ("perUser", "1")])
def test_built_msi_registry_root(build_script: ModuleType, tmp_path: Path, scope: str, root: str) -> None:
    """The Registry table as Windows Installer reads it: Root 2 is HKLM, 1 is HKCU."""
    msi = build_script.build_msi(_fake_bundle(tmp_path), scope, tmp_path / f"{scope}.msi", tmp_path / "wix")
    text = subprocess.run(["msiinfo", "export", str(msi), "Registry"], capture_output=True, text=True,
                          check=True).stdout.splitlines()
    columns = text[0].split("\t")
    rows = [dict(zip(columns, line.split("\t"), strict=False)) for line in text[3:] if line]
    shortcut = [r for r in rows if r["Name"] == "StartMenuShortcut"]
    assert len(shortcut) == 1 and shortcut[0]["Root"] == root
    component = subprocess.run(["msiinfo", "export", str(msi), "Component"], capture_output=True, text=True,
                               check=True).stdout
    assert any(line.startswith("StartMenuShortcut\t") and shortcut[0]["Registry"] in line
               for line in component.splitlines())
