"""Version numbers for Windows, all derived from mis_wizard.__version__ (the one place it is set).

Windows wants four numbers in an exe's version resource and an MSI ProductVersion of at most
three fields below 256.256.65536; a MajorUpgrade compares only those three, so every release
must change one of them.
"""

from __future__ import annotations

import re

from mis_wizard import APP_NAME, __version__

COMPANY = "MIS Onboarding Wizard project"
_NUMBERS = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?")


def numbers(version: str = __version__) -> tuple[int, int, int]:
    """Major, minor, patch from a PEP 440 version; pre-release and local parts are dropped."""
    match = _NUMBERS.match(version)
    if not match:
        raise ValueError(f"version {version!r} does not start with MAJOR.MINOR")
    major, minor, patch = (int(part or 0) for part in match.groups())
    if major > 255 or minor > 255 or patch > 65535:
        raise ValueError(f"version {version!r} is outside what an MSI ProductVersion can hold")
    return major, minor, patch


def msi_version(version: str = __version__) -> str:
    return ".".join(map(str, numbers(version)))


def exe_version_text(version: str = __version__, exe_name: str = "mis-wizard.exe") -> str:
    """The exe's Details tab (file and product version, names) in PyInstaller's version-file
    format, which its EXE(version=...) reads on Windows; text, so writing it needs no
    Windows-only module on the Linux build."""
    four = (*numbers(version), 0)
    strings = {
        "CompanyName": COMPANY,
        "FileDescription": APP_NAME,
        "FileVersion": version,
        "InternalName": exe_name.removesuffix(".exe"),
        "LegalCopyright": COMPANY,
        "OriginalFilename": exe_name,
        "ProductName": APP_NAME,
        "ProductVersion": version,
    }
    table = ",\n".join(f"          StringStruct({k!r}, {v!r})" for k, v in strings.items())
    return f"""VSVersionInfo(
  ffi=FixedFileInfo(filevers={four}, prodvers={four}, mask=0x3f, flags=0x0, OS=0x40004,
                    fileType=0x1, subtype=0x0, date=(0, 0)),
  kids=[
    StringFileInfo([
      StringTable('040904B0', [
{table}])
    ]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
"""
