"""Builds the one-folder app with PyInstaller and the per-user and per-machine MSIs from it.

    python packaging/build.py                   # dist/mis-wizard/ and both MSIs in dist/
    python packaging/build.py --scope perUser   # one MSI
    python packaging/build.py --no-freeze       # MSIs from an existing dist/mis-wizard/

The same steps run on Linux (wixl from Debian's msitools, for CI's table checks) and on Windows
(WiX Toolset 3: candle and light, for the signed release), from the same spec and .wxs. The
one-folder output is harvested here rather than with heat or wixl-heat, so both toolsets read
the same fragment, and component GUIDs are derived from each file's path: the same file keeps
its GUID from one release to the next, as Windows Installer's component rules ask.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from xml.sax.saxutils import quoteattr

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from version_info import msi_version  # noqa: E402  (sibling module; packaging/ is not a package)

SPEC = HERE / "mis_wizard.spec"
WXS = HERE / "wix" / "mis-wizard.wxs"
ICON = ROOT / "mis_wizard" / "resources" / "icons" / "app.ico"
BUNDLE_NAME = "mis-wizard"
SCOPES = ("perUser", "perMachine")
KNOWN_FILES = {"mis-wizard-gui": "GuiExe", "mis-wizard-gui.exe": "GuiExe",
               "mis-wizard": "CliExe", "mis-wizard.exe": "CliExe"}
"""Files the .wxs refers to by id (the Start-menu shortcut points at the windowed program)."""
GUID_NAMESPACE = uuid.UUID("0d5f3c8e-2a41-4b9e-8f67-3e1c9a5b7d24")


class BuildError(RuntimeError):
    pass


def freeze(dist: Path, work: Path) -> Path:
    """PyInstaller's one-folder build; returns the folder holding the programs."""
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
                    "--distpath", str(dist), "--workpath", str(work), str(SPEC)], check=True, cwd=ROOT)
    bundle = dist / BUNDLE_NAME
    if not bundle.is_dir():
        raise BuildError(f"PyInstaller finished but {bundle} is missing")
    return bundle


def _id(prefix: str, relative: str) -> str:
    return f"{prefix}_{hashlib.sha1(relative.encode()).hexdigest()[:24]}"


def harvest(bundle: Path, source_var: str = "$(var.SourceDir)") -> str:
    """A WiX fragment installing every file of ``bundle`` under INSTALLDIR: one component per
    file (its key path), in a ComponentGroup named AppFiles."""
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             '<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">', "  <Fragment>",
             '    <DirectoryRef Id="INSTALLDIR">']
    components: list[str] = []

    def walk(folder: Path, depth: int) -> None:
        pad = "  " * depth
        for path in sorted(folder.iterdir(), key=lambda p: p.name):
            relative = path.relative_to(bundle).as_posix()
            if path.is_dir():
                lines.append(f"{pad}<Directory Id={quoteattr(_id('d', relative))} Name={quoteattr(path.name)}>")
                walk(path, depth + 1)
                lines.append(f"{pad}</Directory>")
                continue
            component = _id("c", relative)
            guid = str(uuid.uuid5(GUID_NAMESPACE, relative)).upper()
            file_id = KNOWN_FILES.get(relative, _id("f", relative))
            source = f"{source_var}/{relative}"
            lines.append(f'{pad}<Component Id="{component}" Guid="{guid}" Win64="yes">')
            lines.append(f"{pad}  <File Id={quoteattr(file_id)} Name={quoteattr(path.name)} "
                         f'Source={quoteattr(source)} KeyPath="yes"/>')
            lines.append(f"{pad}</Component>")
            components.append(component)

    walk(bundle, 3)
    lines += ["    </DirectoryRef>", "  </Fragment>", "  <Fragment>", '    <ComponentGroup Id="AppFiles">']
    lines += [f'      <ComponentRef Id="{c}"/>' for c in components]
    lines += ["    </ComponentGroup>", "  </Fragment>", "</Wix>", ""]
    return "\n".join(lines)


