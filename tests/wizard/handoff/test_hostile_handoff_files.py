"""Hostile or broken files on the handoff side: each gets its own clear message, none runs away with memory."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import keyring
import pyrage
import pytest
from keyring.backends import fail
from pyrage import x25519

from mis_wizard.wizard.cli import main
from mis_wizard.wizard.handoff import bundle

CREDS = {"base_url": "https://liss.integrator.example/liss", "school_code": "RIVERBEND",
         "username": "td-sync", "password": "liss-Pa55word-for-sync!"}


def identity(tmp_path: Path) -> tuple[Path, x25519.Recipient]:
    path = tmp_path / "integrator.key"
    public = bundle.generate_identity(path)
    return path, x25519.Recipient.from_str(public)


def seal(tmp_path: Path, members: dict[str, bytes], recipient: x25519.Recipient) -> Path:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    path = tmp_path / "crafted.age"
    path.write_bytes(pyrage.encrypt(buf.getvalue(), [recipient]))
    return path


def good_members() -> dict[str, bytes]:
    return {"manifest.json": json.dumps({"format_version": 1, "system": {"id": "liss", "name": "LISS"},
                                         "school": {}, "profile": {}, "data_areas": []}).encode(),
            "credentials.json": b"{}", "checks.json": b"{}", "mapping.json": b"{}"}


def test_credentials_nested_100k_deep_says_so(tmp_path: Path, capsys) -> None:
    path = tmp_path / "creds.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    assert main(["template", "export", "liss", "--credentials", str(path), "--out", str(tmp_path / "o.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "nested too deeply" in err and "unexpected error" not in err


def test_binary_identity_file_says_so(tmp_path: Path, capsys) -> None:
    _key, recipient = identity(tmp_path)
    sealed = seal(tmp_path, good_members(), recipient)
    binary = tmp_path / "photo.jpg"
    binary.write_bytes(bytes(range(256)) * 64)
    assert main(["bundle", "open", str(sealed), "--identity", str(binary)]) == 1
    err = capsys.readouterr().err
    assert "is not an identity file" in err and "unexpected error" not in err


def test_manifest_without_version_says_so_clearly(tmp_path: Path, capsys) -> None:
    key, recipient = identity(tmp_path)
    members = good_members()
    manifest = json.loads(members["manifest.json"])
    del manifest["format_version"]
    members["manifest.json"] = json.dumps(manifest).encode()
    assert main(["bundle", "open", str(seal(tmp_path, members, recipient)), "--identity", str(key)]) == 1
    err = capsys.readouterr().err
    assert "no format version" in err and "None" not in err


def test_members_over_the_total_ceiling_are_refused(tmp_path: Path, capsys) -> None:
    key, recipient = identity(tmp_path)
    members = good_members()
    pad = b" " * (bundle.MAX_MEMBER_BYTES - 1024)
    for name in ("credentials.json", "checks.json", "mapping.json"):
        members[name] = b"{}" + pad  # each under the per-part ceiling, together over the total
    out = tmp_path / "opened"
    assert main(["bundle", "open", str(seal(tmp_path, members, recipient)), "--identity", str(key),
                 "--out", str(out)]) == 1
    assert "expand to far more than a bundle holds" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak memory is read from /proc")
def test_expanding_bundle_is_refused_with_bounded_memory(tmp_path: Path) -> None:
    key, recipient = identity(tmp_path)
    size = 1536 * 1024 * 1024
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("manifest.json", good_members()["manifest.json"])
        with zf.open("credentials.json", "w", force_zip64=True) as fh:
            block = b"\0" * (16 * 1024 * 1024)
            for _ in range(size // len(block)):
                fh.write(block)
        for name in ("checks.json", "mapping.json"):
            zf.writestr(name, b"{}")
    path = tmp_path / "bomb.age"
    path.write_bytes(pyrage.encrypt(buf.getvalue(), [recipient]))
    assert path.stat().st_size < 3 * 1024 * 1024  # about 1.5 MB that expands a thousandfold
    del buf

    # the child reports its own peak (VmHWM: ru_maxrss would carry this test process's size over the fork)
    probe = ("import re, sys\nfrom mis_wizard.main import main\nrc = main(sys.argv[1:])\n"
             "status = open('/proc/self/status').read()\n"
             "print('PEAK-KIB', re.search(r'VmHWM:\\s+(\\d+)', status).group(1), file=sys.stderr)\n"
             "sys.exit(rc)\n")
    done = subprocess.run([sys.executable, "-c", probe, "bundle", "open", str(path), "--identity", str(key),
                           "--out", str(tmp_path / "opened")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "expand to far more than a bundle holds" in done.stderr
    assert not (tmp_path / "opened").exists()
    peak_kib = int(done.stderr.split("PEAK-KIB")[1].split()[0])
    assert peak_kib < 300 * 1024, f"peak {peak_kib // 1024} MiB"


def test_template_import_without_a_credential_store_says_secrets_are_in_memory_only(
        tmp_path: Path, app_home: Path, capsys) -> None:
    creds = tmp_path / "creds.json"
    creds.write_text(json.dumps(CREDS), encoding="utf-8")
    out = tmp_path / "filled.xlsx"
    assert main(["template", "export", "liss", "--credentials", str(creds), "--out", str(out),
                 "--include-secrets"]) == 0
    capsys.readouterr()
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        assert main(["template", "import", str(out)]) == 0
    finally:
        keyring.set_keyring(previous)
    captured = capsys.readouterr()
    assert "Created session" in captured.out
    assert "no credential store" in captured.err and "in memory only" in captured.err
    assert CREDS["password"] not in captured.out + captured.err


def test_template_import_with_a_credential_store_says_nothing_about_memory(tmp_path: Path, app_home: Path,
                                                                           capsys) -> None:
    creds = tmp_path / "creds.json"
    creds.write_text(json.dumps(CREDS), encoding="utf-8")
    out = tmp_path / "filled.xlsx"
    assert main(["template", "export", "liss", "--credentials", str(creds), "--out", str(out),
                 "--include-secrets"]) == 0
    assert main(["template", "import", str(out)]) == 0
    assert "in memory only" not in capsys.readouterr().err


@pytest.mark.parametrize("deep", ["[" * 100_000 + "]" * 100_000])
def test_deep_bundle_member_is_damaged_not_a_crash(deep: str, tmp_path: Path, capsys) -> None:
    key, recipient = identity(tmp_path)
    members = good_members()
    members["checks.json"] = deep.encode()
    assert main(["bundle", "open", str(seal(tmp_path, members, recipient)), "--identity", str(key)]) == 1
    err = capsys.readouterr().err
    assert "unexpected error" not in err and "contents" in err


def test_a_workbook_that_is_not_one_says_what_to_do(tmp_path: Path, capsys) -> None:
    path = tmp_path / "filled.xlsx"
    path.write_bytes(b"\x00\xffnot a workbook")
    assert main(["template", "import", str(path)]) == 2
    err = capsys.readouterr().err
    assert "could not be read as an Excel workbook" in err and "save it as an Excel Workbook" in err
    assert "BadZipFile" not in err and "Error" not in err


def test_a_workbook_that_expands_hugely_is_refused_unopened(tmp_path: Path, capsys) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b" " * (200 * 1024 * 1024))
    assert path.stat().st_size < 1024 * 1024
    assert main(["template", "import", str(path)]) == 2
    err = capsys.readouterr().err
    assert "far larger inside than a credentials workbook can be" in err and "200 MB unpacked" in err
