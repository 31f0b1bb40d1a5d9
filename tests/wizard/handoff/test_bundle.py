"""The bundle: the integrator opens it with `age` or with us; every bad bundle gets its own error."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from sealed import bundle_of_version

from mis_wizard.wizard.cli import main
from mis_wizard.wizard.handoff import bundle
from mis_wizard.wizard.profile import load
from mis_wizard.wizard.subject import from_credentials

SECRET = "liss-Pa55word-for-sync!"
CREDS = {"base_url": "https://liss.integrator.example/liss", "school_code": "RIVERBEND",
         "username": "td-sync", "password": SECRET}


@pytest.fixture
def creds_file(tmp_path: Path) -> Path:
    path = tmp_path / "creds.json"
    path.write_text(json.dumps(CREDS), encoding="utf-8")
    return path


@pytest.fixture
def identity(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "integrator.key"
    return path, bundle.generate_identity(path)


def make(tmp_path: Path, recipients: list[str] | None = None, passphrase: str | None = None) -> Path:
    subject = from_credentials("liss", dict(CREDS), load(None))
    subject.school = {"name": "Riverbend Grammar"}
    return bundle.create(subject, tmp_path / "school.age", recipients, passphrase)


def test_keygen_cli_prints_public_key_and_refuses_to_overwrite(tmp_path: Path, capsys) -> None:
    out = tmp_path / "id.txt"
    assert main(["keygen", "--out", str(out)]) == 0
    public = capsys.readouterr().out.strip()
    assert public.startswith("age1") and "AGE-SECRET-KEY-" in out.read_text()
    assert main(["keygen", "--out", str(out)]) == 2


@pytest.mark.skipif(shutil.which("age") is None, reason="Debian's age is installed by .ci/run")
def test_age_command_line_decrypts_with_the_integrators_identity(tmp_path: Path, identity) -> None:
    key, public = identity
    path = make(tmp_path, [public])
    plain = subprocess.run(["age", "-d", "-i", str(key), str(path)], capture_output=True, check=True).stdout
    with zipfile.ZipFile(io.BytesIO(plain)) as zf:
        assert sorted(zf.namelist()) == sorted(bundle.WRITTEN)
        manifest = json.loads(zf.read("manifest.json"))
        assert json.loads(zf.read("credentials.json"))["password"] == SECRET
    assert manifest["format_version"] == bundle.FORMAT_VERSION
    assert manifest["system"]["id"] == "liss" and manifest["school"]["name"] == "Riverbend Grammar"
    assert manifest["data_areas"] and manifest["ran_by"]


def test_cli_create_and_open_round_trip(tmp_path: Path, identity, creds_file: Path, capsys) -> None:
    key, public = identity
    out = tmp_path / "b.age"
    assert main(["bundle", "create", "liss", "--credentials", str(creds_file), "--recipient", public,
                 "--out", str(out)]) == 0
    assert SECRET.encode() not in out.read_bytes()
    capsys.readouterr()
    assert main(["bundle", "open", str(out), "--identity", str(key), "--json", "--out", str(tmp_path / "o")]) == 0
    opened = json.loads(capsys.readouterr().out)
    assert opened["credentials"]["password"] == SECRET
    assert (tmp_path / "o" / "manifest.json").exists()


def test_no_recipient_and_no_passphrase_is_a_usage_error(tmp_path: Path, creds_file: Path, capsys) -> None:
    assert main(["bundle", "create", "liss", "--credentials", str(creds_file), "--out",
                 str(tmp_path / "b.age")]) == 2
    assert "--recipient" in capsys.readouterr().err
    assert not (tmp_path / "b.age").exists()


def test_passphrase_bundle(tmp_path: Path, monkeypatch, creds_file: Path, capsys) -> None:
    monkeypatch.setenv("BUNDLE_PW", "correct horse battery")
    out = tmp_path / "p.age"
    assert main(["bundle", "create", "liss", "--credentials", str(creds_file), "--passphrase-env", "BUNDLE_PW",
                 "--out", str(out)]) == 0
    assert bundle.open_bundle(out, passphrase="correct horse battery").credentials["password"] == SECRET
    monkeypatch.setenv("BUNDLE_PW", "wrong horse battery")
    capsys.readouterr()
    assert main(["bundle", "open", str(out), "--passphrase-env", "BUNDLE_PW", "--out", str(tmp_path / "x")]) == 1
    assert "bundle.wrong_passphrase" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def _newer(tmp_path: Path, public: str) -> Path:
    return bundle_of_version(tmp_path / "newer.age", public, 99)


@pytest.mark.parametrize("case", ["wrong_identity", "truncated", "tampered", "newer_format", "not_a_bundle",
                                  "needs_passphrase"])
def test_every_bad_bundle_has_its_own_error_and_writes_nothing(tmp_path: Path, identity, case: str,
                                                               capsys) -> None:
    key, public = identity
    path = make(tmp_path, [public])
    data = path.read_bytes()
    use_key = key
    if case == "wrong_identity":
        use_key = tmp_path / "other.key"
        bundle.generate_identity(use_key)
    elif case == "truncated":
        path.write_bytes(data[: len(data) - 40])
    elif case == "tampered":
        path.write_bytes(data[:-20] + bytes([data[-20] ^ 0x55]) + data[-19:])
    elif case == "newer_format":
        path = _newer(tmp_path, public)
    elif case == "not_a_bundle":
        path.write_bytes(b"PK\x03\x04 just a zip")
    elif case == "needs_passphrase":
        path = make(tmp_path, [], "a long enough passphrase")
    expected = {"truncated": "damaged", "tampered": "damaged"}.get(case, case)
    out_dir = tmp_path / "opened"
    assert main(["bundle", "open", str(path), "--identity", str(use_key), "--out", str(out_dir)]) == 1
    err = capsys.readouterr().err
    assert f"bundle.{expected}" in err
    assert not out_dir.exists()


def test_bundle_is_written_atomically_without_plaintext(tmp_path: Path, identity) -> None:
    _, public = identity
    path = make(tmp_path, [public])
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert SECRET.encode() not in path.read_bytes()
    assert path.read_bytes().startswith(b"age-encryption.org/v1")