def build_msi(bundle: Path, scope: str, out: Path, work: Path, version: str | None = None) -> Path:
    """One MSI for ``scope`` (perUser or perMachine) with wixl, or WiX 3 on Windows."""
    if scope not in SCOPES:
        raise BuildError(f"scope must be one of {', '.join(SCOPES)}, not {scope!r}")
    work.mkdir(parents=True, exist_ok=True)
    fragment = work / "files.wxs"
    fragment.write_text(harvest(bundle), encoding="utf-8")
    # wixl resolves sources relative to its working folder and refuses absolute paths, so give
    # every path relative to one folder (both toolsets accept forward slashes).
    base = Path(os.path.commonpath([bundle.resolve(), ICON, work.resolve(), WXS]))
    defines = {"Version": version or msi_version(), "Scope": scope,
               "SourceDir": bundle.resolve().relative_to(base).as_posix(),
               "IconFile": ICON.relative_to(base).as_posix()}
    out.parent.mkdir(parents=True, exist_ok=True)
    sources = [WXS.relative_to(base).as_posix(), fragment.resolve().relative_to(base).as_posix()]
    if sys.platform == "win32":
        _wix3(sources, defines, out.resolve(), work.resolve() / scope, base)
    else:
        wixl = shutil.which("wixl")
        if wixl is None:
            raise BuildError("wixl is not installed (Debian/Ubuntu: apt-get install wixl)")
        args = [wixl, "-a", "x64", "-o", str(out.resolve())]
        for name, value in defines.items():
            args += ["-D", f"{name}={value}"]
        _run(args + sources, base)
    return out


def _wix3(sources: list[str], defines: dict[str, str], out: Path, objects: Path, base: Path) -> None:
    """candle then light from the WiX Toolset 3 (found on PATH or through the WIX variable its
    installer sets)."""
    wix_bin = Path(os.environ["WIX"]) / "bin" if os.environ.get("WIX") else None
    tools = {name: shutil.which(name) or (str(wix_bin / f"{name}.exe") if wix_bin else None)
             for name in ("candle", "light")}
    if not all(tools.values()):
        raise BuildError("WiX Toolset 3 (candle, light) not found: install it or put its bin folder on PATH")
    objects.mkdir(parents=True, exist_ok=True)
    _run([str(tools["candle"]), "-nologo", "-arch", "x64", "-out", f"{objects}{os.sep}",
          *[f"-d{k}={v}" for k, v in defines.items()], *sources], base)
    _run([str(tools["light"]), "-nologo", "-spdb", "-out", str(out),
          *[str(objects / (Path(s).stem + ".wixobj")) for s in sources]], base)


def _run(args: list[str], cwd: Path) -> None:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise BuildError(f"{Path(args[0]).name} failed ({done.returncode}):\n{done.stdout}{done.stderr}")


def msi_name(scope: str, version: str | None = None) -> str:
    return f"mis-wizard-{version or msi_version()}-{'per-user' if scope == 'perUser' else 'per-machine'}.msi"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder (default: dist)")
    parser.add_argument("--work", type=Path, default=ROOT / "build", help="scratch folder (default: build)")
    parser.add_argument("--scope", choices=(*SCOPES, "both"), default="both")
    parser.add_argument("--no-freeze", action="store_true", help="reuse DIST/mis-wizard instead of running PyInstaller")
    parser.add_argument("--no-msi", action="store_true", help="only the PyInstaller build")
    args = parser.parse_args(argv)
    try:
        bundle = args.dist / BUNDLE_NAME if args.no_freeze else freeze(args.dist, args.work / "pyinstaller")
        print(f"bundle: {bundle}")
        if not args.no_msi:
            for scope in SCOPES if args.scope == "both" else (args.scope,):
                msi = build_msi(bundle, scope, args.dist / msi_name(scope), args.work / "wix")
                print(f"msi ({scope}): {msi}")
    except (BuildError, subprocess.CalledProcessError) as exc:
        print(f"build failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
