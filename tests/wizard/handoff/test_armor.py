"""`bundle open` reads an armored bundle (`age -a`) as well as the binary one."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pyrage
import pytest
from pyrage import x25519

from mis_wizard.wizard.cli import main
from mis_wizard.wizard.handoff import armor, bundle
from mis_wizard.wizard.profile import load
from mis_wizard.wizard.subject import from_credentials

SECRET = "liss-Pa55word-for-armor!"
CREDS = {"base_url": "https://liss.integrator.example/liss", "school_code": "RIVERBEND",
         "username": "td-sync", "password": SECRET}


def _plain_bundle(tmp_path: Path, key: Path) -> bytes:
    """The zip inside a real bundle, as `age -d` gives it back."""
    subject = from_credentials("liss", dict(CREDS), load(None))
    identity = bundle.read_identity(key)
    path = bundle.create(subject, tmp_path / "binary.age", [str(identity.to_public())], None)
    return pyrage.decrypt(path.read_bytes(), [identity])


@pytest.fixture
def key(tmp_path: Path) -> Path:
    path = tmp_path / "integrator.key"
    bundle.generate_identity(path)
    return path


@pytest.mark.skipif(shutil.which("age") is None, reason="needs the age command line")
def test_bundle_armored_by_the_age_command_opens(tmp_path: Path, key: Path, capsys) -> None:
    plain = _plain_bundle(tmp_path, key)
    public = str(bundle.read_identity(key).to_public())
    armored = tmp_path / "school.age"
    subprocess.run(["age", "-a", "-r", public, "-o", str(armored)], input=plain, check=True)
    assert armored.read_bytes().startswith(armor.BEGIN)
    assert main(["bundle", "open", str(armored), "--identity", str(key), "--json", "--out", str(tmp_path / "o")]) == 0
    assert json.loads(capsys.readouterr().out)["credentials"]["password"] == SECRET
    with zipfile.ZipFile(io.BytesIO(plain)) as zf:
        assert json.loads(zf.read("manifest.json")) == json.loads((tmp_path / "o" / "manifest.json").read_text())


def test_bundle_armored_per_the_spec_opens_and_binary_is_untouched(tmp_path: Path, key: Path) -> None:
    plain = _plain_bundle(tmp_path, key)
    binary = pyrage.encrypt(plain, [bundle.read_identity(key).to_public()])
    assert armor.dearmor(binary) == binary
    text = armor.armor(binary)
    lines = text.decode().splitlines()
    assert lines[0] == "-----BEGIN AGE ENCRYPTED FILE-----" and lines[-1] == "-----END AGE ENCRYPTED FILE-----"
    assert all(len(line) == 64 for line in lines[1:-2]) and 0 < len(lines[-2]) <= 64
    path = tmp_path / "armored.age"
    path.write_bytes(b"\r\n" + text.replace(b"\n", b"\r\n"))  # as it arrives after a Windows mail client
    assert bundle.open_bundle(path, identity=key).credentials["password"] == SECRET


@pytest.mark.skipif(shutil.which("age") is None, reason="needs the age command line")
def test_our_armor_is_what_age_reads(tmp_path: Path, key: Path) -> None:
    recipient = x25519.Identity.generate()
    binary = pyrage.encrypt(b"hello school", [recipient.to_public()])
    (tmp_path / "id").write_text(str(recipient), encoding="utf-8")
    (tmp_path / "a.age").write_bytes(armor.armor(binary))
    out = subprocess.run(["age", "-d", "-i", str(tmp_path / "id"), str(tmp_path / "a.age")],
                         capture_output=True, check=True).stdout
    assert out == b"hello school"


@pytest.mark.parametrize("damage", ["truncated", "not_base64", "long_line"])
def test_damaged_armor_is_a_damaged_bundle(tmp_path: Path, key: Path, damage: str, capsys) -> None:
    binary = pyrage.encrypt(_plain_bundle(tmp_path, key), [bundle.read_identity(key).to_public()])
    text = armor.armor(binary)
    if damage == "truncated":
        text = text[: len(text) // 2]
    elif damage == "not_base64":
        text = text.replace(text.splitlines()[2], b"!" * 64)
    else:
        body = b"".join(text.splitlines()[1:-1])
        text = armor.BEGIN + b"\n" + body + b"\n" + armor.END + b"\n"
    path = tmp_path / "bad.age"
    path.write_bytes(text)
    with pytest.raises(bundle.BundleError) as err:
        bundle.open_bundle(path, identity=key)
    assert err.value.code == "bundle.damaged" and "send it again" in str(err.value)
